"""Templated email: rendered now, in the recipient's language, sent by a task after commit.

Templates live in ``templates/email/<name>.subject.txt``, ``.txt`` and ``.html`` and extend
``email/base.*``, whose footer names the privacy contact (P13). Keep them short and general:
no form content (P26), case reference and link only (P27).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from guichet.core import crypto

_PAYLOAD_AAD = "task:send_email"


def email_context(extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "portal_name": settings.GUICHET_PORTAL_NAME,
        "operator_name": settings.GUICHET_OPERATOR_NAME,
        "privacy_contact": settings.GUICHET_PRIVACY_CONTACT,
        "site_url": settings.SITE_URL,
        **extra,
    }


def render_email(*, template: str, context: dict[str, Any], language: str | None = None) -> tuple[str, str, str]:
    """Return (subject, text, html) rendered in ``language`` (default: the active language)."""
    full = email_context(context)
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        full["LANGUAGE_CODE"] = translation.get_language()
        subject = render_to_string(f"email/{template}.subject.txt", full)
        text = render_to_string(f"email/{template}.txt", full)
        html = render_to_string(f"email/{template}.html", full)
    # A header cannot span lines; templates often end with a newline.
    return " ".join(subject.split()), text.strip() + "\n", html


def _payload_key(kid: str) -> bytes:
    master = crypto.keyring().keys.get(kid)
    if master is None:
        raise crypto.DecryptionError(f"master key {kid!r} is no longer configured")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"guichet:task-payload").derive(master)


def seal_payload(data: dict[str, Any]) -> str:
    """Encrypt a message for the queue: the task store (and its result records) never hold an
    address or a body in clear (P25). Sealed under a key derived from the active master key."""
    kid = crypto.keyring().active_kid
    return crypto.seal(json.dumps(data).encode(), data_key=_payload_key(kid), key_id=kid, aad=_PAYLOAD_AAD)


def open_payload(token: str) -> dict[str, Any]:
    kid, blob = crypto.parse_token(token)
    data: dict[str, Any] = json.loads(crypto.open_sealed(blob, data_key=_payload_key(kid), aad=_PAYLOAD_AAD))
    return data


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes
    content_type: str


def send_templated_email(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> None:
    """Render now and enqueue the send once the surrounding transaction commits. Attachments
    travel sealed with the message, like its text."""
    from guichet.core.tasks import send_email_task

    subject, text, html = render_email(template=template, context=context, language=language)
    data: dict[str, Any] = {"to": to, "subject": subject, "text": text, "html": html}
    if attachments:
        data["attachments"] = [
            {"name": item.name, "type": item.content_type, "content": base64.b64encode(item.content).decode()}
            for item in attachments
        ]
    payload = seal_payload(data)
    transaction.on_commit(lambda: send_email_task.enqueue(payload=payload, template=template))
