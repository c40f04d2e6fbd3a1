"""What goes into an access-log entry (P19), and into the daily totals (P05, P36).

Pure functions on strings and the request, so they can be tested without a server:

- the requested path without its query string, with secret tokens in it masked;
- the referring page as origin and path only, masked the same way;
- the client's IP address (behind the configured proxy: the address the proxy saw);
- the path group and status class that the daily totals keep instead of paths and codes.

Secret tokens are found from the URL configuration: a route keyword argument named ``token``,
``secret``, ``signature``, ``uidb64`` or ending in ``_token`` holds a key to someone's data
(``/appointments/manage/<token>/``, ``/accounts/confirm/<token>/``, ...), and is replaced by
``<token>``. A new route only has to name its argument that way to be covered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import Resolver404, ResolverMatch, URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

MASK = "<token>"
SECRET_KWARGS = frozenset({"token", "secret", "signature", "uidb64"})
#: Stored paths and referrers are cut to this length (the column's size); real ones are far shorter.
MAX_PATH = 1000
OTHER_GROUP = "other"
HOME_GROUP = "/"
#: The first path segments the daily totals name; everything else is "other", so no path a
#: visitor made up (or one holding an id) ever reaches the statistics.
KNOWN_GROUPS = (
    "/services/",
    "/account/",
    "/accounts/",
    "/appointments/",
    "/backoffice/",
    "/privacy/",
    "/contact/",
    "/verify/",
    "/api/",
)
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_secret(name: str) -> bool:
    return name in SECRET_KWARGS or name.endswith("_token")


def _clean(text: str) -> str:
    """No control characters (PostgreSQL refuses NUL in text) and no more than the column holds."""
    return _CONTROL.sub("", text)[:MAX_PATH]


# --- Masking ---------------------------------------------------------------------------------------


def _routes(patterns: list[Any], prefix: str = "/") -> Iterator[str]:
    for pattern in patterns:
        if not isinstance(pattern.pattern, RoutePattern):
            continue  # regex routes (none carry a token) cannot be turned into a prefix here
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _secret_prefix(route: str) -> re.Pattern[str] | None:
    """A regex matching the route from its start up to its last secret argument (captured), or
    ``None`` when the route has none."""
    parts: list[str] = []
    position = 0
    last_secret = -1
    for match in _CONVERTER.finditer(route):
        parts.append(re.escape(route[position : match.start()]))
        if is_secret(match.group("name")):
            parts.append(r"([^/]+)")
            last_secret = len(parts)
        else:
            parts.append(r".+?" if match.group("converter") == "path" else r"[^/]+")
        position = match.end()
    if last_secret < 0:
        return None
    return re.compile("^" + "".join(parts[:last_secret]))


@cache
def _token_prefixes(urlconf: str) -> tuple[re.Pattern[str], ...]:
    found = (_secret_prefix(route) for route in _routes(get_resolver(urlconf).url_patterns))
    # One per prefix: /manage/<token>/, /manage/<token>/cancel/, ... share theirs.
    unique = {pattern.pattern: pattern for pattern in found if pattern is not None}
    return tuple(unique.values())


def _mask_segments(path: str, secrets: set[str]) -> str:
    return "/".join(MASK if segment in secrets else segment for segment in path.split("/"))


def _mask_by_prefix(path: str, pattern: re.Pattern[str]) -> str:
    match = pattern.match(path)
    if match is None:
        return path
    masked, position = [], 0
    for index in range(1, (match.lastindex or 0) + 1):
        masked += [path[position : match.start(index)], MASK]
        position = match.end(index)
    return "".join(masked) + path[position:]


def mask_path(path: str, match: ResolverMatch | None = None) -> str:
    """``path`` with every secret route argument replaced by ``<token>``.

    With the request's own ``ResolverMatch`` the exact arguments are known. Without one, a path
    that starts like no token route is returned as it is (most referrers: no resolving needed);
    otherwise it is resolved, and if no route matches it (a 404), whatever sits where the known
    route has its token is masked all the same."""
    if match is None:
        pattern = next((p for p in _token_prefixes(settings.ROOT_URLCONF) if p.match(path)), None)
        if pattern is None:
            return path
        try:
            match = resolve(path)
        except Resolver404:
            return _mask_by_prefix(path, pattern)
    secrets = {str(value) for name, value in match.kwargs.items() if is_secret(name)}
    return _mask_segments(path, secrets) if secrets else path


def requested_path(request: HttpRequest) -> str:
    """The path as requested (``request.path`` never holds the query string), tokens masked."""
    return _clean(mask_path(request.path, getattr(request, "resolver_match", None)))


def referrer(value: str) -> str:
    """Origin and path of the referring page: no query, no fragment, no user name or password,
    tokens in our own paths masked. Anything that is not an http(s) URL is left out."""
    try:
        parts = urlsplit(value.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not host or any(char.isspace() for char in host):
        return ""
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = unquote(parts.path) or "/"
    return _clean(f"{parts.scheme}://{netloc}{mask_path(path)}")


# --- The daily totals ---------------------------------------------------------------------------------


def path_group(path: str) -> str:
    """The section of the portal a path belongs to: its first segment, if it is a known one."""
    if path == "/":
        return HOME_GROUP
    static = "/" + settings.STATIC_URL.strip("/") + "/"
    admin = "/" + settings.ADMIN_URL_PREFIX.strip("/") + "/"
    for group in (static, admin):
        if path.startswith(group):
            return "/static/" if group == static else "/admin/"
    for group in KNOWN_GROUPS:
        if path.startswith(group):
            return group
    return OTHER_GROUP


def status_class(status: int) -> str:
    label = f"{status // 100}xx"
    return label if label in STATUS_CLASSES else OTHER_GROUP
