"""Backups as an operator meets them: a destination down, tampering, the wrong master key, a
non-empty target, stale keys, the 90-day retention, the listing, the drill and the commands."""

from __future__ import annotations

import base64
import datetime
import json
import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from guichet.accounts.models import User
from guichet.core import crypto
from guichet.core.models import ProofRun
from guichet.privacy.backups import deletion_log, dump, engine
from guichet.privacy.backups.archive import ArchiveError
from guichet.privacy.backups.checks import check_backup_destinations
from guichet.privacy.backups.destinations import parse_specs
from guichet.privacy.backups.restore import RestoreRefused, restore_run, unpack
from tests.backups.conftest import SQLITE_ONLY, Destinations

pytestmark = [
    pytest.mark.django_db(transaction=True),
    SQLITE_ONLY,
]


@pytest.fixture
def local_only(settings: Any, tmp_path: Path) -> list[Path]:
    folders = [tmp_path / f"backups-{name}" for name in "abc"]
    for folder in folders:
        folder.mkdir()
    settings.GUICHET_BACKUP_DESTINATIONS = ",".join(f"local:{folder}@CH" for folder in folders)
    settings.GUICHET_DELETION_LOG_PATH = str(tmp_path / "deletion-log.jsonl")
    settings.GUICHET_BACKUP_WORK_DIR = str(tmp_path / "work")
    return folders


def _restore(tmp_path: Path, backup: str = "latest", **kwargs: Any) -> Any:
    work = tmp_path / f"restore-{os.urandom(4).hex()}"
    work.mkdir()
    target = kwargs.pop("target", None) or dump.sqlite_target(work / "restored.sqlite3")
    return restore_run(backup=backup, target=target, files_dir=work / "files", work=work, **kwargs)


@pytest.mark.promise("P15")
def test_one_destination_down_the_others_still_receive_the_backup_and_the_failure_shows(
    destinations: Destinations, alice: User
) -> None:
    destinations.s3.stop()  # the S3 endpoint is gone
    out = StringIO()
    with pytest.raises(CommandError, match="did not reach every destination"):
        call_command("backup", stdout=out)
    report = out.getvalue()
    assert "s3://" in report
    assert "FAILED" in report
    local = [path.name for path in destinations.local.glob("guichet-*.gbk")]
    sftp = [path.name for path in destinations.sftp.root.glob("guichet-*.gbk")]
    assert len(local) == 1
    assert local == sftp
    run = ProofRun.objects.get(name="backup")
    assert not run.ok
    assert run.summary["destinations"][next(label for label in run.summary["destinations"] if "s3" in label)] != "ok"


@pytest.mark.promise("P15")
def test_backups_listing_shows_size_age_and_destinations(destinations: Destinations, alice: User) -> None:
    first = engine.backup_run()
    second = engine.backup_run()
    out = StringIO()
    call_command("backups", stdout=out)
    text = out.getvalue()
    assert text.index(second.backup_id.hex[:12]) < text.index(first.backup_id.hex[:12])  # newest first
    assert "2 backup(s)." in text
    row = next(line for line in text.splitlines() if line.startswith(first.backup_id.hex[:12]))
    assert "local:" in row
    assert "s3://guichet-backups/guichet" in row
    assert "sftp://127.0.0.1" in row
    assert "KiB" in row
    assert "0 h" in row
    assert "key=" not in text
    assert "backup@" not in text


@pytest.mark.promise("P14")
@pytest.mark.promise("P15")
def test_backups_older_than_90_days_are_deleted_from_every_destination(destinations: Destinations, alice: User) -> None:
    now = timezone.now()
    old = engine.backup_run(now=now - datetime.timedelta(days=91))
    recent = engine.backup_run(now=now - datetime.timedelta(days=89))
    result = engine.backups_prune(now=now)
    assert sorted(result.deleted) == sorted(item.label for item in old.destinations)
    assert all(names == [old.name] for names in result.deleted.values())
    remaining = engine.backups_list()
    assert [entry.name for entry in remaining.backups] == [recent.name]
    assert len(remaining.backups[0].destinations) == 3


def test_only_the_newest_key_snapshot_stays_on_each_destination(local_only: list[Path], alice: User) -> None:
    engine.backup_run()
    engine.keys_publish()
    engine.keys_publish()
    for folder in local_only:
        assert len(list((folder / "keys").glob("guichet-keys-*.gbk"))) == 1
        assert (folder / "keys" / "deletion-log.gbk").exists()


def test_a_tampered_copy_is_refused_and_a_sound_copy_elsewhere_is_used(
    local_only: list[Path], alice: User, tmp_path: Path
) -> None:
    result = engine.backup_run()
    tampered = local_only[0] / result.name
    data = bytearray(tampered.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    staging = tmp_path / "staging"
    staging.mkdir()
    with pytest.raises(ArchiveError, match="integrity"):
        unpack(tampered, staging)

    report = _restore(tmp_path, result.backup_id.hex)
    assert report.source == f"local:{local_only[1]}"

    for folder in local_only[1:]:
        (folder / result.name).write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="no sound copy"):
        _restore(tmp_path, result.backup_id.hex)


def test_a_truncated_backup_is_refused(local_only: list[Path], alice: User, tmp_path: Path) -> None:
    result = engine.backup_run()
    path = local_only[0] / result.name
    path.write_bytes(path.read_bytes()[: -(64 * 1024 + 16)])  # the last segment is gone
    (tmp_path / "s").mkdir()
    with pytest.raises(ArchiveError):
        unpack(path, tmp_path / "s")


def test_the_wrong_master_key_is_refused(local_only: list[Path], alice: User, tmp_path: Path, settings: Any) -> None:
    result = engine.backup_run()
    kid = crypto.keyring().active_kid
    settings.GUICHET_MASTER_KEYS = f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"
    (tmp_path / "s").mkdir()
    with pytest.raises(ArchiveError, match="master key is wrong"):
        unpack(local_only[0] / result.name, tmp_path / "s")
    with pytest.raises(RestoreRefused, match="GUICHET_MASTER_KEYS"):
        _restore(tmp_path)
    settings.GUICHET_MASTER_KEYS = f"other:{base64.b64encode(os.urandom(32)).decode()}"
    with pytest.raises(ImproperlyConfigured, match=f"master key '{kid}'"):
        unpack(local_only[0] / result.name, tmp_path / "s")


def test_restore_into_a_non_empty_database_is_refused(local_only: list[Path], alice: User, tmp_path: Path) -> None:
    engine.backup_run()
    occupied = tmp_path / "occupied.sqlite3"
    import sqlite3

    with sqlite3.connect(occupied) as handle:
        handle.execute("CREATE TABLE anything (id integer)")
    with pytest.raises(RestoreRefused, match="not empty"):
        _restore(tmp_path, target=dump.sqlite_target(occupied))
    out = StringIO()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", "latest", "--database-url", f"sqlite:///{occupied}", stdout=out)


def test_a_key_snapshot_older_than_the_last_erasure_is_refused(
    local_only: list[Path], alice: User, tmp_path: Path
) -> None:
    engine.backup_run()
    # An erasure logged after the newest snapshot whose own snapshot never reached the destinations.
    deletion_log.append(
        kind="account_erasure", user="999", data_keys=[], at=timezone.now() + datetime.timedelta(minutes=1)
    )
    with pytest.raises(RestoreRefused, match="older than the last erasure"):
        _restore(tmp_path)


@pytest.mark.promise("P15")
def test_the_restore_drill_verifies_the_newest_backup_and_is_recorded(
    destinations: Destinations, alice: User, client: Any
) -> None:
    engine.backup_run()
    out = StringIO()
    call_command("restore_drill", stdout=out)
    assert "Restore drill passed" in out.getvalue()
    run = ProofRun.objects.get(name="restore_drill")
    page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = page[page.index("A full encrypted backup is made every 12 hours") :]
    assert "Last checked:" in row[: row.index("</li>")]  # the statement shows the last drill
    assert run.ok
    assert run.summary["rows"] > 0
    assert run.summary["error"] == ""


def test_a_failed_drill_is_recorded_as_failed(local_only: list[Path], alice: User) -> None:
    result = engine.backup_run()
    for folder in local_only:
        (folder / result.name).write_bytes(b"GBK broken")
    with pytest.raises(CommandError, match="restore drill failed"):
        call_command("restore_drill", stdout=StringIO())
    assert not ProofRun.objects.get(name="restore_drill").ok


def test_the_restore_command_restores_and_replays(local_only: list[Path], alice: User, tmp_path: Path) -> None:
    engine.backup_run()
    target = tmp_path / "cmd.sqlite3"
    out = StringIO()
    call_command(
        "restore", "latest", "--database-url", f"sqlite:///{target}", "--files-dir", str(tmp_path / "f"), stdout=out
    )
    assert "Restore complete." in out.getvalue()
    assert "row counts and checksums match" in out.getvalue()


@pytest.mark.promise("P07")
def test_destinations_must_declare_an_allowed_location(settings: Any) -> None:
    settings.GUICHET_DATA_LOCATION = "CH"
    settings.GUICHET_BACKUP_ALLOWED_LOCATIONS = []
    settings.GUICHET_BACKUP_DESTINATIONS = "local:/srv/a@CH,local:/srv/b,s3://bucket/x?endpoint=http://h:9000@DE"
    errors = [message.msg for message in check_backup_destinations() if message.id == "guichet.B002"]
    assert len(errors) == 2
    assert "declares no location" in errors[0]
    assert "lies in DE" in errors[1]
    settings.GUICHET_BACKUP_ALLOWED_LOCATIONS = ["DE"]
    settings.GUICHET_BACKUP_DESTINATIONS = "local:/srv/a@CH,local:/srv/b@CH,s3://bucket/x@DE"
    assert [message.id for message in check_backup_destinations()] == []


def test_destination_forms() -> None:
    specs = parse_specs("local:/a@CH, sftp://u@h:2222/b?key=/k&known_hosts=/kh@CH")
    assert [(spec.url, spec.location) for spec in specs] == [
        ("local:/a", "CH"),
        ("sftp://u@h:2222/b?key=/k&known_hosts=/kh", "CH"),
    ]
    assert specs[1].label == "sftp://h:2222/b"
    assert parse_specs('[{"url": "s3://b/p", "location": "CH"}]')[0].location == "CH"
    assert parse_specs("sftp://u@h/b")[0].location == ""
    with pytest.raises(ImproperlyConfigured):
        parse_specs("ftp://h/x@CH")


def test_the_deletion_log_holds_ids_only(local_only: list[Path], tmp_path: Path) -> None:
    deletion_log.append(kind="retention", data_keys=["k1"], stripped={"appointments.Booking": [3, 1]})
    line = json.loads(Path(deletion_log.log_path()).read_text().splitlines()[-1])
    assert line["stripped"] == {"appointments.Booking": ["1", "3"]}
    assert line["data_keys"] == ["k1"]
    assert set(line) == {"id", "at", "kind", "user", "data_keys", "rows", "stripped"}
