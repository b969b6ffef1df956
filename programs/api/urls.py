from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from programs.api import account, patient

urlpatterns = [
    path("auth/token/", account.TokenObtainView.as_view(), name="auth-token"),
    path("auth/token/refresh/", account.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("auth/logout/", account.LogoutView.as_view(), name="auth-logout"),
    path("me/", account.MeView.as_view(), name="me"),
    path("me/access-log/", patient.MyAccessLogView.as_view(), name="me-access-log"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]
