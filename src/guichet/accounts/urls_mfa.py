from django.urls import path  # noqa: F401

# MFA: the login second step (/accounts/login/mfa/) and the security settings pages.
urlpatterns: list = []
