from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "guichet.privacy"
    label = "privacy"

    def ready(self) -> None:
        from guichet.privacy import signals  # noqa: F401  (connects the receivers)
        from guichet.privacy.backups import checks  # noqa: F401  (registers the destination checks)
