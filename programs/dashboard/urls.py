from django.urls import path

from programs.dashboard import attendance, programmes, views

urlpatterns = [
    path("", views.caseload_page, name="dashboard"),
    path("patients/<uuid:patient_id>/", views.patient_page, name="dashboard-patient"),
    path("patients/<uuid:patient_id>/report/", views.report_page, name="dashboard-report"),
    path(
        "alerts/<int:alert_id>/<str:action>/",
        views.alert_action,
        name="dashboard-alert-action",
    ),
    # The physiotherapist's work (issue 13): enrol, adjust a programme, the day's attendance.
    path("enrol/", programmes.enrol_page, name="dashboard-enrol"),
    path("today/", attendance.today_page, name="dashboard-today"),
    path("programmes/<uuid:programme_id>/", programmes.programme_page, name="dashboard-programme"),
    path(
        "programmes/<uuid:programme_id>/schedule/",
        programmes.programme_schedule,
        name="dashboard-programme-schedule",
    ),
    path(
        "programmes/<uuid:programme_id>/pause/",
        programmes.programme_pause,
        name="dashboard-programme-pause",
    ),
    path(
        "programmes/<uuid:programme_id>/resume/",
        programmes.programme_resume,
        name="dashboard-programme-resume",
    ),
    path(
        "programmes/<uuid:programme_id>/end/",
        programmes.programme_end,
        name="dashboard-programme-end",
    ),
    path(
        "programmes/<uuid:programme_id>/phases/<int:phase_order>/exercises/",
        programmes.exercise_add,
        name="dashboard-exercise-add",
    ),
    path(
        "programmes/<uuid:programme_id>/exercises/<int:item_id>/",
        programmes.exercise_update,
        name="dashboard-exercise-update",
    ),
    path(
        "programmes/<uuid:programme_id>/exercises/<int:item_id>/remove/",
        programmes.exercise_remove,
        name="dashboard-exercise-remove",
    ),
    path(
        "programmes/<uuid:programme_id>/sessions/<uuid:session_id>/",
        programmes.session_row,
        name="dashboard-session-row",
    ),
    path(
        "programmes/<uuid:programme_id>/sessions/<uuid:session_id>/reschedule/",
        programmes.session_reschedule,
        name="dashboard-session-reschedule",
    ),
    path(
        "programmes/<uuid:programme_id>/sessions/<uuid:session_id>/attendance/",
        attendance.attendance_register,
        name="dashboard-attendance",
    ),
]
