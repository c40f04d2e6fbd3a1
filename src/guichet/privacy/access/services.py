"""Writes of the access log: one entry per request, and the nightly daily totals (P05, P19, P36)."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from guichet.core.inserts import insert_row
from guichet.core.models import ProofRun
from guichet.privacy.access.entries import path_group, status_class
from guichet.privacy.access.models import AccessDaily, AccessLogEntry
from guichet.privacy.access.useragent import family_of

logger = logging.getLogger("guichet.privacy.access")

#: The ``ProofRun`` the statement shows for P05 (see ``guichet.privacy.promises``).
PROOF_NAME = "access_log_aggregate"


class AggregationRefused(Exception):
    """A day that cannot be (re)counted; the message says why."""


def _insert(entry: AccessLogEntry) -> None:
    try:
        insert_row(entry)  # built once: save() would compile it per request (bench/access_log.py)
    except Exception as error:  # a lost log line must never cost the visitor the page
        # The type only: a database message may quote the row, and the row holds an IP address.
        logger.error("access log entry not written: %s", type(error).__name__)


def access_log_write(*, entry: AccessLogEntry) -> None:
    """Insert ``entry`` once the database is outside any transaction.

    After a response no transaction is open, so in production this is one INSERT at once. Only
    a caller that holds a transaction open around the request (a test does) gets the row when,
    and if, it commits: the entry never becomes part of somebody else's transaction."""
    try:
        transaction.on_commit(partial(_insert, entry))
    except Exception as error:  # no database at all: still never break the response
        logger.error("access log entry not written: %s", type(error).__name__)


# --- Daily totals -------------------------------------------------------------------------------------


def raw_period() -> datetime.timedelta:
    return datetime.timedelta(days=settings.GUICHET_ACCESS_LOG_RAW_DAYS)


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant of ``day`` and of the next one, in the portal's time zone."""
    zone = timezone.get_default_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start, end


def _count_day(day: datetime.date) -> int:
    """Replace the totals of ``day`` by a fresh count of its raw entries; returns the rows written.

    The database groups by the stored labels first (one row per distinct path, status, browser
    and OS), so Python only folds those into sections and families."""
    start, end = day_bounds(day)
    grouped = (
        AccessLogEntry.objects.filter(requested_at__gte=start, requested_at__lt=end)
        .values_list("path", "status", "browser", "os")
        .annotate(requests=Count("id"), bytes_sent=Sum("bytes_sent"))
        .order_by()
    )
    totals: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for path, status, browser, os, requests, bytes_sent in grouped.iterator(chunk_size=2000):
        bucket = totals[(path_group(path), status_class(status), family_of(browser), family_of(os))]
        bucket[0] += requests
        bucket[1] += bytes_sent or 0
    rows = [
        AccessDaily(
            day=day,
            path_group=group,
            status_class=klass,
            browser=browser,
            os=os,
            requests=requests,
            bytes_sent=bytes_sent,
        )
        for (group, klass, browser, os), (requests, bytes_sent) in sorted(totals.items())
    ]
    with transaction.atomic():
        AccessDaily.objects.filter(day=day).delete()
        AccessDaily.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def access_log_aggregate(*, now: datetime.datetime | None = None) -> list[datetime.date]:
    """Count every complete day that has raw entries and no totals yet; returns those days.

    Idempotent: a day that has totals is left alone, so running twice never counts twice. It
    runs nightly before the retention sweep, and catches up on missed nights as long as the raw
    entries are still there (``GUICHET_ACCESS_LOG_RAW_DAYS``)."""
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    today_start, _ = day_bounds(timezone.localdate(now, zone))
    with_entries = {
        moment.date()
        for moment in AccessLogEntry.objects.filter(requested_at__lt=today_start).datetimes(
            "requested_at", "day", tzinfo=zone
        )
    }
    counted = set(AccessDaily.objects.filter(day__in=with_entries).values_list("day", flat=True).distinct())
    days = sorted(with_entries - counted)
    rows = {day.isoformat(): _count_day(day) for day in days}
    ProofRun.objects.update_or_create(
        name=PROOF_NAME, defaults={"last_run_at": timezone.now(), "ok": True, "summary": {"days": rows}}
    )
    logger.info("access log aggregated days=%d rows=%d", len(rows), sum(rows.values()))
    return days


def access_log_aggregate_day(*, day: datetime.date, now: datetime.datetime | None = None) -> int:
    """Count ``day`` again (replacing its totals), for an operator who wants to redo one day.

    Refused for today and later (the day is not over), for a day whose raw entries may already
    be partly deleted (older than the raw retention), and for a day without raw entries: its
    totals, if any, stay as they are."""
    now = now or timezone.now()
    today = timezone.localdate(now, timezone.get_default_timezone())
    if day >= today:
        raise AggregationRefused(f"{day} is not over yet: only complete days are counted")
    start, end = day_bounds(day)
    if start < now - raw_period():
        raise AggregationRefused(
            f"the raw entries of {day} may already be partly deleted (kept "
            f"{settings.GUICHET_ACCESS_LOG_RAW_DAYS} days): its totals are kept as they are"
        )
    if not AccessLogEntry.objects.filter(requested_at__gte=start, requested_at__lt=end).exists():
        raise AggregationRefused(f"no raw entries for {day}: nothing to count")
    return _count_day(day)
