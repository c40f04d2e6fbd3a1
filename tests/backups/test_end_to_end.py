"""P03, P14, P15: encrypted backups on three real destinations, and erasure that reaches them.

A person with canary values (profile, case text, an uploaded file) is backed up, then erased
through the real erasure service; the backup restored into a fresh database no longer lets
anyone read or log in as them, and no canary is found in plaintext in the restored database or
in any file on any destination."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from guichet.accounts.models import Profile, User
from guichet.cases.models import Case, CaseAttachment
from guichet.cases.services import case_reply, case_request_information
from guichet.core.actor import citizen_actor, staff_actor
from guichet.core.models import Authority, DataKey, ProofRun
from guichet.privacy import erasure
from guichet.privacy.backups import deletion_log, dump, engine
from guichet.privacy.backups.restore import restore_run
from tests.backups.conftest import SQLITE_ONLY, Destinations
from tests.cases_support import submitted_case
from tests.conftest import PASSWORD, make_citizen

pytestmark = [
    pytest.mark.django_db(transaction=True),
    SQLITE_ONLY,
]

CANARY = "Zaunkoenig7Kanarie"


def _person_with_canaries(authority: Authority, clara: User) -> tuple[User, Case]:
    user = make_citizen(email="canary.person@example.ch", first_name=f"{CANARY}first", last_name=f"{CANARY}last")
    case = submitted_case(user, authority)
    staff = staff_actor(user=clara, membership=clara.memberships.get())
    case_request_information(actor=staff, case=case, message="Bitte Ausweis.")
    document = SimpleUploadedFile("ausweis.pdf", f"%PDF-1.4 {CANARY}file".encode(), content_type="application/pdf")
    case_reply(
        actor=citizen_actor(user=user, profile=user.active_profile),
        case=case,
        text=f"{CANARY}text",
        files=[(document, "application/pdf")],
    )
    return user, case


def _no_canary_anywhere(destinations: Destinations) -> None:
    files = destinations.backup_files()
    assert all(files.values()), files.keys()
    for place, objects in files.items():
        for name, content in objects.items():
            assert CANARY.encode() not in content, f"{CANARY} in plaintext in {place}:{name}"


@pytest.mark.promise("P15")
@pytest.mark.promise("P14")
@pytest.mark.promise("P03")
def test_an_erased_person_cannot_be_read_or_logged_in_as_after_restoring_an_older_backup(
    destinations: Destinations, authority: Authority, clara: User, bob: User, tmp_path: Path
) -> None:
    person, case = _person_with_canaries(authority, clara)
    person_pk, key_id = person.pk, str(person.data_key_id)
    attachment = CaseAttachment.objects.get(case=case)
    assert storages["default"].exists(attachment.storage_name)

    result = engine.backup_run()
    assert result.ok, result.destinations
    assert {item.label.split(":")[0] for item in result.destinations} == {"local", "s3", "sftp"}
    listing = engine.backups_list()
    assert [entry.backup_id for entry in listing.backups] == [result.backup_id.hex]
    assert len(listing.backups[0].destinations) == 3
    assert ProofRun.objects.get(name="backup").ok

    erasure.account_erase(actor=citizen_actor(user=person, profile=person.active_profile))
    assert [entry.user for entry in deletion_log.read_local()] == [str(person_pk)]
    _no_canary_anywhere(destinations)

    # Restore the backup taken BEFORE the erasure into a fresh database.
    target = dump.sqlite_target(tmp_path / "restored.sqlite3")
    work = tmp_path / "restore-work"
    work.mkdir()
    report = restore_run(backup=result.backup_id.hex[:10], target=target, work=work)  # files: into the storage
    assert report.ok
    assert report.replayed == 1

    with dump.target_alias(target) as alias:
        assert not User.objects.using(alias).filter(pk=person_pk).exists()
        assert not Case.objects.using(alias).filter(pk=case.pk).exists()
        assert DataKey.objects.using(alias).get(pk=key_id).wrapped is None
        # Bob, who was not erased, is back whole: his key unwraps with the master key.
        restored_bob = DataKey.objects.using(alias).get(pk=bob.data_key_id)
        assert bytes(restored_bob.wrapped) == bytes(DataKey.objects.get(pk=bob.data_key_id).wrapped)
        assert Profile.objects.using(alias).filter(owner_id=bob.pk).exists()
    assert authenticate(email="canary.person@example.ch", password=PASSWORD) is None

    raw = (tmp_path / "restored.sqlite3").read_bytes()
    assert CANARY.encode() not in raw
    assert bob.email.encode() not in raw  # encrypted at rest, restored or not
    # The file came back with the backup, and went again with the replayed erasure.
    assert not storages["default"].exists(attachment.storage_name)
    for path in Path(storages["default"].location).rglob("*"):
        assert not path.is_file() or CANARY.encode() not in path.read_bytes()


@pytest.mark.promise("P15")
def test_without_replay_the_old_backup_still_has_no_key_for_the_erased_person(
    destinations: Destinations, authority: Authority, clara: User, tmp_path: Path
) -> None:
    """Crypto-shredding alone: the keys come from the newest snapshot, never from the backup."""
    person, _case = _person_with_canaries(authority, clara)
    key_id = str(person.data_key_id)
    result = engine.backup_run()
    erasure.account_erase(actor=citizen_actor(user=person, profile=person.active_profile))

    target = dump.sqlite_target(tmp_path / "restored.sqlite3")
    (tmp_path / "w").mkdir()
    restore_run(backup=result.name, target=target, files_dir=tmp_path / "files", replay_log=False, work=tmp_path / "w")
    with dump.target_alias(target) as alias:
        assert User.objects.using(alias).filter(pk=person.pk).exists()  # the row came back ...
        assert DataKey.objects.using(alias).get(pk=key_id).wrapped is None  # ... but nothing can read it
    with sqlite3.connect(tmp_path / "restored.sqlite3") as handle:
        tokens = [row[0] for row in handle.execute("SELECT first_name FROM accounts_profile")]
    assert all(CANARY not in str(token) for token in tokens)


def test_the_backup_database_holds_no_wrapped_key(destinations: Destinations, alice: Any, tmp_path: Path) -> None:
    result = engine.backup_run()
    staging = tmp_path / "staging"
    staging.mkdir()
    archive = destinations.local / result.name
    manifest = __import__("guichet.privacy.backups.restore", fromlist=["unpack"]).unpack(archive, staging)
    with sqlite3.connect(staging / manifest["database"]) as handle:
        assert handle.execute("SELECT count(*) FROM core_datakey WHERE wrapped IS NOT NULL").fetchone()[0] == 0
        assert handle.execute("SELECT count(*) FROM core_datakey").fetchone()[0] == manifest["tables"]["core_datakey"]
    wrapped = bytes(DataKey.objects.get(pk=alice.data_key_id).wrapped)
    for objects in destinations.backup_files().values():
        for name, content in objects.items():
            assert wrapped not in content, name
    assert connection.vendor == "sqlite"
