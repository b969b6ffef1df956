from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from programs.models import (
    AccessAction,
    AccessLogEntry,
    Exercise,
    InsuranceCoverage,
    Insurer,
    InsurerEmployee,
    Patient,
    Physiotherapist,
    PlannedSession,
    Practice,
    Programme,
    ProgrammeChange,
    ProgrammePhase,
    ProgrammeTemplate,
    TemplateExercise,
    TemplatePhase,
    User,
)
from programs.services.audit import access_log_record


class ListAccessLogMixin:
    """A list page shows patient data too (names, dates of birth, programmes): the patients on
    the page that was shown are written to the access log (docs/domain.md §6, NEN 7513), as the
    API's lists do."""

    def patients_listed(self, rows) -> list:
        """The patients (or their ids) the rows of a list page show."""
        raise NotImplementedError

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None and response.status_code == 200:
            access_log_record(
                request=request,
                patients=self.patients_listed(list(changelist.result_list)),
                action=AccessAction.LIST,
                resource="admin",
            )
        return response


@admin.register(User)
class UserAdmin(ListAccessLogMixin, DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:1],
        (_("Role"), {"fields": ("role",)}),
        *DjangoUserAdmin.fieldsets[1:],
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "role", "usable_password", "password1", "password2"),
            },
        ),
    )

    def patients_listed(self, rows) -> list:
        return list(Patient.objects.filter(user__in=rows).values_list("pk", flat=True))


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ("name", "agb_code")
    search_fields = ("name", "agb_code")


@admin.register(Physiotherapist)
class PhysiotherapistAdmin(admin.ModelAdmin):
    list_display = ("__str__", "agb_code", "practice")
    list_select_related = ("user", "practice")
    list_filter = ("practice",)
    search_fields = ("user__username", "user__last_name", "agb_code")
    autocomplete_fields = ("user", "practice")


@admin.register(Insurer)
class InsurerAdmin(admin.ModelAdmin):
    list_display = ("name", "uzovi_code")
    search_fields = ("name", "uzovi_code")


@admin.register(InsurerEmployee)
class InsurerEmployeeAdmin(admin.ModelAdmin):
    list_display = ("user", "insurer")
    list_select_related = ("user", "insurer")
    autocomplete_fields = ("user", "insurer")


class InsuranceCoverageInline(admin.TabularInline):
    model = InsuranceCoverage
    extra = 0
    autocomplete_fields = ("insurer",)


@admin.register(Patient)
class PatientAdmin(ListAccessLogMixin, admin.ModelAdmin):
    """Staff reads and changes of a patient record, and the list, are written to the access
    log too."""

    list_display = ("__str__", "practice", "physiotherapist", "date_of_birth", "language")
    list_select_related = ("user", "practice", "physiotherapist__user")
    list_filter = ("practice", "language")
    search_fields = ("user__username", "user__last_name", "coverages__member_number")
    autocomplete_fields = ("user", "practice", "physiotherapist")
    inlines = [InsuranceCoverageInline]

    def patients_listed(self, rows) -> list:
        return rows

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        patient = self.get_object(request, object_id)
        if patient is not None and response.status_code in (200, 302):
            action = AccessAction.UPDATE if request.method == "POST" else AccessAction.READ
            access_log_record(request=request, patients=[patient], action=action, resource="admin")
        return response


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """Read-only: nobody adds, changes or deletes access-log entries, superusers included."""

    list_display = (
        "occurred_at",
        "actor_username",
        "actor_role",
        "action",
        "resource",
        "patient_id",
    )
    list_filter = ("action", "actor_role", "resource")
    search_fields = ("actor_username", "=patient_id", "client_address")
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Catalogue and templates (edited here; patients' programmes are copies) --------------------


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_nl", "name_en", "kind", "difficulty", "is_active")
    list_filter = ("kind", "difficulty", "is_active")
    search_fields = ("slug", "name_nl", "name_en")
    prepopulated_fields = {"slug": ("name_en",)}
    autocomplete_fields = ("easier_variant", "harder_variant")


class TemplatePhaseInline(admin.TabularInline):
    model = TemplatePhase
    extra = 0
    show_change_link = True


@admin.register(ProgrammeTemplate)
class ProgrammeTemplateAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_nl", "weeks", "sessions_per_week", "is_active")
    search_fields = ("slug", "name_nl", "name_en")
    inlines = [TemplatePhaseInline]


class TemplateExerciseInline(admin.TabularInline):
    model = TemplateExercise
    extra = 0
    autocomplete_fields = ("exercise",)


@admin.register(TemplatePhase)
class TemplatePhaseAdmin(admin.ModelAdmin):
    list_display = ("__str__", "template", "order", "first_week", "last_week")
    list_filter = ("template",)
    inlines = [TemplateExerciseInline]


# --- Patients' programmes: read-only here, changed through the API so history is kept ---------


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProgrammePhaseInline(_ReadOnlyInline):
    model = ProgrammePhase
    fields = ("order", "name_nl", "first_week", "last_week")


class PlannedSessionInline(_ReadOnlyInline):
    model = PlannedSession
    fields = ("week", "scheduled_at", "local_date", "supervised", "status", "cancel_reason")


class ProgrammeChangeInline(_ReadOnlyInline):
    model = ProgrammeChange
    fields = ("occurred_at", "actor", "kind", "detail")


@admin.register(Programme)
class ProgrammeAdmin(ListAccessLogMixin, admin.ModelAdmin):
    """Viewing a programme, or the list, reads patient data: it is written to the access log."""

    list_display = ("__str__", "status", "start_date", "weeks")
    list_filter = ("status",)
    list_select_related = ("patient__user",)
    inlines = [ProgrammePhaseInline, PlannedSessionInline, ProgrammeChangeInline]

    def patients_listed(self, rows) -> list:
        return [programme.patient_id for programme in rows]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        programme = self.get_object(request, object_id)
        if programme is not None and response.status_code == 200:
            access_log_record(
                request=request,
                patients=[programme.patient_id],
                action=AccessAction.READ,
                resource="admin",
                object_id=programme.pk,
            )
        return response
