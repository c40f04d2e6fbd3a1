"""The PostgreSQL variant: pg_dump (custom format, one snapshot) without the wrapped keys,
pg_restore into an empty database section by section, keys from the newest snapshot, replay."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from guichet.accounts.models import User
from guichet.cases.models import Case
from guichet.core.actor import citizen_actor
from guichet.core.models import Authority, DataKey, ProofRun
from guichet.privacy import erasure
from guichet.privacy.backups import dump, engine
from guichet.privacy.backups.drill import restore_drill
from guichet.privacy.backups.restore import RestoreRefused, restore_run
from tests.backups.test_end_to_end import CANARY, _person_with_canaries

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in django_settings.DATABASES["default"]["ENGINE"], reason="needs DATABASE_URL=postgres://..."
    ),
]


@pytest.fixture
def local_dirs(settings: Any, tmp_path: Path) -> list[Path]:
    folders = [tmp_path / f"backups-{name}" for name in "abc"]
    for folder in folders:
        folder.mkdir()
    settings.GUICHET_BACKUP_DESTINATIONS = ",".join(f"local:{folder}@CH" for folder in folders)
    settings.GUICHET_DELETION_LOG_PATH = str(tmp_path / "deletion-log.jsonl")
    return folders


@pytest.fixture
def empty_database() -> Iterator[dump.Target]:
    name = f"guichet_restore_{uuid.uuid4().hex[:10]}"
    base = dict(connection.settings_dict)
    dump.pg_create_database(base, name)
    yield dump.Target({**base, "NAME": name})
    dump.pg_drop_database(base, name)


@pytest.mark.promise("P15")
def test_postgresql_backup_erase_restore(
    local_dirs: list[Path], authority: Authority, clara: User, bob: User, empty_database: dump.Target, tmp_path: Path
) -> None:
    person, case = _person_with_canaries(authority, clara)
    result = engine.backup_run()
    assert result.ok
    assert result.manifest["database"] == "database.pgdump"
    erasure.account_erase(actor=citizen_actor(user=person, profile=person.active_profile))

    (tmp_path / "w").mkdir()
    report = restore_run(backup="latest", target=empty_database, files_dir=tmp_path / "files", work=tmp_path / "w")
    assert report.ok
    assert report.replayed == 1
    with dump.target_alias(empty_database) as alias:
        assert not User.objects.using(alias).filter(pk=person.pk).exists()
        assert not Case.objects.using(alias).filter(pk=case.pk).exists()
        assert DataKey.objects.using(alias).get(pk=person.data_key_id).wrapped is None
        assert DataKey.objects.using(alias).get(pk=bob.data_key_id).wrapped is not None
    settings = empty_database.settings
    raw = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "-h",
            settings["HOST"] or "127.0.0.1",
            "-U",
            settings["USER"] or "postgres",
            "-p",
            str(settings["PORT"] or 5432),
            settings["NAME"],
        ],
        capture_output=True,
        check=True,
        env={"PGPASSWORD": settings["PASSWORD"] or "", "PATH": "/usr/bin:/bin"},
    ).stdout
    assert CANARY.encode() not in raw

    # A second restore into the now populated database is refused.
    (tmp_path / "w2").mkdir()
    with pytest.raises(RestoreRefused, match="not empty"):
        restore_run(backup="latest", target=empty_database, files_dir=tmp_path / "f2", work=tmp_path / "w2")


@pytest.mark.promise("P15")
def test_postgresql_restore_drill(local_dirs: list[Path], alice: User) -> None:
    engine.backup_run()
    result = restore_drill()
    assert result.ok, result.error
    assert ProofRun.objects.get(name="restore_drill").ok
