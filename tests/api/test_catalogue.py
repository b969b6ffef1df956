"""The exercise catalogue for the app (issue 14): GET /api/v1/exercises/ and /exercises/{id}/,
for patients and physiotherapists; each exercise with an illustration made for this product
(served as a static file, an absolute URL in `media_url`) and its easier and harder variants
as links; and the compact sessions list that refers to the catalogue by id."""

import json
from xml.etree import ElementTree

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from programs.models import Exercise, TemplateExercise
from tests.access import check_access
from tests.conftest import HIP_TEMPLATE

SVG = "{http://www.w3.org/2000/svg}"


def template_slugs() -> set[str]:
    return set(
        TemplateExercise.objects.filter(phase__template__slug=HIP_TEMPLATE).values_list(
            "exercise__slug", flat=True
        )
    )


def catalogue(client, **query) -> list[dict]:
    response = client.get("/api/v1/exercises/", {"page_size": 200, **query})
    assert response.status_code == 200, response.content
    return response.json()["results"]


class TestCatalogue:
    def test_a_patient_reads_the_catalogue_with_media_and_variant_links(self, world):
        exercises = {e["slug"]: e for e in catalogue(world.client("owner"))}
        assert set(exercises) >= template_slugs()
        bridging = exercises["bridging"]
        assert bridging["media_url"] == "http://testserver/static/programs/exercises/bridging.svg"
        harder = Exercise.objects.get(slug="standing-hip-extension-band")
        assert bridging["easier_variant"] is None
        assert bridging["harder_variant"] == {
            "id": harder.pk,
            "slug": "standing-hip-extension-band",
            "name": "Been naar achteren met elastiek, staand",
            "url": f"http://testserver/api/v1/exercises/{harder.pk}/",
        }

    def test_a_variant_link_leads_to_the_exercise(self, world):
        client = world.client("owner")
        bridging = next(e for e in catalogue(client) if e["slug"] == "bridging")
        response = client.get(bridging["harder_variant"]["url"], HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        body = response.json()
        assert (body["slug"], body["name"]) == (
            "standing-hip-extension-band",
            "Standing hip extension with band",
        )
        assert body["easier_variant"]["slug"] == "bridging"

    def test_an_exercise_taken_out_of_the_catalogue_is_not_listed_but_still_served(self, world):
        Exercise.objects.filter(slug="forward-lunge").update(is_active=False)
        client = world.client("owner")
        assert "forward-lunge" not in {e["slug"] for e in catalogue(client)}
        lunge = Exercise.objects.get(slug="forward-lunge")
        assert client.get(f"/api/v1/exercises/{lunge.pk}/").status_code == 200

    def test_a_media_url_set_in_the_catalogue_wins_over_the_illustration(self, world):
        Exercise.objects.filter(slug="bridging").update(media_url="https://video.example/bridge")
        exercises = {e["slug"]: e for e in catalogue(world.client("physio"))}
        assert exercises["bridging"]["media_url"] == "https://video.example/bridge"

    def test_an_exercise_without_media_says_null(self, world):
        Exercise.objects.create(
            slug="new-exercise",
            name_nl="Nieuw",
            name_en="New",
            instructions_nl="-",
            instructions_en="-",
            kind="mobility",
            difficulty=1,
        )
        exercises = {e["slug"]: e for e in catalogue(world.client("owner"))}
        assert exercises["new-exercise"]["media_url"] is None

    def test_by_kind(self, world):
        kinds = {e["kind"] for e in catalogue(world.client("owner"), kind="mobility")}
        assert kinds == {"mobility"}

    @pytest.mark.parametrize(
        ("url", "status", "field"),
        [
            ("/api/v1/exercises/?kind=yoga", 400, "kind"),
            ("/api/v1/exercises/999999/", 404, None),
            (f"/api/v1/exercises/{2**70}/", 404, None),
        ],
    )
    def test_bad_requests_are_clear_4xx(self, world, url, status, field):
        response = world.client("owner").get(url)
        assert response.status_code == status
        assert list(response.json()["error"]["fields"]) == ([field] if field else [])

    def test_the_list_costs_the_same_queries_however_many_exercises(
        self, world, django_assert_max_num_queries
    ):
        client = world.client("owner")
        client.get("/api/v1/exercises/")  # the signed-in user, once
        with django_assert_max_num_queries(4):  # user and patient, count, page
            assert len(catalogue(client)) == 12
        Exercise.objects.bulk_create(
            Exercise(
                slug=f"extra-{n}",
                name_nl="x",
                name_en="x",
                instructions_nl="x",
                instructions_en="x",
                kind="strength",
                difficulty=2,
                easier_variant=Exercise.objects.get(slug="bridging"),
            )
            for n in range(20)
        )
        with django_assert_max_num_queries(4):
            assert len(catalogue(client)) == 32

    def test_access(self, world):
        expected = {
            "owner": 200,
            "other_patient": 200,
            "physio": 200,
            "other_physio": 200,
            "insurer": 403,
            "other_insurer": 403,
            "staff": 403,
            "anonymous": 401,
        }
        check_access(world, "get", "/api/v1/exercises/", expected)
        exercise = Exercise.objects.get(slug="bridging")
        check_access(world, "get", f"/api/v1/exercises/{exercise.pk}/", expected)


class TestIllustrations:
    """One drawing per exercise of the template, made for this product: a valid SVG with a
    title, nothing that loads or runs, served as a static file."""

    def test_every_template_exercise_has_a_valid_svg_of_its_own(self, world):
        seen = set()
        for slug in template_slugs() | {"brisk-walking"}:
            path = finders.find(f"programs/exercises/{slug}.svg")
            assert path, f"no illustration for {slug}"
            with open(path, "rb") as file:
                content = file.read()
            # Our own files: parsing them is safe (S314 is about untrusted XML).
            root = ElementTree.fromstring(content)  # noqa: S314
            assert root.tag == f"{SVG}svg", slug
            assert root.get("viewBox") == "0 0 240 160", slug
            title = root.find(f"{SVG}title")
            assert title is not None and title.text, slug
            names = {element.tag.removeprefix(SVG) for element in root.iter()}
            assert names <= {
                "svg",
                "title",
                "desc",
                "defs",
                "marker",
                "g",
                "path",
                "circle",
                "rect",
            }, (slug, names)
            assert b"href" not in content and b"script" not in content.lower(), slug
            assert content not in seen, f"{slug} repeats another drawing"
            seen.add(content)

    def test_the_titles_name_the_exercises(self, world):
        for exercise in Exercise.objects.filter(slug__in=template_slugs()):
            path = finders.find(f"programs/exercises/{exercise.slug}.svg")
            with open(path, "rb") as file:
                root = ElementTree.fromstring(file.read())  # noqa: S314
            assert root.find(f"{SVG}title").text == exercise.name_en

    def test_the_media_urls_are_served_after_collectstatic_as_in_production(
        self, world, settings, tmp_path
    ):
        # As the image does: collectstatic, then WhiteNoise serves STATIC_ROOT.
        settings.STATIC_ROOT = tmp_path
        call_command(
            "collectstatic",
            interactive=False,
            verbosity=0,
            ignore_patterns=["admin", "rest_framework", "drf_spectacular_sidecar"],
        )
        exercises = catalogue(world.client("owner"))
        by_slug = {e["slug"]: e["media_url"] for e in exercises}
        static = Client()  # a new handler: WhiteNoise reads the new STATIC_ROOT
        for slug in template_slugs():
            url = by_slug[slug]
            assert url.startswith("http://testserver/static/"), url
            response = static.get(url.removeprefix("http://testserver"))
            assert response.status_code == 200, slug
            assert response["Content-Type"].startswith("image/svg+xml"), slug
            body = b"".join(response.streaming_content)
            with open(finders.find(f"programs/exercises/{slug}.svg"), "rb") as file:
                assert body == file.read(), slug

    def test_the_media_urls_are_served_by_make_run(self, world, settings):
        # `make run` (DEBUG=1): WhiteNoise serves from the apps' static folders directly.
        settings.WHITENOISE_USE_FINDERS = True
        settings.WHITENOISE_AUTOREFRESH = True
        url = next(e for e in catalogue(world.client("owner")) if e["slug"] == "step-up")
        response = Client().get(url["media_url"].removeprefix("http://testserver"))
        assert response.status_code == 200
        assert b'<title id="title">Step-up</title>' in b"".join(response.streaming_content)


def session_exercises(client, url, **query) -> list[dict]:
    response = client.get(url, {"page_size": 200, **query})
    assert response.status_code == 200, response.content
    return response.json()["results"]


class TestCompactSessions:
    def test_compact_sessions_name_prescriptions_and_exercises_by_id(self, world, programme):
        client = world.client("owner")
        full = session_exercises(client, "/api/v1/me/sessions/")
        compact = session_exercises(client, "/api/v1/me/sessions/", view="compact")
        assert [s["id"] for s in compact] == [s["id"] for s in full]
        for long, short in zip(full, compact, strict=True):
            assert short["exercises"] == [
                {"id": item["id"], "exercise": item["exercise"]["id"]} for item in long["exercises"]
            ]
            assert {k: v for k, v in short.items() if k != "exercises"} == {
                k: v for k, v in long.items() if k != "exercises"
            }

    def test_the_programme_and_the_catalogue_resolve_every_id(self, world, programme):
        client = world.client("owner")
        compact = session_exercises(client, "/api/v1/me/sessions/", view="compact")
        doses = {
            item["id"]: item
            for phase in client.get("/api/v1/me/programme/").json()["phases"]
            for item in phase["exercises"]
        }
        exercises = {e["id"] for e in catalogue(client)}
        for session in compact:
            for item in session["exercises"]:
                assert doses[item["id"]]["exercise"]["id"] == item["exercise"]
                assert item["exercise"] in exercises

    def test_compact_is_a_fraction_of_the_full_list(self, world, programme):
        client = world.client("owner")
        full = client.get("/api/v1/me/sessions/", {"page_size": 200}).content
        compact = client.get("/api/v1/me/sessions/", {"page_size": 200, "view": "compact"})
        assert len(json.loads(full)["results"]) == 24
        assert len(compact.content) * 5 < len(full)

    def test_the_physiotherapist_has_the_compact_view_too(self, world, programme):
        url = f"/api/v1/physio/programmes/{programme.pk}/sessions/"
        compact = session_exercises(world.client("physio"), url, view="compact")
        assert set(compact[0]["exercises"][0]) == {"id", "exercise"}

    def test_an_unknown_view_is_a_400_naming_it(self, world, programme):
        response = world.client("owner").get("/api/v1/me/sessions/", {"view": "tiny"})
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["view"]

    def test_compact_costs_no_more_queries_than_full(self, world, programme):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = world.client("owner")
        counts = []
        for view in ("full", "compact"):
            with CaptureQueriesContext(connection) as captured:
                client.get("/api/v1/me/sessions/", {"view": view})
            counts.append(len(captured))
        assert counts[1] <= counts[0]


def test_the_new_answers_match_the_schema(api_schema, world, programme):
    """Checked by schemathesis as the fuzzer checks them: compact and full sessions (one
    schema for both exercise forms), the catalogue, an exercise, the patient detail, and a
    304 without a body."""
    from tests.api.test_fuzz_findings import call
    from tests.conftest import bearer

    owner, physio = world.owner.user, world.physio.user
    for view in ("full", "compact"):
        status, body = call(api_schema, owner, "GET", "/api/v1/me/sessions/", query={"view": view})
        assert status == 200 and body["results"][0]["exercises"]
    status, body = call(api_schema, owner, "GET", "/api/v1/exercises/")
    assert status == 200
    exercise = next(e for e in body["results"] if e["harder_variant"])
    status, _body = call(
        api_schema,
        owner,
        "GET",
        "/api/v1/exercises/{exercise_id}/",
        path_parameters={"exercise_id": exercise["id"]},
    )
    assert status == 200
    status, _body = call(
        api_schema,
        physio,
        "GET",
        "/api/v1/physio/patients/{patient_id}/",
        path_parameters={"patient_id": str(world.owner.pk)},
    )
    assert status == 200
    # Through the same WSGI application (a test client request would reconnect the signal
    # that closes the test's database connection; see the api_schema fixture).
    first = api_schema["/api/v1/me/programme/"]["GET"].Case().call(headers=bearer(owner))
    etag = first.headers["etag"]
    etag = etag[0] if isinstance(etag, list) else etag
    status, body = call(
        api_schema, owner, "GET", "/api/v1/me/programme/", headers={"If-None-Match": etag}
    )
    assert (status, body) == (304, None)
