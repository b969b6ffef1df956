"""AGB and UZOVI codes are ASCII digits: [0-9] instead of \\d in their validators (which also
took fullwidth and other scripts' digits). A code already stored in such digits is rewritten
in ASCII, what it meant, so that claim lines (ASCII) match it; unless that ASCII code is
already another row's, which is left for staff to sort out (the admin now refuses it)."""

import unicodedata

import django.core.validators
from django.db import migrations, models

CODES = [("Practice", "agb_code"), ("Physiotherapist", "agb_code"), ("Insurer", "uzovi_code")]


def _in_ascii(code: str) -> str | None:
    if code.isascii() or not code.isdecimal():
        return None
    return "".join(str(unicodedata.decimal(character)) for character in code)


def codes_in_ascii_digits(apps, schema_editor):
    for model_name, field in CODES:
        model = apps.get_model("programs", model_name)
        taken = set(model.objects.values_list(field, flat=True))
        for pk, code in model.objects.values_list("pk", field):
            ascii_code = _in_ascii(code)
            if ascii_code is not None and ascii_code not in taken:
                model.objects.filter(pk=pk).update(**{field: ascii_code})
                taken.add(ascii_code)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0015_session_earliest_local_date"),
    ]

    operations = [
        migrations.RunPython(codes_in_ascii_digits, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="insurer",
            name="uzovi_code",
            field=models.CharField(
                max_length=4,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[0-9]{4}\\Z",
                        "A UZOVI code consists of exactly 4 digits.",
                        code="invalid_uzovi_code",
                    )
                ],
                verbose_name="UZOVI code",
            ),
        ),
        migrations.AlterField(
            model_name="physiotherapist",
            name="agb_code",
            field=models.CharField(
                max_length=8,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[0-9]{8}\\Z",
                        "An AGB code consists of exactly 8 digits.",
                        code="invalid_agb_code",
                    )
                ],
                verbose_name="AGB code",
            ),
        ),
        migrations.AlterField(
            model_name="practice",
            name="agb_code",
            field=models.CharField(
                max_length=8,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[0-9]{8}\\Z",
                        "An AGB code consists of exactly 8 digits.",
                        code="invalid_agb_code",
                    )
                ],
                verbose_name="AGB code",
            ),
        ),
    ]
