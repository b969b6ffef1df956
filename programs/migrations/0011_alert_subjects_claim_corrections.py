import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat


def constraints_checked_now(schema_editor):
    """PostgreSQL checks our (deferred) foreign keys at commit; rows changed here would leave
    those checks pending, and the schema changes after this step refuse to run on a table
    with pending trigger events. Check them now."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def backfill(apps, schema_editor):
    """Existing rows before the new keys: each old alert is its own subject (it was raised by
    data whose key we do not have), a score decline's scope is its measure; a claim judged
    the registration as it is now; duplicate indications (retried requests) become one."""
    Alert = apps.get_model("programs", "Alert")
    Claim = apps.get_model("programs", "Claim")
    Attendance = apps.get_model("programs", "Attendance")
    Indication = apps.get_model("programs", "Indication")
    Alert.objects.update(
        subject=Concat(Value("legacy:"), Cast(F("id"), models.CharField(max_length=20)))
    )
    for alert in Alert.objects.filter(kind="score_decline"):
        alert.scope = str(alert.detail.get("measure", ""))[:24]
        alert.save(update_fields=["scope"])
    Claim.objects.update(
        attendance_revision=Subquery(
            Attendance.objects.filter(pk=OuterRef("attendance_id")).values("revision")[:1]
        )
    )
    kept = {}
    for indication in Indication.objects.order_by("id"):
        key = (indication.patient_id, indication.recorded_on, indication.diagnosis_code)
        first = kept.setdefault(key, indication)
        if first is indication:
            continue
        if first.referral_date is None and indication.referral_date is not None:
            first.referral_date = indication.referral_date
            first.save(update_fields=["referral_date"])
        indication.delete()
    constraints_checked_now(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('programs', '0010_extra_treatments'),
    ]

    operations = [
        migrations.CreateModel(
            name='ClaimCorrection',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('reason', models.CharField(max_length=300, verbose_name='reason')),
                ('cause', models.CharField(max_length=12)),
                ('cause_id', models.CharField(max_length=64)),
                ('changes', models.JSONField()),
            ],
            options={
                'verbose_name': 'claim correction',
                'verbose_name_plural': 'claim corrections',
                'ordering': ['patient', 'recorded_at'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='alert',
            name='alert_one_unresolved_per_kind',
        ),
        migrations.AddField(
            model_name='alert',
            name='scope',
            field=models.CharField(blank=True, max_length=24),
        ),
        migrations.AddField(
            model_name='alert',
            name='subject',
            field=models.CharField(default='', max_length=100),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='claim',
            name='attendance_revision',
            field=models.PositiveIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='claim',
            name='superseded_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='claim',
            name='attendance',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='programs.attendance'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['open', 'acknowledged'])), fields=('patient', 'kind', 'scope'), name='alert_one_unresolved_per_scope'),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.UniqueConstraint(fields=('patient', 'kind', 'subject'), name='alert_once_per_subject'),
        ),
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.UniqueConstraint(condition=models.Q(('superseded_at__isnull', True)), fields=('attendance',), name='claim_one_current_per_treatment'),
        ),
        migrations.AddConstraint(
            model_name='indication',
            constraint=models.UniqueConstraint(fields=('patient', 'recorded_on', 'diagnosis_code'), name='indication_once'),
        ),
        migrations.AddField(
            model_name='claimcorrection',
            name='patient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='programs.patient'),
        ),
        migrations.AddField(
            model_name='claimcorrection',
            name='recorded_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
    ]
