"""Reminder settings and devices through the API, and the FCM backend at its boundary."""

import secrets
import sys
import types
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from programs.delivery.push import FCMPushBackend, PushMessage
from programs.models import (
    Device,
    Notification,
    NotificationKind,
    NotificationStatus,
    ReminderPreference,
)
from programs.services.reminder import reminder_dispatch_due, reminder_send
from tests.access import check_access
from tests.conftest import enrol

PATIENT_ONLY = {
    "owner": 200,
    "other_patient": 200,
    "physio": 403,
    "other_physio": 403,
    "insurer": 403,
    "other_insurer": 403,
    "staff": 403,
    "anonymous": 401,
}


class TestSettings:
    def test_defaults_before_any_change(self, world):
        body = world.client("owner").get("/api/v1/me/reminder-settings/").json()
        assert body == {
            "push_enabled": True,
            "email_enabled": False,
            "minutes_before": 60,
            "quiet_start": "22:00",
            "quiet_end": "08:00",
            "language": "",
            "upcoming_session": True,
            "missed_session": True,
            "questionnaire_due": True,
            "weekly_pain": True,
        }
        assert not ReminderPreference.objects.exists()

    def test_patch_changes_only_what_is_sent(self, world):
        response = world.client("owner").patch(
            "/api/v1/me/reminder-settings/",
            {"minutes_before": 90, "quiet_end": "07:30", "missed_session": False, "language": "en"},
            format="json",
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["minutes_before"], body["quiet_end"], body["missed_session"]) == (
            90,
            "07:30",
            False,
        )
        assert body["quiet_start"] == "22:00"
        assert ReminderPreference.objects.get(patient=world.owner).language == "en"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"minutes_before": 2}, "minutes_before"),
            ({"minutes_before": 100000}, "minutes_before"),
            ({"quiet_start": "25:00"}, "quiet_start"),
            ({"language": "de"}, "language"),
            ({"push_enabled": "sometimes"}, "push_enabled"),
        ],
    )
    def test_bad_values_are_a_400_naming_the_field(self, world, body, field):
        response = world.client("owner").patch("/api/v1/me/reminder-settings/", body, format="json")
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == [field]
        assert not ReminderPreference.objects.exists()

    def test_access_matrix(self, world):
        check_access(world, "get", "/api/v1/me/reminder-settings/", PATIENT_ONLY)
        check_access(
            world, "patch", "/api/v1/me/reminder-settings/", PATIENT_ONLY, {"minutes_before": 30}
        )
        assert ReminderPreference.objects.count() == 2  # each patient their own


class TestDevices:
    def test_register_twice_is_one_device_and_delete_removes_it(self, world):
        client = world.client("owner")
        body = {"platform": "android", "token": "fcm-token-abcdefghij"}
        first = client.post("/api/v1/me/devices/", body, format="json")
        again = client.post("/api/v1/me/devices/", body, format="json")
        assert (first.status_code, again.status_code) == (201, 200)
        assert Device.objects.count() == 1
        assert client.get("/api/v1/me/devices/").json()["results"][0]["platform"] == "android"
        assert client.delete(f"/api/v1/me/devices/{first.json()['id']}/").status_code == 204
        assert not Device.objects.exists()

    def test_a_token_moves_to_the_patient_who_signs_in_on_the_device(self, world):
        body = {"platform": "ios", "token": "shared-tablet-token-1"}
        world.client("owner").post("/api/v1/me/devices/", body, format="json")
        world.client("other_patient").post("/api/v1/me/devices/", body, format="json")
        assert Device.objects.get().patient == world.other_patient

    def test_another_patients_device_cannot_be_deleted(self, world):
        device = Device.objects.create(patient=world.owner, platform="ios", token="owner-token-123")
        response = world.client("other_patient").delete(f"/api/v1/me/devices/{device.pk}/")
        assert response.status_code == 404
        assert Device.objects.filter(pk=device.pk).exists()

    @pytest.mark.parametrize(
        ("body", "field"),
        [({"platform": "nokia", "token": "x" * 20}, "platform"), ({"platform": "ios"}, "token")],
    )
    def test_bad_registrations_name_the_field(self, world, body, field):
        response = world.client("owner").post("/api/v1/me/devices/", body, format="json")
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == [field]

    @pytest.mark.parametrize(
        "token",
        [
            secrets.token_urlsafe(3000),  # about 4000 characters: above PostgreSQL's index limit
            "x" * 1025,
            "token with spaces in it",
            "tøken-with-non-ascii-ü" * 10,
        ],
    )
    def test_an_unusable_token_is_a_400_naming_token(self, world, token):
        response = world.client("owner").post(
            "/api/v1/me/devices/", {"platform": "android", "token": token}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["token"]
        assert not Device.objects.exists()

    def test_a_long_random_token_up_to_the_limit_is_registered(self, world):
        token = secrets.token_urlsafe(1024)[:1024]
        response = world.client("owner").post(
            "/api/v1/me/devices/", {"platform": "web", "token": token}, format="json"
        )
        assert response.status_code == 201
        assert Device.objects.get().token == token

    def test_access_matrix(self, world):
        check_access(world, "get", "/api/v1/me/devices/", PATIENT_ONLY)
        device = Device.objects.create(patient=world.owner, platform="ios", token="owner-token-123")
        check_access(
            world,
            "delete",
            f"/api/v1/me/devices/{device.pk}/",
            {**PATIENT_ONLY, "owner": 204, "other_patient": 404},
        )


@pytest.fixture
def fake_firebase(monkeypatch, settings, tmp_path):
    """firebase_admin replaced at its import boundary: messages are captured and answered the
    way FCM answers; nothing leaves the machine."""
    settings.FCM_CREDENTIALS_FILE = str(tmp_path / "service-account.json")
    package = types.ModuleType("firebase_admin")
    messaging = types.ModuleType("firebase_admin.messaging")
    exceptions = types.ModuleType("firebase_admin.exceptions")
    credentials = types.ModuleType("firebase_admin.credentials")

    class FirebaseError(Exception):
        pass

    for name in (
        "UnavailableError",
        "InternalError",
        "DeadlineExceededError",
        "InvalidArgumentError",
    ):
        setattr(exceptions, name, type(name, (FirebaseError,), {}))
    for name in ("UnregisteredError", "SenderIdMismatchError", "QuotaExceededError"):
        setattr(messaging, name, type(name, (FirebaseError,), {}))

    class Message:
        def __init__(self, token, notification, data):
            self.token, self.notification, self.data = token, notification, data

    class Notification:
        def __init__(self, title, body):
            self.title, self.body = title, body

    class SendResponse:
        def __init__(self, message_id=None, exception=None):
            self.message_id, self.exception = message_id, exception
            self.success = exception is None

    captured = {"batches": [], "answers": {}}

    def send_each(batch, app=None):
        captured["batches"].append(batch)
        return types.SimpleNamespace(
            responses=[
                captured["answers"].get(message.token) or SendResponse(message_id=f"m/{i}")
                for i, message in enumerate(batch)
            ]
        )

    messaging.Message, messaging.Notification, messaging.send_each = (
        Message,
        Notification,
        send_each,
    )
    credentials.Certificate = lambda path: ("certificate", path)
    apps = {}

    def get_app(name):
        if name not in apps:
            raise ValueError(name)
        return apps[name]

    def initialize_app(credential, name):
        apps[name] = types.SimpleNamespace(credential=credential, name=name)
        return apps[name]

    package.get_app, package.initialize_app = get_app, initialize_app
    package.messaging, package.exceptions, package.credentials = messaging, exceptions, credentials
    for module_name, module in (
        ("firebase_admin", package),
        ("firebase_admin.messaging", messaging),
        ("firebase_admin.exceptions", exceptions),
        ("firebase_admin.credentials", credentials),
    ):
        monkeypatch.setitem(sys.modules, module_name, module)
    captured["SendResponse"] = SendResponse
    captured["messaging"], captured["exceptions"] = messaging, exceptions
    return captured


def test_fcm_backend_sends_http_v1_messages_and_maps_errors(fake_firebase):
    SendResponse = fake_firebase["SendResponse"]
    messaging, exceptions = fake_firebase["messaging"], fake_firebase["exceptions"]
    fake_firebase["answers"] = {
        "gone": SendResponse(exception=messaging.UnregisteredError("unregistered")),
        "busy": SendResponse(exception=exceptions.UnavailableError("503")),
        "bad": SendResponse(exception=exceptions.InvalidArgumentError("bad payload")),
    }
    messages = [
        PushMessage(token, "Titel", "Tekst", {"kind": "upcoming_session"})
        for token in ("ok", "gone", "busy", "bad")
    ]
    results = FCMPushBackend().send(messages)
    assert [r.outcome for r in results] == ["sent", "invalid_token", "transient", "failed"]
    (batch,) = fake_firebase["batches"]
    assert [m.token for m in batch] == ["ok", "gone", "busy", "bad"]
    assert (batch[0].notification.title, batch[0].data) == ("Titel", {"kind": "upcoming_session"})


def test_fcm_reports_a_malformed_registration_token_invalid_and_the_device_is_deactivated(
    world, fake_firebase, settings
):
    """FCM answers INVALID_ARGUMENT both for a malformed token and for a bad payload; only the
    first is about the device."""
    settings.PUSH_BACKEND = "programs.delivery.push.FCMPushBackend"
    SendResponse = fake_firebase["SendResponse"]
    invalid = fake_firebase["exceptions"].InvalidArgumentError
    fake_firebase["answers"] = {
        "malformed-token-0001": SendResponse(
            exception=invalid("The registration token is not a valid FCM registration token")
        ),
        "payload-trouble-0001": SendResponse(exception=invalid("Message.data must not be empty")),
    }
    results = FCMPushBackend().send(
        [PushMessage("payload-trouble-0001", "Titel", "Tekst", {"kind": "weekly_pain"})]
    )
    assert [r.outcome for r in results] == ["failed"]

    amsterdam = ZoneInfo("Europe/Amsterdam")
    with time_machine.travel(datetime(2027, 2, 20, 9, tzinfo=amsterdam), tick=False):
        enrol(world.owner, world.physio, start_date=date(2027, 3, 1))
    ReminderPreference.objects.create(patient=world.owner, questionnaire_due=False)
    device = Device.objects.create(
        patient=world.owner, platform="android", token="malformed-token-0001"
    )
    with time_machine.travel(datetime(2027, 3, 1, 17, tzinfo=amsterdam), tick=False):
        for ids in reminder_dispatch_due().tasks:
            for pk in ids:
                reminder_send(notification_id=pk)
    device.refresh_from_db()
    assert (device.active, device.deactivation_reason) == (
        False,
        "InvalidArgumentError: registration token",
    )
    notification = Notification.objects.get(kind=NotificationKind.UPCOMING_SESSION)
    assert notification.status == NotificationStatus.FAILED
    assert notification.deliveries.get().outcome == "invalid_token"
