from django.apps import AppConfig


class AccessLogConfig(AppConfig):
    """The access log and its statistics (P05, P19, P36)."""

    name = "guichet.privacy.access"
    label = "access_log"
