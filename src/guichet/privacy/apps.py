from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "guichet.privacy"
    label = "privacy"
