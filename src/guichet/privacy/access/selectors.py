"""Reads for the statistics page: daily totals only, never the raw log (P36)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Sum

from guichet.core.models import ProofRun
from guichet.privacy.access.models import AccessDaily
from guichet.privacy.access.services import PROOF_NAME

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30


@dataclass(frozen=True)
class DayTotal:
    day: datetime.date
    requests: int
    bytes_sent: int


@dataclass(frozen=True)
class Share:
    key: str  # as stored: "/account/", "2xx", "Firefox", "other"
    requests: int
    percent: float


@dataclass(frozen=True)
class Statistics:
    first_day: datetime.date
    last_day: datetime.date
    days: list[DayTotal]  # every day of the period, oldest first, zero where nothing was counted
    requests: int
    bytes_sent: int
    by_section: list[Share]
    by_status: list[Share]
    by_browser: list[Share]
    by_os: list[Share]
    counted_at: datetime.datetime | None  # the last run of the nightly count


def period_from(value: str | None) -> int:
    """The period asked for in ``?days=``, or the default for anything else."""
    try:
        days = int(value or "")
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def _shares(rows: list[dict[str, object]], field: str, total: int) -> list[Share]:
    shares = [
        Share(
            key=str(row[field]),
            requests=int(row["requests_sum"]),  # type: ignore[call-overload]
            percent=round(100 * int(row["requests_sum"]) / total, 1) if total else 0.0,  # type: ignore[call-overload]
        )
        for row in rows
    ]
    return sorted(shares, key=lambda share: (-share.requests, share.key))


def access_statistics(*, days: int, today: datetime.date) -> Statistics:
    """Totals of the ``days`` complete days before ``today`` (today is counted tonight)."""
    last_day = today - datetime.timedelta(days=1)
    first_day = today - datetime.timedelta(days=days)
    in_period = AccessDaily.objects.filter(day__gte=first_day, day__lte=last_day).order_by()
    per_day = {
        row["day"]: row
        for row in in_period.values("day").annotate(requests_sum=Sum("requests"), bytes_sum=Sum("bytes_sent"))
    }
    series = []
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        row = per_day.get(day)
        series.append(
            DayTotal(
                day=day,
                requests=int(row["requests_sum"]) if row else 0,
                bytes_sent=int(row["bytes_sum"] or 0) if row else 0,
            )
        )
    requests = sum(total.requests for total in series)

    def by(field: str) -> list[Share]:
        rows = list(in_period.values(field).annotate(requests_sum=Sum("requests")).order_by())
        return _shares(rows, field, requests)

    run = ProofRun.objects.filter(name=PROOF_NAME).first()
    return Statistics(
        first_day=first_day,
        last_day=last_day,
        days=series,
        requests=requests,
        bytes_sent=sum(total.bytes_sent for total in series),
        by_section=by("path_group"),
        by_status=sorted(by("status_class"), key=lambda share: share.key),
        by_browser=by("browser"),
        by_os=by("os"),
        counted_at=run.last_run_at if run else None,
    )
