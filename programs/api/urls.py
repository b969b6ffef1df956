from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from programs.api import account, catalogue, insurer, patient, physio

urlpatterns = [
    path("auth/token/", account.TokenObtainView.as_view(), name="auth-token"),
    path("auth/token/refresh/", account.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("auth/logout/", account.LogoutView.as_view(), name="auth-logout"),
    path("me/", account.MeView.as_view(), name="me"),
    # the exercise catalogue (patients and physiotherapists)
    path("exercises/", catalogue.ExerciseListView.as_view(), name="exercises"),
    path("exercises/<int:exercise_id>/", catalogue.ExerciseDetailView.as_view(), name="exercise"),
    # patient
    path("me/access-log/", patient.MyAccessLogView.as_view(), name="me-access-log"),
    path("me/programme/", patient.MyProgrammeView.as_view(), name="me-programme"),
    path("me/sessions/", patient.MySessionsView.as_view(), name="me-sessions"),
    path("me/session-logs/", patient.MySessionLogsView.as_view(), name="me-session-logs"),
    path(
        "me/session-logs/<uuid:log_id>/",
        patient.MySessionLogView.as_view(),
        name="me-session-log",
    ),
    path("me/sync/", patient.SyncView.as_view(), name="me-sync"),
    path("me/adherence/", patient.MyAdherenceView.as_view(), name="me-adherence"),
    path("me/weekly-pain/", patient.MyWeeklyPainListView.as_view(), name="me-weekly-pain-list"),
    re_path(
        r"^me/weekly-pain/(?P<week>[0-9]{4}-W[0-9]{2})/$",
        patient.MyWeeklyPainView.as_view(),
        name="me-weekly-pain",
    ),
    path(
        "me/questionnaire-responses/",
        patient.MyQuestionnaireResponsesView.as_view(),
        name="me-questionnaire-responses",
    ),
    path(
        "me/questionnaire-responses/<uuid:response_id>/",
        patient.MyQuestionnaireResponseView.as_view(),
        name="me-questionnaire-response",
    ),
    path(
        "me/questionnaires/due/",
        patient.MyDueQuestionnairesView.as_view(),
        name="me-questionnaires-due",
    ),
    path("me/outcomes/", patient.MyOutcomesView.as_view(), name="me-outcomes"),
    path(
        "me/reminder-settings/",
        patient.MyReminderSettingsView.as_view(),
        name="me-reminder-settings",
    ),
    path("me/devices/", patient.MyDevicesView.as_view(), name="me-devices"),
    path("me/reimbursement/", patient.MyReimbursementView.as_view(), name="me-reimbursement"),
    path("me/devices/<int:device_id>/", patient.MyDeviceView.as_view(), name="me-device"),
    # physiotherapist
    path("physio/caseload/", physio.CaseloadView.as_view(), name="physio-caseload"),
    path("physio/alerts/", physio.AlertListView.as_view(), name="physio-alerts"),
    path(
        "physio/alerts/<int:alert_id>/acknowledge/",
        physio.AlertAcknowledgeView.as_view(),
        name="physio-alert-acknowledge",
    ),
    path(
        "physio/alerts/<int:alert_id>/resolve/",
        physio.AlertResolveView.as_view(),
        name="physio-alert-resolve",
    ),
    path("physio/patients/", physio.PracticePatientsView.as_view(), name="physio-patients"),
    path(
        "physio/patients/<uuid:patient_id>/",
        physio.PatientDetailView.as_view(),
        name="physio-patient",
    ),
    path(
        "physio/patients/<uuid:patient_id>/reimbursement/",
        physio.PatientReimbursementView.as_view(),
        name="physio-patient-reimbursement",
    ),
    path(
        "physio/patients/<uuid:patient_id>/treatments/<uuid:reference>/",
        physio.ExtraTreatmentView.as_view(),
        name="physio-patient-treatment",
    ),
    path(
        "physio/patients/<uuid:patient_id>/indications/",
        physio.PatientIndicationsView.as_view(),
        name="physio-patient-indications",
    ),
    path(
        "physio/patients/<uuid:patient_id>/progress/",
        physio.PatientProgressView.as_view(),
        name="physio-patient-progress",
    ),
    path(
        "physio/patients/<uuid:patient_id>/outcomes/",
        physio.PatientOutcomesView.as_view(),
        name="physio-patient-outcomes",
    ),
    path(
        "physio/patients/<uuid:patient_id>/questionnaire-responses/",
        physio.PatientQuestionnairesView.as_view(),
        name="physio-patient-questionnaires",
    ),
    path("physio/templates/", physio.TemplateListView.as_view(), name="physio-templates"),
    path("physio/exercises/", physio.ExerciseListView.as_view(), name="physio-exercises"),
    path("physio/programmes/", physio.ProgrammeListView.as_view(), name="physio-programmes"),
    path(
        "physio/programmes/<uuid:programme_id>/",
        physio.ProgrammeDetailView.as_view(),
        name="physio-programme",
    ),
    path(
        "physio/programmes/<uuid:programme_id>/sessions/",
        physio.ProgrammeSessionsView.as_view(),
        name="physio-programme-sessions",
    ),
    path(
        "physio/programmes/<uuid:programme_id>/sessions/<uuid:session_id>/reschedule/",
        physio.SessionRescheduleView.as_view(),
        name="physio-session-reschedule",
    ),
    path(
        "physio/programmes/<uuid:programme_id>/pause/",
        physio.ProgrammePauseView.as_view(),
        name="physio-programme-pause",
    ),
    path(
        "physio/programmes/<uuid:programme_id>/resume/",
        physio.ProgrammeResumeView.as_view(),
        name="physio-programme-resume",
    ),
    path(
        "physio/programmes/<uuid:programme_id>/end/",
        physio.ProgrammeEndView.as_view(),
        name="physio-programme-end",
    ),
    path(
        "physio/programmes/<uuid:programme_id>/history/",
        physio.ProgrammeHistoryView.as_view(),
        name="physio-programme-history",
    ),
    path(
        "physio/programmes/<uuid:programme_id>/phases/<int:phase_order>/exercises/",
        physio.PhaseExercisesView.as_view(),
        name="physio-phase-exercises",
    ),
    path(
        "physio/programmes/<uuid:programme_id>/exercises/<int:item_id>/",
        physio.ProgrammeExerciseView.as_view(),
        name="physio-programme-exercise",
    ),
    path(
        "physio/programmes/<uuid:programme_id>/sessions/<uuid:session_id>/attendance/",
        physio.AttendanceView.as_view(),
        name="physio-session-attendance",
    ),
    path(
        "physio/programmes/<uuid:programme_id>/session-logs/",
        physio.ProgrammeSessionLogsView.as_view(),
        name="physio-programme-session-logs",
    ),
    path(
        "physio/programmes/<uuid:programme_id>/adherence/",
        physio.ProgrammeAdherenceView.as_view(),
        name="physio-programme-adherence",
    ),
    path(
        "physio/programmes/<uuid:programme_id>/performance-tests/",
        physio.ProgrammePerformanceTestsView.as_view(),
        name="physio-programme-performance-tests",
    ),
    path(
        "physio/programmes/<uuid:programme_id>/sessions/<uuid:session_id>/performance-tests/<str:kind>/",
        physio.PerformanceTestView.as_view(),
        name="physio-performance-test",
    ),
    # insurer
    path("insurer/episodes/", insurer.MemberEpisodesView.as_view(), name="insurer-episodes"),
    path(
        "insurer/episodes/export.csv",
        insurer.EpisodesExportView.as_view(),
        name="insurer-episodes-export",
    ),
    path("insurer/claims/check/", insurer.ClaimCheckView.as_view(), name="insurer-claims-check"),
    # schema
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]
