"""WCAG 2.2 AA: every page passes axe-core with zero violations, in German and French, at 320,
640 and 1280 px, and reflows without horizontal scrolling at 320 px and at 200 % zoom (WCAG 1.4.10,
1.4.4)."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page as BrowserPage

from tests.e2e.conftest import SCREENSHOTS, goto, login, switch_language
from tests.e2e.pages import LANGUAGES, PAGES, REFLOW_WIDTHS, WIDTHS, Page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Axe()


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {target}: {node['html'][:160]}")
            if summary:
                lines.append(f"      {summary[:400]}")
    return "\n".join(lines)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("target", PAGES, ids=str)
def test_page_is_accessible(page: BrowserPage, persona: Any, target: Page, language: str) -> None:
    user = persona(target.who)
    if user is not None:
        login(page, user.email)
    goto(page, target.path, status=target.status)
    if language != "de":
        switch_language(page, language)
    assert page.locator("html").get_attribute("lang") == language
    # The stylesheet must have loaded, otherwise colour contrast and reflow are not what users see.
    header_bg = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert header_bg not in ("", "rgba(0, 0, 0, 0)"), "guichet.css did not load"

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        name = f"{target.name}-{language}-{width}"
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        if width in REFLOW_WIDTHS:
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                wide = page.evaluate(
                    """(w) => [...document.querySelectorAll('body *')]
                        .filter(e => e.getBoundingClientRect().right > w)
                        .slice(0, 5).map(e => e.outerHTML.slice(0, 120))""",
                    width,
                )
                problems.append(f"{name}: scrolls sideways (scrollWidth {scroll_width} > {width}); too wide: {wide}")
        violations = AXE.run(page).response["violations"]
        if violations:
            problems.append(
                f"{name}: {len(violations)} axe violation(s) on {page.url}\n{describe_violations(violations)}"
            )
    assert not problems, "\n".join(problems)
