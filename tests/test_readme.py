"""The README must stay true: every environment variable the code reads is documented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_READ = re.compile(r"env_(?:str|bool|int|list|secret)\(\s*\"([A-Z0-9_]+)\"")


def test_every_environment_variable_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = {m for path in (ROOT / "src").rglob("*.py") for m in ENV_READ.findall(path.read_text(encoding="utf-8"))}
    assert names, "no environment variables found: the pattern is broken"
    documented = set(re.findall(r"`([A-Z0-9_]+)`", readme))
    # "GUICHET_EMAIL_HOST / _PORT" rows document the whole family.
    families = {
        m.group(1) + suffix
        for m in re.finditer(r"`([A-Z0-9_]+?)_HOST`((?: / `_[A-Z]+`)+)", readme)
        for suffix in re.findall(r"`(_[A-Z]+)`", m.group(2))
    }
    missing = sorted(names - documented - families)
    assert not missing, f"README does not document: {missing}"


def test_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("\n\n", 3)[:3]
    block = "\n".join(head)
    assert "make run" in block
    assert "make test" in block
