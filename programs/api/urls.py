from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from programs.api import account, patient, physio

urlpatterns = [
    path("auth/token/", account.TokenObtainView.as_view(), name="auth-token"),
    path("auth/token/refresh/", account.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("auth/logout/", account.LogoutView.as_view(), name="auth-logout"),
    path("me/", account.MeView.as_view(), name="me"),
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
    # physiotherapist
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
    # schema
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]
