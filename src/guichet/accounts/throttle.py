"""Rate limits shared by every process (login failures, reset requests, emails sent).

Events live in ``ThrottleEvent`` rows, so the limits hold across web processes and hosts. A
bucket is a keyed hash (``blind_index``) of the account's email or of the network address,
never the value itself, and buckets of different scopes are unlinkable (the purpose is part of
the key).

An attempt is *recorded first and counted afterwards*: concurrent requests cannot slip past a
limit between the check and the write. An attempt that turns out not to count (a successful
login, a refused one) is released again.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from guichet.accounts.models import ThrottleEvent
from guichet.core.keys import blind_index
from guichet.core.network import client_ip

SCOPE_LOGIN_ACCOUNT = "login-account"
SCOPE_LOGIN_IP = "login-ip"
SCOPE_RESET_ACCOUNT = "reset-account"
SCOPE_RESET_IP = "reset-ip"
SCOPE_MAIL_ACCOUNT = "mail-account"  # signup, resend confirmation, email change: emails to an address
SCOPE_MAIL_IP = "mail-ip"


@dataclass(frozen=True)
class Rate:
    max_events: int
    window: int  # seconds


@dataclass(frozen=True)
class Check:
    scope: str
    bucket: str
    rates: tuple[Rate, ...]


@dataclass
class ThrottleTicket:
    """The outcome of ``throttle_attempt``: allowed (events recorded) or refused with a delay."""

    event_ids: list[int] = field(default_factory=list)
    retry_after: int = 0  # seconds; 0 when the attempt is allowed

    @property
    def allowed(self) -> bool:
        return self.retry_after == 0


def throttle_bucket(*, scope: str, value: str) -> str:
    """The opaque bucket of a value (email or address) for one scope."""
    return blind_index(value, purpose=f"throttle:{scope}")


def client_address(request: HttpRequest) -> str:
    """The client's network address (``core.network.client_ip``), grouped: IPv6 by its /64 (one
    household or device)."""
    raw = client_ip(request)
    if raw is None:
        return "unknown"
    address = ipaddress.ip_address(raw)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return raw


def _count(*, scope: str, bucket: str, since: datetime) -> int:
    return ThrottleEvent.objects.filter(scope=scope, bucket=bucket, at__gt=since).count()


def _retry_after(*, scope: str, bucket: str, rate: Rate, now: datetime) -> int:
    """Seconds until fewer than ``rate.max_events`` events remain in the window (0: not over)."""
    since = now - timedelta(seconds=rate.window)
    times = list(
        ThrottleEvent.objects.filter(scope=scope, bucket=bucket, at__gt=since)
        .order_by("-at")
        .values_list("at", flat=True)[: rate.max_events]
    )
    if len(times) < rate.max_events:
        return 0
    free_at = times[rate.max_events - 1] + timedelta(seconds=rate.window)
    return max(1, math.ceil((free_at - now).total_seconds()))


def throttle_status(*, checks: Sequence[Check], now: datetime | None = None) -> int:
    """Seconds to wait before one more event is allowed in every check (0: allowed now)."""
    now = now or timezone.now()
    return max(
        (_retry_after(scope=c.scope, bucket=c.bucket, rate=r, now=now) for c in checks for r in c.rates),
        default=0,
    )


def throttle_attempt(*, checks: Sequence[Check]) -> ThrottleTicket:
    """Record one event in every check's bucket, then verify no rate is exceeded.

    Refused attempts are removed again, so hammering a throttled bucket does not prolong the
    cool-off (there is no permanent lockout)."""
    now = timezone.now()
    with transaction.atomic():
        events = [ThrottleEvent.objects.create(scope=c.scope, bucket=c.bucket, at=now) for c in checks]
    ids = [e.pk for e in events]
    over = False
    for check in checks:
        for rate in check.rates:
            since = now - timedelta(seconds=rate.window)
            if _count(scope=check.scope, bucket=check.bucket, since=since) > rate.max_events:
                over = True
    if not over:
        return ThrottleTicket(event_ids=ids)
    ThrottleEvent.objects.filter(pk__in=ids).delete()
    return ThrottleTicket(retry_after=max(1, throttle_status(checks=checks, now=now)))


def throttle_release(*, ticket: ThrottleTicket) -> None:
    """Forget the events of an attempt that does not count (e.g. a successful login)."""
    if ticket.event_ids:
        ThrottleEvent.objects.filter(pk__in=ticket.event_ids).delete()
        ticket.event_ids = []


def throttle_clear(*, scope: str, bucket: str) -> None:
    ThrottleEvent.objects.filter(scope=scope, bucket=bucket).delete()


# --- The configured limits ------------------------------------------------------------------


def login_checks(*, email: str, request: HttpRequest) -> list[Check]:
    window = settings.GUICHET_LOGIN_FAILURE_WINDOW
    return [
        Check(
            SCOPE_LOGIN_ACCOUNT,
            throttle_bucket(scope=SCOPE_LOGIN_ACCOUNT, value=email),
            (Rate(settings.GUICHET_LOGIN_MAX_FAILURES, window),),
        ),
        Check(
            SCOPE_LOGIN_IP,
            throttle_bucket(scope=SCOPE_LOGIN_IP, value=client_address(request)),
            (Rate(settings.GUICHET_LOGIN_MAX_FAILURES_PER_IP, window),),
        ),
    ]


def _hour_day(per_hour: int, per_day: int) -> tuple[Rate, ...]:
    return (Rate(per_hour, 60 * 60), Rate(per_day, 24 * 60 * 60))


def _ip_rates() -> tuple[Rate, ...]:
    return _hour_day(
        settings.GUICHET_EMAIL_REQUESTS_MAX_PER_HOUR_PER_IP, settings.GUICHET_EMAIL_REQUESTS_MAX_PER_DAY_PER_IP
    )


def reset_checks(*, email: str, request: HttpRequest) -> list[Check]:
    """Password reset requests: per account (2/hour, 5/day by default) and per address."""
    return [
        Check(
            SCOPE_RESET_ACCOUNT,
            throttle_bucket(scope=SCOPE_RESET_ACCOUNT, value=email),
            _hour_day(settings.GUICHET_PASSWORD_RESET_MAX_PER_HOUR, settings.GUICHET_PASSWORD_RESET_MAX_PER_DAY),
        ),
        Check(SCOPE_RESET_IP, throttle_bucket(scope=SCOPE_RESET_IP, value=client_address(request)), _ip_rates()),
    ]


def mail_checks(*, email: str, request: HttpRequest) -> list[Check]:
    """Emails sent to an address on a visitor's request (signup, resend, email change)."""
    return [
        Check(
            SCOPE_MAIL_ACCOUNT,
            throttle_bucket(scope=SCOPE_MAIL_ACCOUNT, value=email),
            _hour_day(settings.GUICHET_ACCOUNT_EMAILS_MAX_PER_HOUR, settings.GUICHET_ACCOUNT_EMAILS_MAX_PER_DAY),
        ),
        Check(SCOPE_MAIL_IP, throttle_bucket(scope=SCOPE_MAIL_IP, value=client_address(request)), _ip_rates()),
    ]
