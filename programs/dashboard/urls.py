from django.urls import path

from programs.dashboard import views

urlpatterns = [
    path("", views.caseload_page, name="dashboard"),
    path("patients/<uuid:patient_id>/", views.patient_page, name="dashboard-patient"),
    path("patients/<uuid:patient_id>/report/", views.report_page, name="dashboard-report"),
    path(
        "alerts/<int:alert_id>/<str:action>/",
        views.alert_action,
        name="dashboard-alert-action",
    ),
]
