"""The promise list itself: complete, consistent, and every kept promise has a test."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from guichet.privacy.promises import PROMISES, State, marked_tests, promise_test_map

TESTS_DIR = Path(__file__).resolve().parents[1]


def test_every_promise_of_promises_md_is_listed_once_in_order() -> None:
    assert [promise.id for promise in PROMISES] == [f"P{number:02d}" for number in range(1, 37)]


def test_a_waiting_promise_names_what_it_waits_for() -> None:
    for promise in PROMISES:
        if promise.state == State.WAITING:
            assert str(promise.waiting_for).strip(), promise.id


def test_every_kept_promise_has_at_least_one_marked_test() -> None:
    """The suite fails when a promise marked kept has no test (the issue's "kept without test")."""
    mapping = promise_test_map(TESTS_DIR)
    unproven = [promise.id for promise in PROMISES if promise.state == State.KEPT and not mapping[promise.id]]
    assert unproven == []


def test_marks_name_only_known_promises() -> None:
    known = {promise.id for promise in PROMISES}
    assert {test.promise_id for test in marked_tests(TESTS_DIR)} <= known


def test_the_static_reader_finds_marks_on_functions_classes_and_modules(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_sample.py").write_text(
        "import pytest\n"
        'pytestmark = [pytest.mark.django_db, pytest.mark.promise("P02")]\n'
        '@pytest.mark.promise("P01", "P09")\n'
        "def test_one(): ...\n"
        '@pytest.mark.promise("P04")\n'
        "class TestGroup:\n"
        "    def test_two(self): ...\n"
        "def helper(): ...\n",
        encoding="utf-8",
    )
    found = {(test.promise_id, test.node_id) for test in marked_tests(tests)}
    assert found == {
        ("P02", "tests/test_sample.py::test_one"),
        ("P01", "tests/test_sample.py::test_one"),
        ("P09", "tests/test_sample.py::test_one"),
        ("P02", "tests/test_sample.py::TestGroup::test_two"),
        ("P04", "tests/test_sample.py::TestGroup::test_two"),
    }


def test_promises_command_lists_kept_and_waiting() -> None:
    out = StringIO()
    call_command("promises", stdout=out)
    text = out.getvalue()
    assert re.search(r"^P09  kept      \d+ tests", text, re.MULTILINE)
    assert re.search(r"^P10  waiting   for the document inbox", text, re.MULTILINE)
    kept = sum(1 for promise in PROMISES if promise.state == State.KEPT)
    assert f"{kept} kept, {len(PROMISES) - kept} waiting." in text


def test_promises_command_json_maps_each_id_to_its_tests() -> None:
    out = StringIO()
    call_command("promises", "--json", stdout=out)
    rows = {row["id"]: row for row in json.loads(out.getvalue())}
    assert set(rows) == {promise.id for promise in PROMISES}
    assert "tests/privacy/test_promises.py::test_every_kept_promise_has_at_least_one_marked_test" not in str(rows)
    assert any(node.startswith("tests/privacy/test_retention.py::") for node in rows["P09"]["tests"])


def test_promises_command_fails_for_a_kept_promise_without_test(tmp_path: Path) -> None:
    empty = tmp_path / "tests"
    empty.mkdir()
    (empty / "test_nothing.py").write_text("def test_x(): ...\n", encoding="utf-8")
    with pytest.raises(CommandError, match="kept promises without a test: P01"):
        call_command("promises", "--tests", str(empty), stdout=StringIO())


@pytest.mark.django_db
@pytest.mark.promise("P09", "P31")
def test_statement_lists_each_promise_with_its_state(client: Client) -> None:
    page = client.get("/privacy/", headers={"accept-language": "en"}).content.decode()
    assert 'id="promises"' in page
    for promise in PROMISES:
        assert f'id="promise-{promise.id}"' in page
    assert "A full encrypted backup is made every 12 hours" in page
    assert "Coming with the document inbox" in page


@pytest.mark.django_db
@pytest.mark.promise("P03", "P07", "P15")
def test_statement_states_the_backup_policy_from_the_configuration(client: Client, settings: Any) -> None:
    from django.utils import timezone

    from guichet.core.models import ProofRun

    settings.GUICHET_BACKUP_DESTINATIONS = "local:/srv/a@CH,local:/srv/b@CH,local:/srv/c@LI"
    settings.GUICHET_BACKUP_INTERVAL_HOURS = 6
    settings.GUICHET_BACKUP_RETENTION_DAYS = 60
    page = client.get("/privacy/", headers={"accept-language": "en"}).content.decode()
    assert "Every 6 hours we make a full, encrypted backup" in page
    assert "kept at 3 separate places (Liechtenstein, Switzerland)" in page
    assert "Backups are deleted after 60 days." in page
    assert "No backup has been made yet." in page

    ProofRun.objects.create(name="backup", last_run_at=timezone.now(), ok=False)
    page = client.get("/privacy/", headers={"accept-language": "en"}).content.decode()
    assert "did not reach every place" in page
