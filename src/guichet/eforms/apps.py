from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EformsConfig(AppConfig):
    name = "guichet.eforms"
    label = "eforms"
    verbose_name = _("Forms")

    def ready(self) -> None:
        from guichet.eforms import checks, signals  # noqa: F401  (system checks; stored files go with their rows)
