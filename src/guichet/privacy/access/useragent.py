"""A small User-Agent parser: browser and operating system as "family major-version" labels.

The access log stores these labels, never the raw User-Agent string (P19 names "browser" and
"OS"; the full string is a fingerprinting aid nobody needs). The rules cover the browsers and
systems that make up nearly all traffic of a public portal; anything else is "Other", and
crawlers, monitors and scripts are "Bot". Family names never contain a digit and versions always
start with one, so ``family_of`` can take the version off a stored label again.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

OTHER = "Other"
BOT = "Bot"
#: Longer strings are cut before matching: real User-Agents are far shorter.
MAX_LENGTH = 512

_BOT = re.compile(
    r"bot\b|bot/|spider|crawl|slurp|preview|monitor|uptime|headless|scanner|lighthouse|"
    r"facebookexternalhit|curl/|wget/|httpie|python-requests|python-urllib|python-httpx|aiohttp|"
    r"go-http-client|java/|okhttp|libwww|apache-httpclient|node-fetch|axios|postman",
    re.IGNORECASE,
)

# (family, pattern with the major version as group 1); the first match wins, so browsers that
# also announce "Chrome" or "Safari" come before those.
_BROWSERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"\b(?:OPR|OPT|OPiOS)/(\d+)")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/(\d+)")),
    ("Vivaldi", re.compile(r"\bVivaldi/(\d+)")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/(\d+)")),
    ("Chromium", re.compile(r"\bChromium/(\d+)")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"\bVersion/(\d+)[\d.]*(?: Mobile/\w+)? Safari/")),
    ("Internet Explorer", re.compile(r"\bMSIE (\d+)|\bTrident/.*\brv:(\d+)")),
)

_WINDOWS = re.compile(r"\bWindows NT (\d+\.\d+)")
# Windows 11 still says "Windows NT 10.0": the two cannot be told apart from the string.
_WINDOWS_VERSIONS = {"10.0": "10/11", "6.3": "8.1", "6.2": "8", "6.1": "7"}
_IOS = re.compile(r"\b(?:iPhone|iPad|iPod)\b.*?\bOS (\d+)_")
_ANDROID = re.compile(r"\bAndroid (\d+)")
_MACOS = re.compile(r"\bMac OS X (\d+)[_.](\d+)")


class UserAgent(NamedTuple):
    browser: str  # "Firefox 128", "Bot", "Other"
    os: str  # "Windows 10/11", "iOS 17", "Other"


def _label(family: str, version: str) -> str:
    return f"{family} {version}" if version else family


def _browser(text: str) -> str:
    for family, pattern in _BROWSERS:
        match = pattern.search(text)
        if match:
            return _label(family, next((group for group in match.groups() if group), ""))
    return OTHER


def _os(text: str) -> str:
    if match := _WINDOWS.search(text):
        return _label("Windows", _WINDOWS_VERSIONS.get(match.group(1), ""))
    if match := _IOS.search(text):
        return _label("iOS", match.group(1))
    if match := _ANDROID.search(text):
        return _label("Android", match.group(1))
    if "CrOS" in text:
        return "ChromeOS"
    if match := _MACOS.search(text):
        major, minor = match.groups()
        # Up to 10.15 the minor number is the release; since 11 it is the major one.
        return _label("macOS", f"{major}.{minor}" if major == "10" else major)
    if "Linux" in text or "X11" in text:
        return "Linux"
    return OTHER


@lru_cache(maxsize=1024)  # a portal sees the same few hundred strings over and over
def parse_user_agent(value: str) -> UserAgent:
    """The browser and OS labels of a User-Agent header value."""
    text = value[:MAX_LENGTH].strip()
    if not text:
        return UserAgent(OTHER, OTHER)
    if _BOT.search(text):
        return UserAgent(BOT, OTHER)
    return UserAgent(_browser(text), _os(text))


def family_of(label: str) -> str:
    """The family of a stored label ("Firefox 128" -> "Firefox", "Windows 10/11" -> "Windows")."""
    words = label.split(" ")
    while len(words) > 1 and words[-1][:1].isdigit():
        words.pop()
    return " ".join(words) or OTHER
