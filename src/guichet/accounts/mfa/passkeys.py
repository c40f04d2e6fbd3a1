"""WebAuthn (passkeys and security keys) glue around ``fido2``: options, state, verification.

The relying party id comes from ``GUICHET_WEBAUTHN_RP_ID``; the expected origin is the origin of
the request (scheme and host), and it must also be valid for the relying party id. The challenge
state lives in the session and is used at most once (``state_pop`` removes it before checking).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from fido2.rpid import verify_rp_id
from fido2.server import Fido2Server
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestationConveyancePreference,
    AttestedCredentialData,
    AuthenticatorData,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialType,
    PublicKeyCredentialUserEntity,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

SESSION_REGISTER = "guichet_webauthn_register"
SESSION_AUTHENTICATE = "guichet_webauthn_authenticate"
STATE_MAX_AGE = 5 * 60
MAX_CREDENTIAL_ID_CHARS = 512
MAX_RESPONSE_CHARS = 64 * 1024


class PasskeyError(Exception):
    """The browser's answer does not verify (wrong challenge, origin, signature, ...)."""


@dataclass(frozen=True)
class VerifiedRegistration:
    credential_id: str  # base64url
    credential_data: str  # base64url of the attested credential data (public key)
    sign_count: int


def rp_id() -> str:
    return str(settings.GUICHET_WEBAUTHN_RP_ID)


def request_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _server(*, origin: str) -> Fido2Server:
    relying_party = PublicKeyCredentialRpEntity(id=rp_id(), name=str(settings.GUICHET_PORTAL_NAME))

    def verify_origin(candidate: str) -> bool:
        return candidate == origin and verify_rp_id(rp_id(), candidate)

    return Fido2Server(relying_party, attestation=AttestationConveyancePreference.NONE, verify_origin=verify_origin)


def credential_decode(credential_data: str) -> AttestedCredentialData:
    return AttestedCredentialData(websafe_decode(credential_data))


def _descriptors(credential_ids: Iterable[str]) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(type=PublicKeyCredentialType.PUBLIC_KEY, id=websafe_decode(cid))
        for cid in credential_ids
    ]


def registration_begin(
    *, user_handle: bytes, user_name: str, display_name: str, existing_ids: Iterable[str], origin: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Options for ``navigator.credentials.create`` (JSON-ready) and the state to keep."""
    options, state = _server(origin=origin).register_begin(
        PublicKeyCredentialUserEntity(id=user_handle, name=user_name, display_name=display_name),
        _descriptors(existing_ids),
        resident_key_requirement=ResidentKeyRequirement.PREFERRED,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return json.loads(json.dumps(dict(options))), _plain_state(state)


def registration_verify(*, state: Mapping[str, Any], response: Mapping[str, Any], origin: str) -> VerifiedRegistration:
    try:
        auth_data = _server(origin=origin).register_complete(dict(state), response)
    except Exception as exc:  # fido2 raises ValueError, KeyError, TypeError, cbor errors ...
        raise PasskeyError(str(exc)) from exc
    credential = auth_data.credential_data
    if credential is None:
        raise PasskeyError("no credential data")
    credential_id = websafe_encode(credential.credential_id)
    if len(credential_id) > MAX_CREDENTIAL_ID_CHARS:
        raise PasskeyError("credential id too long")
    return VerifiedRegistration(
        credential_id=credential_id, credential_data=websafe_encode(bytes(credential)), sign_count=auth_data.counter
    )


def authentication_begin(*, credential_ids: Iterable[str], origin: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Options for ``navigator.credentials.get`` (JSON-ready) and the state to keep."""
    options, state = _server(origin=origin).authenticate_begin(
        _descriptors(credential_ids), user_verification=UserVerificationRequirement.PREFERRED
    )
    return json.loads(json.dumps(dict(options))), _plain_state(state)


def authentication_verify(
    *, state: Mapping[str, Any], credentials: Mapping[str, str], response: Mapping[str, Any], origin: str
) -> tuple[str, int]:
    """Verify an assertion against the account's credentials (credential id → credential data).

    Returns the credential id used and the authenticator's signature counter."""
    try:
        decoded = [credential_decode(data) for data in credentials.values()]
        used = _server(origin=origin).authenticate_complete(dict(state), decoded, response)
        raw = response["response"]["authenticatorData"]
        counter = AuthenticatorData(websafe_decode(raw) if isinstance(raw, str) else bytes(raw)).counter
    except Exception as exc:
        raise PasskeyError(str(exc)) from exc
    return websafe_encode(used.credential_id), counter


def response_parse(raw: str) -> dict[str, Any]:
    """The JSON the script put in the form (``PublicKeyCredential.toJSON()``)."""
    if not raw or len(raw) > MAX_RESPONSE_CHARS:
        raise PasskeyError("missing or oversized response")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise PasskeyError("not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("response"), dict):
        raise PasskeyError("not a credential")
    return data


def _plain_state(state: Mapping[str, Any]) -> dict[str, Any]:
    verification = state.get("user_verification")
    return {"challenge": str(state["challenge"]), "user_verification": str(verification) if verification else None}


def state_store(session: SessionBase, key: str, *, state: Mapping[str, Any], user_id: str) -> None:
    session[key] = {**state, "user_id": user_id, "at": int(time.time())}


def state_pop(session: SessionBase, key: str, *, user_id: str) -> dict[str, Any] | None:
    """The stored state, removed from the session (a challenge is good for one answer only)."""
    state = session.pop(key, None)
    if not isinstance(state, dict) or state.get("user_id") != user_id:
        return None
    if int(time.time()) - int(state.get("at", 0)) > STATE_MAX_AGE:
        return None
    return {"challenge": state["challenge"], "user_verification": state.get("user_verification")}
