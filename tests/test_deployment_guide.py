"""P24: the deployment guide names the firewall rules, and the demo exposes nothing but loopback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "deployment.md"


@pytest.mark.promise("P24")
def test_the_guide_exposes_only_the_web_port() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    inbound = [line for line in text.splitlines() if line.startswith("| inbound")]
    assert {re.search(r"\| (\d+)/tcp", line).group(1) for line in inbound} == {"443", "80"}  # type: ignore[union-attr]
    assert "Deny every other inbound connection" in text
    for internal in ("5432/tcp", "6379/tcp", "8000/tcp"):
        row = next(line for line in text.splitlines() if internal in line)
        assert row.startswith("| internal"), row


@pytest.mark.promise("P24")
def test_make_run_serves_on_loopback_only() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    serve = [line for line in makefile.splitlines() if "manage.py serve" in line]
    assert serve
    assert all("--host 127.0.0.1" in line for line in serve)
