from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "guichet.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from guichet.cases import signals  # noqa: F401  (deletes stored files with their rows)
