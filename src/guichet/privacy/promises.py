"""The privacy promises Guichet keeps (PROMISES.md), as data.

Each promise is either kept — then at least one test carries ``@pytest.mark.promise("Pxx")``
and the suite fails without one (``tests/privacy/test_promises.py``) — or waiting for a named
capability that is not built yet. The statement (``/privacy/``) and ``manage.py promises`` read
this list, so the public page, the operator's report and the test suite cannot disagree.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.functional import Promise as LazyText
from django.utils.translation import gettext_lazy as _


class State(enum.StrEnum):
    KEPT = "kept"
    WAITING = "waiting"


@dataclass(frozen=True)
class PrivacyPromise:
    id: str
    text: str | LazyText
    state: State = State.KEPT
    #: the capability a waiting promise (or the waiting part of a kept one) needs
    waiting_for: str | LazyText = ""
    #: name of the ``ProofRun`` whose date proves the promise periodically, if any
    proof: str = ""


def _kept(pid: str, text: str | LazyText, *, proof: str = "", waiting_for: str | LazyText = "") -> PrivacyPromise:
    return PrivacyPromise(pid, text, State.KEPT, waiting_for, proof)


def _waiting(pid: str, text: str | LazyText, *, waiting_for: str | LazyText) -> PrivacyPromise:
    return PrivacyPromise(pid, text, State.WAITING, waiting_for)


INBOX = _("the document inbox")
MAILBOX = _("the secure mailbox and the contact form")
REPRESENTATION = _("representation (acting for others)")
INTEGRATIONS = _("the interfaces for the authorities' systems (API and webhooks)")

PROMISES: tuple[PrivacyPromise, ...] = (
    _kept("P01", _("We collect only the data needed for the service.")),
    _kept("P02", _("Your data falls into four categories: master data, contact data, content data and usage data.")),
    _kept("P03", _("All data is backed up periodically."), proof="backup"),
    _kept("P04", _("Every connection is encrypted (HTTPS).")),
    _kept(
        "P05",
        _("Access logs are not evaluated per person: raw entries are kept briefly, statistics come from totals."),
        proof="access_log_aggregate",
    ),
    _kept("P06", _("You can refuse cookies; the service stays usable.")),
    _kept(
        "P07",
        _("Your data is stored and processed, and backed up, in the country named in this statement."),
    ),
    _kept(
        "P08",
        _(
            "Your data is used only for its stated purpose, never sold or passed on; our pages load nothing "
            "from third parties."
        ),
        waiting_for=INTEGRATIONS,
    ),
    _kept(
        "P09",
        _("Data is kept only as long as its purpose or the law requires, then deleted."),
        proof="retention_sweep",
    ),
    _waiting(
        "P10",
        _("You can delete documents delivered to you at any time; the authority has no access to your inbox."),
        waiting_for=INBOX,
    ),
    _kept(
        "P11",
        _(
            "You can see, correct, complete and delete your data, withdraw consent and object, yourself, "
            "in your account."
        ),
    ),
    _kept("P12", _("No other website can show our pages inside its own (no framing).")),
    _kept("P13", _("A privacy contact is named here and in every email about your data.")),
    _kept(
        "P14",
        _("Appointment data is deleted 30 days after the appointment, and is gone from the backups 90 days later."),
        proof="retention_sweep",
    ),
    _kept(
        "P15",
        _("A full encrypted backup is made every 12 hours and kept at three separate places."),
        proof="restore_drill",
    ),
    _kept("P16", _("Every transmission is encrypted, including emails we send.")),
    _kept("P17", _("We set only cookies the service needs, and none holds personal data.")),
    _kept("P18", _("You can see and correct the data of your appointment.")),
    _kept(
        "P19",
        _(
            "The access log holds only: the requested page, date and time, bytes sent, success, browser, "
            "operating system, referring page and IP address."
        ),
    ),
    _waiting(
        "P20",
        _("A message sent through the contact form is kept only as long as the authority needs it."),
        waiting_for=MAILBOX,
    ),
    _waiting(
        "P21",
        _("Your mailbox keeps your messages while your account exists and deletes them on request."),
        waiting_for=MAILBOX,
    ),
    _kept("P22", _("Session cookies are deleted when you close the browser; session content is not kept.")),
    _kept(
        "P23",
        _(
            "You can restrict processing, take your data with you in common formats, and complain to the "
            "supervisory authority."
        ),
    ),
    _kept("P24", _("Forms are sent encrypted; the servers sit behind firewalls.")),
    _kept("P25", _("Account and profile data are stored encrypted, with a key for each person.")),
    _kept("P26", _("We do not send your form data back by email.")),
    _kept("P27", _("Emails about your cases are short: a reference and a link.")),
    _waiting(
        "P28",
        _("Acting for someone else needs both persons' consent, can be limited and ended at once."),
        waiting_for=REPRESENTATION,
    ),
    _kept("P29", _("Registration asks only what is needed; you can change your profile at any time.")),
    _kept("P30", _("You can delete your account with all its data yourself.")),
    _kept(
        "P31",
        _(
            "After more than a year without login we ask you by email to log in within 4 weeks; otherwise "
            "the account is deleted."
        ),
        proof="inactivity_run",
    ),
    _kept("P32", _("Your email address is never shown to other users.")),
    _kept("P33", _("Your data is not passed on, sold or rented.")),
    _kept("P34", _("Data is disclosed to law enforcement only on a court order, and recorded.")),
    _kept(
        "P35",
        _(
            "Changes to this statement are announced here and by email, and take effect unless you object "
            "within 4 weeks."
        ),
    ),
    _kept("P36", _("Access logs are evaluated only as total counts over time.")),
)


def promise_ids() -> list[str]:
    return [promise.id for promise in PROMISES]


def kept() -> list[PrivacyPromise]:
    return [promise for promise in PROMISES if promise.state == State.KEPT]


# --- Which tests prove which promise (read from the test sources, without running them) ----------


@dataclass(frozen=True)
class MarkedTest:
    promise_id: str
    node_id: str  # "tests/privacy/test_x.py::test_y"


def _promise_ids_of(decorator: ast.expr) -> Iterator[str]:
    """IDs in ``pytest.mark.promise("P01", "P02")`` (or a module ``pytestmark`` holding it)."""
    if isinstance(decorator, ast.List | ast.Tuple):
        for element in decorator.elts:
            yield from _promise_ids_of(element)
        return
    if not isinstance(decorator, ast.Call):
        return
    func = decorator.func
    if isinstance(func, ast.Attribute) and func.attr == "promise":
        for arg in decorator.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                yield arg.value


def marked_tests(tests_dir: Path) -> list[MarkedTest]:
    """Every test function marked with a promise, by static reading of ``tests_dir``."""
    found: list[MarkedTest] = []
    for path in sorted(tests_dir.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        relative = path.relative_to(tests_dir.parent).as_posix()
        module_ids: list[str] = []
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
            ):
                module_ids.extend(_promise_ids_of(node.value))

        def visit(body: list[ast.stmt], prefix: str, inherited: list[str], relative: str = relative) -> None:
            for node in body:
                if isinstance(node, ast.ClassDef):
                    class_ids = [pid for dec in node.decorator_list for pid in _promise_ids_of(dec)]
                    visit(node.body, f"{prefix}{node.name}::", inherited + class_ids)
                elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                    ids = inherited + [pid for dec in node.decorator_list for pid in _promise_ids_of(dec)]
                    for pid in dict.fromkeys(ids):
                        found.append(MarkedTest(pid, f"{relative}::{prefix}{node.name}"))

        visit(tree.body, "", module_ids)
    return found


def promise_test_map(tests_dir: Path) -> dict[str, list[str]]:
    mapping: dict[str, list[str]] = {pid: [] for pid in promise_ids()}
    for test in marked_tests(tests_dir):
        mapping.setdefault(test.promise_id, []).append(test.node_id)
    return mapping
