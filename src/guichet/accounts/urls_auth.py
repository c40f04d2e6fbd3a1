"""Account flows under /accounts/ (namespace "auth"): signup, confirmation, login, logout,
password reset and change, re-authentication, email change; then the MFA pages."""

from django.urls import include, path

from guichet.accounts import auth_views

app_name = "auth"

urlpatterns = [
    path("signup/", auth_views.signup, name="signup"),
    path("signup/done/", auth_views.signup_done, name="signup_done"),
    path("confirm/resend/", auth_views.confirm_resend, name="confirm_resend"),
    path("confirm/<str:token>/", auth_views.confirm, name="confirm"),
    path("login/", auth_views.login_view, name="login"),
    path("logout/", auth_views.logout_view, name="logout"),
    path("password/reset/", auth_views.password_reset, name="password_reset"),
    path("password/reset/done/", auth_views.password_reset_done, name="password_reset_done"),
    path("password/reset/<str:token>/", auth_views.password_reset_confirm, name="password_reset_confirm"),
    path("password/change/", auth_views.password_change, name="password_change"),
    path("reauthenticate/", auth_views.reauthenticate, name="reauthenticate"),
    path("email/change/", auth_views.email_change, name="email_change"),
    path("email/change/done/", auth_views.email_change_done, name="email_change_done"),
    path("email/change/<str:token>/", auth_views.email_change_confirm, name="email_change_confirm"),
    path("", include("guichet.accounts.urls_mfa")),
]
