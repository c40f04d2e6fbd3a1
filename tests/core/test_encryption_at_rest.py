"""P25: personal values never reach the database (or its dumps) in clear."""

from __future__ import annotations

import base64
import datetime
import hashlib
import re
import shutil
import sqlite3
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, models

from guichet.accounts.models import Profile, User
from guichet.core import crypto
from guichet.core.fields import EncryptedDateField, EncryptedMixin
from guichet.core.models import DataKey

CANARY = "kanarienvogel7q"
PLAIN_CONTROL = "CHE-999.PLAIN"  # Profile.uid is stored in clear on purpose (public company number)


def _encrypted_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [field for field in model._meta.concrete_fields if isinstance(field, EncryptedMixin)]


def _canary_value(field: models.Field[Any, Any]) -> Any:
    if isinstance(field, EncryptedDateField):
        return datetime.date(1917, 3, 29)
    if field.name == "email" or "email" in field.name:
        return f"{CANARY}-{field.model.__name__.lower()}-{field.name}@example.ch"
    return f"{CANARY}-{field.name}"[: field.max_length or 255]


def _database_bytes(tmp_path: Path) -> bytes:
    if connection.vendor == "sqlite":
        # The test database lives in memory: copy it page by page into a real file and read that.
        target = tmp_path / "copy.sqlite3"
        connection.ensure_connection()
        dest = sqlite3.connect(target)
        try:
            connection.connection.backup(dest)
        finally:
            dest.close()
        return target.read_bytes()
    if connection.vendor == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.skip("pg_dump is not installed: cannot inspect the PostgreSQL dump")
        settings = connection.settings_dict
        command = [pg_dump, "--data-only", "--no-owner", "-h", settings["HOST"] or "127.0.0.1"]
        if settings["PORT"]:
            command += ["-p", str(settings["PORT"])]
        if settings["USER"]:
            command += ["-U", settings["USER"]]
        command.append(settings["NAME"])
        env = {"PGPASSWORD": settings["PASSWORD"] or "", "PATH": "/usr/bin:/bin"}
        return subprocess.run(command, capture_output=True, check=True, env=env).stdout
    pytest.skip(f"no raw-bytes inspection for {connection.vendor}")


@pytest.mark.promise("P25")
@pytest.mark.django_db(transaction=True)  # the dump must see committed rows
def test_no_personal_value_appears_in_the_raw_database(tmp_path: Path) -> None:
    user_values = {field.name: _canary_value(field) for field in _encrypted_fields(User)}
    user = User.objects.create_user(user_values.pop("email"), "pw-canary-irrelevant", **user_values)
    profile_values = {field.name: _canary_value(field) for field in _encrypted_fields(Profile)}
    profile = Profile.objects.create(
        owner=user, kind=Profile.Kind.PRIVATE, data_key=user.data_key, uid=PLAIN_CONTROL, **profile_values
    )
    assert len(profile_values) >= 8  # every encrypted profile field took part

    raw = _database_bytes(tmp_path)

    # Control: the plain (not personal) UID is there, so the search does look at the data.
    assert PLAIN_CONTROL.encode() in raw
    leaked = [m.decode() for m in re.findall(rb"kanarienvogel7q[-\w.@]*", raw)]
    assert not leaked, f"plaintext personal values in the database: {leaked}"
    assert b"1917-03-29" not in raw
    # and the values still read back through the ORM
    assert Profile.objects.get(pk=profile.pk).first_name == profile_values["first_name"]


@pytest.mark.promise("P25")
@pytest.mark.django_db
def test_the_email_lookup_index_is_keyed_not_a_plain_hash(alice: User) -> None:
    for candidate in ("alice@example.ch", "ALICE@example.ch "):
        normalised = candidate.strip().casefold().encode()
        assert alice.email_index not in {
            hashlib.sha256(candidate.encode()).hexdigest(),
            hashlib.sha256(normalised).hexdigest(),
            hashlib.sha256(b"email:" + normalised).hexdigest(),
        }
    assert User.objects.find_by_email("ALICE@example.ch ") == alice


@pytest.mark.promise("P25")
@pytest.mark.django_db
def test_rotate_keys_command_rewraps_every_key_and_reports_it(alice: User, bob: User, settings: Any) -> None:
    live = DataKey.objects.filter(wrapped__isnull=False).count()
    new_key = base64.b64encode(b"r" * 32).decode()
    settings.GUICHET_MASTER_KEYS = f"k2:{new_key},{settings.GUICHET_MASTER_KEYS}"
    out = StringIO()
    call_command("rotate_keys", stdout=out)
    assert out.getvalue().startswith(f"{live} data keys re-wrapped under master key 'k2'")
    assert set(DataKey.objects.filter(wrapped__isnull=False).values_list("master_kid", flat=True)) == {"k2"}

    out = StringIO()
    call_command("rotate_keys", stdout=out)  # idempotent
    assert out.getvalue().startswith("0 data keys")
    crypto.data_key_cache.clear()
    settings.GUICHET_MASTER_KEYS = f"k2:{new_key}"  # the old master key is retired
    assert User.objects.get(pk=alice.pk).email == "alice@example.ch"


def test_generate_master_key_prints_a_usable_entry() -> None:
    out = StringIO()
    call_command("generate_master_key", stdout=out)
    entry = out.getvalue().strip()
    assert re.fullmatch(r"mk-\d{14}:[A-Za-z0-9+/]{43}=", entry)
    ring = crypto.MasterKeyring.parse(entry)
    assert len(ring.keys[ring.active_kid]) == 32

    out2 = StringIO()
    call_command("generate_master_key", "--kid", "k2026", stdout=out2)
    assert out2.getvalue().startswith("k2026:")
    assert out2.getvalue().split(":")[1] != entry.split(":")[1]
