"""The commands that create the first accounts of an installation (bootstrap) and insurer
accounts (create_insurer_account): idempotent, all or nothing, input checked, passwords from
the environment or the terminal and never printed."""

import io
import sys

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from programs.models import Insurer, InsurerEmployee, Physiotherapist, Practice, Role, User
from tests.factories import PatientFactory, PhysiotherapistFactory
from tests.services.test_people import ARABIC_INDIC_ZERO, FULLWIDTH_ZERO, in_digits

STAFF_PASSWORD = "Beheer-heup-2026!"
PHYSIO_PASSWORD = "Oefenen-heup-2026!"
INSURER_PASSWORD = "Declaratie-heup-2026!"
FIRST_RUN = [
    "--staff-username=beheer",
    "--staff-email=beheer@praktijk.example",
    "--practice-name=Fysiotherapie De Brug",
    "--practice-agb=04123456",
    "--physio-username=s.jansen",
    "--physio-agb=04654321",
    "--physio-first-name=Sanne",
    "--physio-last-name=Jansen",
]


@pytest.fixture
def passwords(monkeypatch):
    monkeypatch.setenv("BOOTSTRAP_STAFF_PASSWORD", STAFF_PASSWORD)
    monkeypatch.setenv("BOOTSTRAP_PHYSIO_PASSWORD", PHYSIO_PASSWORD)
    monkeypatch.setenv("INSURER_ACCOUNT_PASSWORD", INSURER_PASSWORD)


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, "--no-input", stdout=out)
    return out.getvalue()


def state() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Practice.objects.count(),
        Physiotherapist.objects.count(),
        Insurer.objects.count(),
        InsurerEmployee.objects.count(),
    )


def sign_in(username: str, password: str) -> int:
    return (
        APIClient()
        .post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
        .status_code
    )


@pytest.mark.django_db
class TestBootstrap:
    def test_creates_the_staff_user_the_practice_and_its_physiotherapist(self, passwords, client):
        output = run("bootstrap", *FIRST_RUN)
        assert output.splitlines() == [
            "Staff user beheer: created.",
            "Practice Fysiotherapie De Brug (04123456): created.",
            "Physiotherapist s.jansen (AGB 04654321) at Fysiotherapie De Brug: created.",
        ]
        staff = User.objects.get(username="beheer")
        assert (staff.role, staff.is_staff, staff.is_superuser) == (Role.STAFF, True, True)
        signed_in = client.post(
            "/admin/login/?next=/admin/", {"username": "beheer", "password": STAFF_PASSWORD}
        )
        assert (signed_in.status_code, signed_in["Location"]) == (302, "/admin/")
        assert client.get("/admin/").status_code == 200
        physio = Physiotherapist.objects.get(user__username="s.jansen")
        assert (physio.practice.agb_code, physio.agb_code, str(physio)) == (
            "04123456",
            "04654321",
            "Sanne Jansen",
        )
        assert sign_in("s.jansen", PHYSIO_PASSWORD) == 200
        assert STAFF_PASSWORD not in output and PHYSIO_PASSWORD not in output

    def test_a_second_run_changes_nothing_and_needs_no_password(self, passwords, monkeypatch):
        run("bootstrap", *FIRST_RUN)
        before = state()
        monkeypatch.delenv("BOOTSTRAP_STAFF_PASSWORD")
        monkeypatch.delenv("BOOTSTRAP_PHYSIO_PASSWORD")
        output = run("bootstrap", *FIRST_RUN)
        assert state() == before
        assert output.splitlines() == [
            "Staff user beheer: already there, left as it is.",
            "Practice Fysiotherapie De Brug (04123456): already there, left as it is.",
            "Physiotherapist s.jansen at Fysiotherapie De Brug: already there, left as it is.",
        ]
        assert User.objects.get(username="beheer").check_password(STAFF_PASSWORD)

    def test_adds_a_physiotherapist_to_an_existing_practice(self, passwords):
        run("bootstrap", *FIRST_RUN)
        output = run(
            "bootstrap", "--practice-agb=04123456", "--physio-username=p.devries",
            "--physio-agb=04777777",
        )  # fmt: skip
        assert output.splitlines()[-1] == (
            "Physiotherapist p.devries (AGB 04777777) at Fysiotherapie De Brug: created."
        )
        assert Physiotherapist.objects.filter(practice__agb_code="04123456").count() == 2

    @pytest.mark.parametrize(
        ("change", "complaint"),
        [
            ("--practice-agb=0412345", "--practice-agb: An AGB code consists of exactly 8 digits."),
            ("--physio-agb=4654321x", "--physio-agb: An AGB code consists of exactly 8 digits."),
            ("--staff-username=be heer", "--staff-username: Enter a valid username."),
            ("--staff-email=not-an-address", "--staff-email: Enter a valid email address."),
            ("--practice-name=", "--practice-name: no practice has AGB code 04123456"),
        ],
    )
    def test_invalid_input_is_refused_before_anything_is_written(
        self, passwords, change, complaint
    ):
        option = change.split("=")[0]
        args = [arg for arg in FIRST_RUN if not arg.startswith(f"{option}=")] + [change]
        with pytest.raises(CommandError) as refused:
            run("bootstrap", *args)
        assert str(refused.value).startswith(complaint)
        assert state() == (0, 0, 0, 0, 0)

    def test_the_practices_agb_code_as_the_physiotherapists_is_refused(self, passwords):
        """A physiotherapist's AGB code is their own (README), never the practice's."""
        args = [a for a in FIRST_RUN if not a.startswith("--physio-agb=")]
        with pytest.raises(CommandError) as refused:
            run("bootstrap", *args, "--physio-agb=04123456")
        assert str(refused.value) == (
            "--physio-agb: 04123456 is the AGB code of the practice Fysiotherapie De Brug; a "
            "physiotherapist's AGB code is their own."
        )
        assert state() == (0, 0, 0, 0, 0)

    def test_another_practices_agb_code_as_the_physiotherapists_is_refused(self, passwords):
        Practice.objects.create(name="Fysio Elders", agb_code="04999999")
        args = [a for a in FIRST_RUN if not a.startswith("--physio-agb=")]
        with pytest.raises(CommandError, match="04999999 is the AGB code of the practice Fysio"):
            run("bootstrap", *args, "--physio-agb=04999999")
        assert state() == (0, 1, 0, 0, 0)

    def test_a_physiotherapists_agb_code_as_a_new_practices_is_refused(self, passwords):
        PhysiotherapistFactory(agb_code="04123456")
        before = state()
        with pytest.raises(CommandError) as refused:
            run("bootstrap", *FIRST_RUN)
        assert str(refused.value) == (
            "--practice-agb: 04123456 is a physiotherapist's AGB code, not a practice's."
        )
        assert state() == before

    @pytest.mark.parametrize(
        "code",
        [
            in_digits("04123456", FULLWIDTH_ZERO),
            in_digits("04123456", ARABIC_INDIC_ZERO),
            "04" + in_digits("1", FULLWIDTH_ZERO) + "23456",
        ],
    )
    def test_an_agb_code_in_digits_other_than_0_9_is_refused(self, passwords, code):
        """Fullwidth or Arabic-Indic digits are digits to Python's \\d, but no claim line
        (ASCII 0-9) could ever match them."""
        args = [a for a in FIRST_RUN if not a.startswith("--practice-agb=")]
        with pytest.raises(CommandError, match="--practice-agb: An AGB code consists of"):
            run("bootstrap", *args, f"--practice-agb={code}")
        assert state() == (0, 0, 0, 0, 0)

    def test_an_agb_code_of_another_physiotherapist_is_refused_and_nothing_written(self, passwords):
        PhysiotherapistFactory(agb_code="04654321")
        before = state()
        with pytest.raises(CommandError, match="04654321 belongs to another physiotherapist"):
            run("bootstrap", *FIRST_RUN)
        assert state() == before
        assert not User.objects.filter(username="beheer").exists()

    def test_a_practice_agb_code_with_another_name_is_refused(self, passwords):
        Practice.objects.create(name="Fysio Elders", agb_code="04123456")
        with pytest.raises(CommandError, match="'Fysio Elders'"):
            run("bootstrap", *FIRST_RUN)
        assert not User.objects.filter(username__in=["beheer", "s.jansen"]).exists()

    def test_a_username_of_another_role_is_refused(self, passwords):
        PatientFactory(user__username="beheer")
        with pytest.raises(CommandError, match="role patient, not staff"):
            run("bootstrap", *FIRST_RUN)
        assert not Practice.objects.filter(agb_code="04123456").exists()

    def test_a_weak_password_is_refused_and_nothing_written(self, passwords, monkeypatch):
        monkeypatch.setenv("BOOTSTRAP_PHYSIO_PASSWORD", "12345678")
        with pytest.raises(CommandError, match=r"BOOTSTRAP_PHYSIO_PASSWORD: .*too common"):
            run("bootstrap", *FIRST_RUN)
        assert state() == (0, 0, 0, 0, 0)

    def test_without_a_password_and_a_terminal_nothing_is_written(self, passwords, monkeypatch):
        monkeypatch.delenv("BOOTSTRAP_STAFF_PASSWORD")
        with pytest.raises(CommandError, match="set BOOTSTRAP_STAFF_PASSWORD"):
            run("bootstrap", *FIRST_RUN)
        assert state() == (0, 0, 0, 0, 0)

    def test_a_failure_while_writing_leaves_nothing_half_written(self, passwords):
        """The physiotherapist's first name is only checked when its account is written, after
        the staff user and the practice: the transaction takes those back too."""
        with pytest.raises(CommandError, match="first_name"):
            run("bootstrap", *FIRST_RUN, f"--physio-first-name={'S' * 151}")
        assert state() == (0, 0, 0, 0, 0)

    def test_asks_for_passwords_on_a_terminal(self, monkeypatch):
        answers = iter(["Kort", "Kort", STAFF_PASSWORD, "typo", STAFF_PASSWORD, STAFF_PASSWORD])
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
        monkeypatch.setattr(sys, "stdin", type("Terminal", (), {"isatty": lambda self: True})())
        out = io.StringIO()
        call_command(
            "bootstrap", "--staff-username=beheer", "--practice-agb=04123456",
            "--practice-name=De Brug", stdout=out,
        )  # fmt: skip
        assert "This password is too short" in out.getvalue()
        assert "The passwords differ." in out.getvalue()
        assert User.objects.get(username="beheer").check_password(STAFF_PASSWORD)

    def test_names_what_it_needs(self):
        with pytest.raises(CommandError, match="Name a staff user"):
            run("bootstrap")
        with pytest.raises(CommandError, match="Name the physiotherapist's practice"):
            run("bootstrap", "--physio-username=x", "--physio-agb=04000009")


@pytest.mark.django_db
class TestCreateInsurerAccount:
    ARGS = (
        "--insurer-name=Zorgverzekeraar Noord",
        "--uzovi=3311",
        "--requires-referral",
        "--username=zn.declaraties",
        "--first-name=Karin",
        "--last-name=Bos",
    )

    def test_creates_the_insurer_and_an_account_that_signs_in(self, passwords):
        output = run("create_insurer_account", *self.ARGS)
        assert output.splitlines() == [
            "Insurer Zorgverzekeraar Noord (3311): created.",
            "Insurer account zn.declaraties: created.",
        ]
        employee = InsurerEmployee.objects.get(user__username="zn.declaraties")
        assert (employee.insurer.uzovi_code, employee.insurer.requires_referral) == ("3311", True)
        assert employee.user.role == Role.INSURER and not employee.user.is_staff
        assert sign_in("zn.declaraties", INSURER_PASSWORD) == 200
        assert INSURER_PASSWORD not in output

    def test_is_idempotent_and_adds_accounts_to_an_existing_insurer(self, passwords):
        run("create_insurer_account", *self.ARGS)
        before = state()
        assert run("create_insurer_account", *self.ARGS).splitlines() == [
            "Insurer Zorgverzekeraar Noord (3311): already there, left as it is.",
            "Insurer account zn.declaraties: already there, left as it is.",
        ]
        assert state() == before
        run("create_insurer_account", "--uzovi=3311", "--username=zn.controle")
        assert InsurerEmployee.objects.filter(insurer__uzovi_code="3311").count() == 2

    @pytest.mark.parametrize(
        ("args", "complaint"),
        [
            (["--uzovi=331", "--insurer-name=X", "--username=u"], "UZOVI code consists"),
            (["--uzovi=3311", "--username=u"], "--insurer-name: no insurer has UZOVI code"),
            (["--uzovi=3311", "--insurer-name=X", "--username=u v"], "--username: Enter a"),
        ],
    )
    def test_invalid_input_is_refused_and_nothing_written(self, passwords, args, complaint):
        with pytest.raises(CommandError, match=complaint):
            run("create_insurer_account", *args)
        assert state() == (0, 0, 0, 0, 0)

    def test_an_existing_insurer_is_not_changed_behind_the_admins_back(self, passwords):
        run("create_insurer_account", *self.ARGS)
        with pytest.raises(CommandError, match="'Zorgverzekeraar Noord' \\(not 'Andere'\\)"):
            run("create_insurer_account", "--uzovi=3311", "--insurer-name=Andere", "--username=a")
        with pytest.raises(CommandError, match="change that in the admin"):
            run("create_insurer_account", "--uzovi=3311", "--no-requires-referral", "--username=a")
        assert not User.objects.filter(username="a").exists()

    def test_a_username_of_another_account_is_refused_before_the_insurer_is_created(
        self, passwords
    ):
        PatientFactory(user__username="zn.declaraties")
        with pytest.raises(CommandError, match="taken by another account"):
            run("create_insurer_account", *self.ARGS)
        assert not Insurer.objects.exists()
