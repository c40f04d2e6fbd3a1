"""The access log (P19) and its daily totals (P05, P36)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLogEntry(models.Model):
    """One request, with exactly the fields the privacy statement names (P19) and nothing else:
    no account, no session, no query string, no raw User-Agent. Kept for a few days for security
    (``GUICHET_ACCESS_LOG_RAW_DAYS``), readable by operators only, then deleted by the retention
    sweep; the statistics come from ``AccessDaily``."""

    id = models.BigAutoField(primary_key=True)
    path = models.CharField(_("requested path"), max_length=1000)
    requested_at = models.DateTimeField(_("date and time"), db_index=True)
    bytes_sent = models.PositiveBigIntegerField(_("bytes sent"))
    status = models.PositiveSmallIntegerField(_("success (HTTP status)"))
    browser = models.CharField(_("browser"), max_length=40)
    os = models.CharField(_("operating system"), max_length=40)
    referrer = models.CharField(_("referring page"), max_length=1000, blank=True)
    ip = models.GenericIPAddressField(_("provider (IP address)"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log entries")

    def __str__(self) -> str:
        return f"{self.requested_at:%Y-%m-%d %H:%M:%S} {self.status} {self.path}"


class AccessDaily(models.Model):
    """Requests of one day, counted per portal section, status class, browser family and OS
    family. No address, no path, no version number: nothing here points to a person."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField(_("day"))
    path_group = models.CharField(_("section"), max_length=40)
    status_class = models.CharField(_("status class"), max_length=5)
    browser = models.CharField(_("browser family"), max_length=40)
    os = models.CharField(_("operating system family"), max_length=40)
    requests = models.PositiveIntegerField(_("requests"))
    bytes_sent = models.PositiveBigIntegerField(_("bytes sent"))

    class Meta:
        ordering = ["day", "path_group", "status_class", "browser", "os"]
        verbose_name = _("daily access total")
        verbose_name_plural = _("daily access totals")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "path_group", "status_class", "browser", "os"], name="access_daily_one_row_per_bucket"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.path_group} {self.status_class} {self.browser} {self.os}: {self.requests}"
