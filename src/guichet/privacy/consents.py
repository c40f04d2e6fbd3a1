"""Being built (issue 5)."""

from __future__ import annotations

from typing import Any

from guichet.core.actor import Actor


def centre_context(*, actor: Actor) -> dict[str, Any]:
    """What the privacy centre's page shows of this part."""
    return {}
