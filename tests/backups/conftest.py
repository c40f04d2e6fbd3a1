"""Real destinations on loopback: a local folder, an S3 server (moto in server mode) and an SFTP
server (asyncssh) with a generated host key pinned in a known_hosts file."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
import boto3
import pytest
from django.conf import settings as django_settings
from moto.server import ThreadedMotoServer

from tests.conftest import free_port

BUCKET = "guichet-backups"

#: most tests run on the embedded default; the PostgreSQL variant has its own module
SQLITE_ONLY = pytest.mark.skipif(
    "sqlite" not in django_settings.DATABASES["default"]["ENGINE"], reason="SQLite variant (see test_postgresql.py)"
)


@dataclass
class S3Server:
    endpoint: str
    server: ThreadedMotoServer
    port: int

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="eu-central-2")

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture
def s3_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-access-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-2")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    s3 = S3Server(endpoint=f"http://127.0.0.1:{port}", server=server, port=port)
    # moto keeps its state per process, not per server: start each test with no bucket.
    urllib.request.urlopen(urllib.request.Request(f"{s3.endpoint}/moto-api/reset", method="POST"), timeout=10).close()
    s3.client().create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-2"})
    yield s3
    with contextlib.suppress(Exception):  # already stopped by the test
        server.stop()


@dataclass
class SftpServer:
    root: Path
    port: int
    key_file: Path
    known_hosts: Path

    @property
    def url(self) -> str:
        return f"sftp://backup@127.0.0.1:{self.port}/backups?key={self.key_file}&known_hosts={self.known_hosts}"


@pytest.fixture
def sftp_server(tmp_path: Path) -> Iterator[SftpServer]:
    root = tmp_path / "sftp-root"
    (root / "backups").mkdir(parents=True)
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "backup_ed25519"
    client_key.write_private_key(str(key_file))
    key_file.chmod(0o600)
    authorized = asyncssh.import_authorized_keys(client_key.export_public_key().decode())

    class ChrootSFTP(asyncssh.SFTPServer):
        def __init__(self, chan: Any) -> None:
            super().__init__(chan, chroot=str(root).encode())

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> Any:
        return await asyncssh.create_server(
            asyncssh.SSHServer,
            "127.0.0.1",
            0,
            server_host_keys=[host_key],
            authorized_client_keys=authorized,
            sftp_factory=ChrootSFTP,
            allow_scp=False,
        )

    server = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    port = server.sockets[0].getsockname()[1]
    public = host_key.export_public_key().decode().split()
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {public[0]} {public[1]}\n")
    yield SftpServer(root=root / "backups", port=port, key_file=key_file, known_hosts=known_hosts)

    async def stop() -> None:
        server.close()
        await server.wait_closed()

    asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)


@dataclass
class Destinations:
    local: Path
    s3: S3Server
    sftp: SftpServer
    spec: str

    def backup_files(self) -> dict[str, dict[str, bytes]]:
        """Every object on every destination: {destination: {name: bytes}}."""
        found: dict[str, dict[str, bytes]] = {"local": {}, "s3": {}, "sftp": {}}
        for path in self.local.rglob("*"):
            if path.is_file():
                found["local"][path.relative_to(self.local).as_posix()] = path.read_bytes()
        client = self.s3.client()
        for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            found["s3"][item["Key"]] = client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        for path in self.sftp.root.rglob("*"):
            if path.is_file():
                found["sftp"][path.relative_to(self.sftp.root).as_posix()] = path.read_bytes()
        return found


@pytest.fixture
def destinations(settings: Any, tmp_path: Path, s3_server: S3Server, sftp_server: SftpServer) -> Iterator[Destinations]:
    local = tmp_path / "local-backups"
    local.mkdir()
    spec = ",".join(
        [
            f"local:{local}@CH",
            f"s3://{BUCKET}/guichet?endpoint={s3_server.endpoint}&region=eu-central-2@CH",
            f"{sftp_server.url}@CH",
        ]
    )
    settings.GUICHET_BACKUP_DESTINATIONS = spec
    settings.GUICHET_DELETION_LOG_PATH = str(tmp_path / "deletion-log.jsonl")
    settings.GUICHET_BACKUP_WORK_DIR = str(tmp_path / "work")
    return Destinations(local=local, s3=s3_server, sftp=sftp_server, spec=spec)
