"""The access statistics page (P36): daily totals only, for staff of any authority and operators.

The totals are the portal's, not an authority's, and hold nothing about a person (P05): every
member of staff and every operator may read them. Guests go to the login page; citizens get the
same 404 as for any other staff page."""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from guichet.backoffice.policy import ViewFunc
from guichet.backoffice.selectors import staff_actor_for_request
from guichet.privacy.access.chart import Bar, bar_chart_svg
from guichet.privacy.access.entries import HOME_GROUP, OTHER_GROUP
from guichet.privacy.access.selectors import PERIODS, Share, access_statistics, period_from
from guichet.privacy.access.useragent import BOT, OTHER

logger = logging.getLogger("guichet.backoffice")

SECTIONS = {
    HOME_GROUP: gettext_lazy("Home page"),
    "/services/": gettext_lazy("Services"),
    "/account/": gettext_lazy("Account area"),
    "/accounts/": gettext_lazy("Login and registration"),
    "/appointments/": gettext_lazy("Appointments"),
    "/backoffice/": gettext_lazy("Backoffice"),
    "/privacy/": gettext_lazy("Privacy"),
    "/contact/": gettext_lazy("Contact"),
    "/verify/": gettext_lazy("Document verification"),
    "/api/": gettext_lazy("Interface for authorities (API)"),
    "/admin/": gettext_lazy("Administration"),
    "/static/": gettext_lazy("Styles and images"),
    OTHER_GROUP: gettext_lazy("Other"),
}
STATUSES = {
    "1xx": gettext_lazy("Informational (1xx)"),
    "2xx": gettext_lazy("Success (2xx)"),
    "3xx": gettext_lazy("Redirect (3xx)"),
    "4xx": gettext_lazy("Refused or not found (4xx)"),
    "5xx": gettext_lazy("Server error (5xx)"),
    OTHER_GROUP: gettext_lazy("Other"),
}
CLIENTS = {BOT: gettext_lazy("Bots and scripts"), OTHER: gettext_lazy("Other")}


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


def _table(
    table_id: str, title: str, heading: str, shares: list[Share], labels: dict[str, Any], *, show_key: bool = False
) -> dict[str, Any]:
    rows = [
        {
            "label": str(labels.get(share.key, share.key)),
            # The path prefix next to a section's name, so operators can map it to URLs.
            "key": share.key if show_key and share.key in labels and share.key != OTHER_GROUP else "",
            "requests": _count(share.requests),
            "percent": share.percent,
        }
        for share in shares
    ]
    return {"id": table_id, "title": title, "heading": heading, "rows": rows}


def staff_or_operator_required(view: ViewFunc) -> ViewFunc:
    """Guests go to the login page; accounts that are neither staff of an authority nor operators
    get a 404. Checked before the method, like every staff page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_staff or staff_actor_for_request(request) is not None):
            logger.warning("backoffice denied account=%s path=%s", user.pk, request.path)
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@staff_or_operator_required
@require_http_methods(["GET", "HEAD"])
def statistics(request: HttpRequest) -> HttpResponse:
    is_member = staff_actor_for_request(request) is not None
    days = period_from(request.GET.get("days"))
    stats = access_statistics(days=days, today=timezone.localdate())
    bars = [
        Bar(
            label=date_format(total.day, "d.m."),
            value=total.requests,
            title=ngettext("%(day)s: %(count)s request", "%(day)s: %(count)s requests", total.requests)
            % {"day": date_format(total.day, "DATE_FORMAT"), "count": _count(total.requests)},
        )
        for total in stats.days
    ]
    first, last = date_format(stats.first_day, "DATE_FORMAT"), date_format(stats.last_day, "DATE_FORMAT")
    chart = bar_chart_svg(
        bars=bars,
        title=_("Requests per day, %(first)s to %(last)s") % {"first": first, "last": last},
        description=ngettext(
            "A bar for each of the %(days)s days; %(count)s request in all. The table below lists the numbers.",
            "A bar for each of the %(days)s days; %(count)s requests in all. The table below lists the numbers.",
            stats.requests,
        )
        % {"days": days, "count": _count(stats.requests)},
        id_prefix="requests-chart",
        number=_count,
    )
    context = {
        "stats": stats,
        "chart": chart,
        "days": days,
        "periods": [{"days": period, "current": period == days} for period in PERIODS],
        "requests": _count(stats.requests),
        "per_day": [
            {"day": total.day, "requests": _count(total.requests), "bytes_sent": total.bytes_sent}
            for total in stats.days
        ],
        "tables": [
            _table(
                "sections",
                _("Requests per section of the portal"),
                _("Section"),
                stats.by_section,
                SECTIONS,
                show_key=True,
            ),
            _table("outcomes", _("Requests per outcome"), _("Outcome"), stats.by_status, STATUSES),
            _table("browsers", _("Requests per browser"), _("Browser"), stats.by_browser, CLIENTS),
            _table("systems", _("Requests per operating system"), _("Operating system"), stats.by_os, CLIENTS),
        ],
        "is_member": is_member,
    }
    return render(request, "backoffice/statistics.html", context)
