from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from programs.api.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("programs.api.urls")),
    path("dashboard/", include("programs.dashboard.urls")),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", RedirectView.as_view(url="/dashboard/", permanent=False), name="home"),
]

handler400 = "programs.api.errors.bad_request"
handler403 = "programs.api.errors.permission_denied"
handler404 = "programs.api.errors.not_found"
handler500 = "programs.api.errors.server_error"
