"""The active interface language as the short code the translated texts are keyed by."""

from __future__ import annotations

from django.utils.translation import get_language


def active_language() -> str:
    """``"de"`` for ``de-ch``; German when no language is active (management commands, tasks)."""
    return (get_language() or "de").split("-")[0]
