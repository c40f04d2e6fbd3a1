from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "guichet.core"
    label = "core"
    verbose_name = "Guichet core"

    def ready(self) -> None:
        # Every app declares its personal data in privacy.py (the registry, P01).
        autodiscover_modules("privacy")
        from django.tasks.signals import task_finished

        from guichet.core import checks  # noqa: F401  (registers system checks)
        from guichet.core.task_records import forget_successful_task

        task_finished.connect(forget_successful_task, dispatch_uid="guichet.forget_successful_task")
