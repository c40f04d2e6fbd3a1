"""P16: every transmission is encrypted; email may leave in clear only to a loopback relay."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from guichet.core.checks import check_email_transport

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def _mailer(settings: Any, **options: Any) -> None:
    settings.MAILERS = {"default": {"BACKEND": SMTP, "OPTIONS": {"port": 587, **options}}}


@pytest.mark.django_db
@pytest.mark.promise("P16")
@pytest.mark.parametrize("host", ["smtp.kanton.example", "192.0.2.10"])
def test_plain_smtp_to_another_host_stops_start_up(settings: Any, host: str) -> None:
    _mailer(settings, host=host, use_tls=False)
    errors = check_email_transport(None)
    assert [error.id for error in errors] == ["guichet.E003"]
    assert host in errors[0].msg
    with pytest.raises(SystemCheckError, match="would travel unencrypted"):
        call_command("check")


@pytest.mark.promise("P16")
@pytest.mark.parametrize("options", [{"use_tls": True}, {"use_ssl": True, "port": 465}])
def test_starttls_or_ssl_to_another_host_passes(settings: Any, options: dict[str, Any]) -> None:
    _mailer(settings, host="smtp.kanton.example", **options)
    assert check_email_transport(None) == []


@pytest.mark.promise("P16")
@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_a_loopback_relay_may_be_plain(settings: Any, host: str) -> None:
    _mailer(settings, host=host, use_tls=False)
    assert check_email_transport(None) == []


@pytest.mark.promise("P16")
def test_tls_is_the_default_for_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without GUICHET_EMAIL_USE_TLS the production settings use STARTTLS."""
    import importlib

    import guichet.settings as module

    monkeypatch.setenv("GUICHET_EMAIL_BACKEND", SMTP)
    monkeypatch.delenv("GUICHET_EMAIL_USE_TLS", raising=False)
    try:
        fresh = importlib.reload(module)
        assert fresh.MAILERS["default"]["OPTIONS"]["use_tls"] is True
    finally:
        monkeypatch.undo()
        importlib.reload(module)
