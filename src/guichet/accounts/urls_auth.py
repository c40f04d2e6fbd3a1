from django.contrib.auth import views as auth_views
from django.urls import include, path

app_name = "auth"

# Placeholder wiring; replaced by the full account flows (login, signup, confirm, reset).
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/auth/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", auth_views.LoginView.as_view(template_name="accounts/auth/login.html"), name="signup"),
    path("", include("guichet.accounts.urls_mfa")),
]
