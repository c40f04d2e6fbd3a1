"""The access log's entries in the privacy registry (P05, P09, P19)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from guichet.core.registry import Category, DataKind, Erasure, NotPersonal, RetentionRule, registry
from guichet.privacy.access.models import AccessLogEntry
from guichet.privacy.access.services import raw_period


def _old_entries(now: datetime.datetime) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(requested_at__lt=now - raw_period())


registry.register(
    DataKind(
        model="access_log.AccessLogEntry",
        category=Category.USAGE,
        purpose=_(
            "Keep the portal secure and working (detect attacks and faults) and count visits; never "
            "evaluated per person: statistics come only from daily totals without address"
        ),
        legal_basis=_("Data security (Art. 8 FADP, Art. 32 GDPR) and the public-law mandate to run the portal"),
        # Not linked to an account: the log never looks at the session or the login.
        fields=("ip", "path", "referrer", "browser", "os"),
        retention=RetentionRule(
            name="access_log_raw",
            start_event=_("the request"),
            # Read at start-up; the rule itself reads the setting each night.
            period=datetime.timedelta(days=settings.GUICHET_ACCESS_LOG_RAW_DAYS),
            due=_old_entries,
        ),
        erasure=Erasure.NONE,
    ),
)

registry.exempt(
    NotPersonal(
        model="access_log.AccessDaily",
        fields=("browser", "os"),
        reason=(
            "Requests per day counted by portal section, status class, browser family and OS family: "
            "no address, no path, no version, nothing that points to a person (P05, P36)"
        ),
    ),
)
