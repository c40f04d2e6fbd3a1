"""The cookie inventory (P06, P17, P22): every cookie Guichet may set, as data.

The cookie page renders from here and the tests compare real responses with it, so the list
can never drift from what the portal does. None is optional, so there is no consent banner;
refusing the UI-state cookie only changes what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The only values the UI-state cookie may hold: display flags, nothing about the person.
UI_FLAGS: dict[str, Promise] = {
    "notice_dismissed": _("you closed the notice at the top of the page"),
    "help_open": _("you opened the help panel"),
}
UI_SEPARATOR = "."


@dataclass(frozen=True)
class CookieInfo:
    name: str
    purpose: str | Promise
    content: str | Promise
    lifetime: str | Promise
    set_when: str | Promise


UNTIL_BROWSER_CLOSES = _("until the browser closes")
NO_PERSONAL_DATA = _("no personal data")


def cookie_inventory() -> list[CookieInfo]:
    return [
        CookieInfo(
            name=settings.SESSION_COOKIE_NAME,
            purpose=_(
                "Keeps you logged in and protects forms against forgery (the security token is kept "
                "in the session on the server)"
            ),
            content=_("a random session identifier; no personal data"),
            lifetime=UNTIL_BROWSER_CLOSES,
            set_when=_("when you log in or send a form"),
        ),
        CookieInfo(
            name=settings.LANGUAGE_COOKIE_NAME,
            purpose=_("Remembers the language you chose"),
            content=_("the language code, e.g. “de”; no personal data"),
            lifetime=UNTIL_BROWSER_CLOSES,
            set_when=_("when you change the language"),
        ),
        CookieInfo(
            name=settings.GUICHET_UI_COOKIE_NAME,
            purpose=_("Remembers display choices, e.g. that you closed a notice"),
            content=_("display flags only, e.g. “notice_dismissed”; no personal data"),
            lifetime=UNTIL_BROWSER_CLOSES,
            set_when=_("when you close a notice or open the help"),
        ),
    ]


def cookie_names() -> set[str]:
    return {cookie.name for cookie in cookie_inventory()}


def ui_flags(request: HttpRequest) -> frozenset[str]:
    """The display flags in the UI-state cookie; anything unknown is ignored."""
    raw = request.COOKIES.get(settings.GUICHET_UI_COOKIE_NAME, "")
    return frozenset(flag for flag in raw.split(UI_SEPARATOR) if flag in UI_FLAGS)


def ui_cookie_value(flags: frozenset[str]) -> str:
    return UI_SEPARATOR.join(sorted(flag for flag in flags if flag in UI_FLAGS))
