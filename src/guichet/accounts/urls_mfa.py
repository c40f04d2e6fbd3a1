"""MFA: the login second step and the second-factor settings (included in the "auth" namespace)."""

from django.urls import path

from guichet.accounts.mfa import views

urlpatterns = [
    path("login/mfa/", views.login_mfa, name="login_mfa"),
    path("mfa/", views.mfa_index, name="mfa_index"),
    path("mfa/totp/", views.totp_setup, name="mfa_totp_setup"),
    path("mfa/totp/remove/", views.totp_disable, name="mfa_totp_disable"),
    path("mfa/recovery-codes/", views.recovery_codes_regenerate, name="mfa_recovery_codes"),
    path("mfa/passkeys/add/", views.passkey_add, name="mfa_passkey_add"),
    path("mfa/passkeys/<int:passkey_id>/remove/", views.passkey_delete, name="mfa_passkey_delete"),
]
