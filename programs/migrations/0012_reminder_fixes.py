import django.core.validators
from django.db import migrations, models
from django.db.models.functions import Length


def constraints_checked_now(schema_editor):
    """PostgreSQL checks our (deferred) foreign keys at commit; rows changed here would leave
    those checks pending, and the schema changes after this step refuse to run on a table
    with pending trigger events. Check them now."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def drop_unusable_tokens(apps, schema_editor):
    """Tokens longer than the new limit are no FCM or APNs token; the column could not hold
    them any more. The devices go (their delivery history keeps its rows, device emptied)."""
    Device = apps.get_model("programs", "Device")
    Device.objects.annotate(length=Length("token")).filter(length__gt=1024).delete()
    constraints_checked_now(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0011_alert_subjects_claim_corrections"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="reminderpreference",
            index=models.Index(fields=["minutes_before"], name="reminder_pref_lead"),
        ),
        migrations.RunPython(drop_unusable_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="device",
            name="token",
            field=models.CharField(
                max_length=1024,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "\\A[!-~]+\\Z",
                        code="invalid_token",
                        message="A push token is printable ASCII without spaces.",
                    )
                ],
                verbose_name="push token",
            ),
        ),
    ]
