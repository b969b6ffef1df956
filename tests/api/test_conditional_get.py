"""ETag and If-None-Match on what the app reads again and again (issue 14): programme, sessions
and the catalogue. The ETag follows the representation; 304 has no body; the read is in the
access log all the same; the caching headers fit together."""

import pytest

from programs.models import AccessLogEntry, Exercise
from programs.services.programme import programme_exercise_update

PATIENT_READS = ["/api/v1/me/programme/", "/api/v1/me/sessions/"]


def physio_reads(programme) -> list[str]:
    return [
        f"/api/v1/physio/programmes/{programme.pk}/",
        f"/api/v1/physio/programmes/{programme.pk}/sessions/",
    ]


CATALOGUE_READS = ["/api/v1/exercises/", "/api/v1/physio/exercises/", "/api/v1/physio/templates/"]


def reads(programme) -> list[tuple[str, str]]:
    return (
        [("owner", url) for url in PATIENT_READS]
        + [("physio", url) for url in physio_reads(programme)]
        + [("owner", "/api/v1/exercises/")]
        + [("physio", url) for url in CATALOGUE_READS]
    )


def change_a_dose(world, programme) -> None:
    item = programme.phases.get(order=1).exercises.get(exercise__slug="bridging")
    programme_exercise_update(actor=world.physio.user, item=item, dose={"sets": 3})


class TestETag:
    def test_the_same_content_has_the_same_etag(self, world, programme):
        for actor, url in reads(programme):
            client = world.client(actor)
            first, second = client.get(url), client.get(url)
            assert first.status_code == 200, url
            assert first["ETag"] == second["ETag"], url
            assert first["ETag"].startswith('"') and first["ETag"].endswith('"'), url

    def test_a_dose_change_changes_the_etag_of_programme_and_sessions(self, world, programme):
        client = {"owner": world.client("owner"), "physio": world.client("physio")}
        urls = [("owner", url) for url in PATIENT_READS] + [
            ("physio", url) for url in physio_reads(programme)
        ]
        before = {url: client[actor].get(url)["ETag"] for actor, url in urls}
        change_a_dose(world, programme)
        after = {url: client[actor].get(url)["ETag"] for actor, url in urls}
        assert all(before[url] != after[url] for url in before), (before, after)

    def test_a_catalogue_change_changes_the_catalogue_etag(self, world):
        client = world.client("owner")
        before = client.get("/api/v1/exercises/")["ETag"]
        Exercise.objects.filter(slug="bridging").update(name_nl="Bruggetje (bekken omhoog)")
        assert client.get("/api/v1/exercises/")["ETag"] != before

    def test_the_language_gives_another_representation_and_etag(self, world, programme):
        client = world.client("owner")
        dutch = client.get("/api/v1/me/programme/", HTTP_ACCEPT_LANGUAGE="nl")
        english = client.get("/api/v1/me/programme/", HTTP_ACCEPT_LANGUAGE="en")
        assert dutch["ETag"] != english["ETag"]
        assert "Accept-Language" in dutch["Vary"]

    def test_the_compact_view_has_its_own_etag(self, world, programme):
        client = world.client("owner")
        full = client.get("/api/v1/me/sessions/")["ETag"]
        compact = client.get("/api/v1/me/sessions/", {"view": "compact"})["ETag"]
        assert full != compact


class TestNotModified:
    def test_if_none_match_with_the_current_etag_is_a_304_without_a_body(self, world, programme):
        for actor, url in reads(programme):
            client = world.client(actor)
            etag = client.get(url)["ETag"]
            response = client.get(url, HTTP_IF_NONE_MATCH=etag)
            assert response.status_code == 304, url
            assert response.content == b"", url
            assert response["ETag"] == etag, url
            assert "Accept-Language" in response["Vary"], url

    def test_a_weak_or_listed_etag_matches_too(self, world, programme):
        client = world.client("owner")
        etag = client.get("/api/v1/me/programme/")["ETag"]
        for header in (f"W/{etag}", f'"stale", {etag}', "*"):
            response = client.get("/api/v1/me/programme/", HTTP_IF_NONE_MATCH=header)
            assert response.status_code == 304, header

    def test_a_stale_etag_gets_the_new_representation(self, world, programme):
        client = world.client("owner")
        stale = client.get("/api/v1/me/programme/")["ETag"]
        change_a_dose(world, programme)
        response = client.get("/api/v1/me/programme/", HTTP_IF_NONE_MATCH=stale)
        assert response.status_code == 200
        assert response["ETag"] != stale
        bridging = response.json()["phases"][0]["exercises"][2]
        assert (bridging["exercise"]["slug"], bridging["sets"]) == ("bridging", 3)

    @pytest.mark.parametrize("url", PATIENT_READS)
    def test_a_304_is_in_the_access_log_all_the_same(self, world, programme, url):
        client = world.client("owner")
        etag = client.get(url)["ETag"]
        logged = AccessLogEntry.objects.filter(patient_id=world.owner.pk).count()
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert AccessLogEntry.objects.filter(patient_id=world.owner.pk).count() == logged + 1

    def test_refusals_and_errors_carry_no_etag(self, world, programme):
        assert world.client("other_physio").get(physio_reads(programme)[0]).status_code == 404
        response = world.client("owner").get("/api/v1/me/sessions/", {"view": "tiny"})
        assert response.status_code == 400 and "ETag" not in response
        response = world.client("insurer").get("/api/v1/exercises/", HTTP_IF_NONE_MATCH="*")
        assert response.status_code == 403 and "ETag" not in response

    def test_writes_are_not_conditional(self, world, programme):
        url = physio_reads(programme)[0]
        client = world.client("physio")
        etag = client.get(url)["ETag"]
        response = client.patch(url, {"session_time": "18:30"}, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200 and "ETag" not in response


class TestCachingHeaders:
    def test_patient_data_is_never_stored_by_http_caches(self, world, programme):
        for actor, url in [("owner", u) for u in PATIENT_READS] + [
            ("physio", u) for u in physio_reads(programme)
        ]:
            client = world.client(actor)
            response = client.get(url)
            assert response["Cache-Control"] == "no-store", url
            not_modified = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
            assert not_modified["Cache-Control"] == "no-store", url

    def test_the_catalogue_may_be_kept_by_the_client_and_is_revalidated(self, world):
        client = world.client("owner")
        response = client.get("/api/v1/exercises/")
        assert response["Cache-Control"] == "private, no-cache"
        not_modified = client.get("/api/v1/exercises/", HTTP_IF_NONE_MATCH=response["ETag"])
        assert not_modified.status_code == 304
        assert not_modified["Cache-Control"] == "private, no-cache"
