"""Helpers for the MFA tests: logged-in clients, active factors, a software WebAuthn authenticator."""

from __future__ import annotations

import html
import json
import os
import re
import time
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.utils import timezone
from fido2.cose import ES256
from fido2.utils import sha256, websafe_decode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticationResponse,
    AuthenticatorAssertionResponse,
    AuthenticatorAttestationResponse,
    AuthenticatorData,
    CollectedClientData,
    RegistrationResponse,
)

from guichet.accounts.login_flow import MFA_PENDING_SESSION_KEY, REAUTH_SESSION_KEY
from guichet.accounts.mfa import totp
from guichet.accounts.models import TotpDevice, User

ORIGIN = "http://localhost"
RP_ID = "localhost"


def fresh_login(client: Client, user: User) -> Client:
    """Logged in, with a re-authentication a moment ago (as after a password prompt)."""
    client.force_login(user)
    session = client.session
    session[REAUTH_SESSION_KEY] = int(time.time())
    session.save()
    return client


def stale_login(client: Client, user: User) -> Client:
    """Logged in, but the last password prompt was long ago."""
    client.force_login(user)
    session = client.session
    session[REAUTH_SESSION_KEY] = int(time.time()) - 3600
    session.save()
    return client


def start_pending(client: Client, user: User, *, next_url: str = "", at: int | None = None) -> Client:
    """The state the password step leaves behind for an account with a second factor."""
    session = client.session
    session[MFA_PENDING_SESSION_KEY] = {
        "user_id": str(user.pk),
        "at": int(time.time()) if at is None else at,
        "next": next_url,
    }
    session.save()
    return client


def active_totp(user: User) -> TotpDevice:
    return TotpDevice.objects.create(
        user=user, data_key_id=user.data_key_id, secret=totp.secret_generate(), confirmed_at=timezone.now()
    )


def current_code(device: TotpDevice, *, at: float | None = None) -> str:
    return totp.totp(totp.secret_bytes(device.secret), at=time.time() if at is None else at)


def wrong_code(device: TotpDevice) -> str:
    key = totp.secret_bytes(device.secret)
    now = time.time()
    valid = {totp.totp(key, at=now + offset * totp.STEP_SECONDS) for offset in range(-3, 4)}
    return next(f"{n:06d}" for n in range(0, 1_000_000, 111_111) if f"{n:06d}" not in valid)


def webauthn_options(page: str) -> dict[str, Any]:
    """The options the page hands to passkeys.js (what the browser would receive)."""
    match = re.search(r'data-webauthn-options="([^"]*)"', page)
    assert match, "no WebAuthn options on the page"
    return json.loads(html.unescape(match.group(1)))["publicKey"]


class SoftAuthenticator:
    """A software passkey: an ES256 key pair that answers create() and get() like a browser would,
    with 'none' attestation. Everything it returns is verified for real by the server."""

    def __init__(self, *, rp_id: str = RP_ID, origin: str = ORIGIN) -> None:
        self.rp_id = rp_id
        self.origin = origin
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0
        self.user_handle: bytes | None = None

    def _auth_data(self, flags: AuthenticatorData.FLAG, credential: bytes = b"") -> AuthenticatorData:
        self.counter += 1
        return AuthenticatorData.create(sha256(self.rp_id.encode()), flags, self.counter, credential)

    def create(self, options: dict[str, Any], *, origin: str | None = None) -> str:
        assert options["rp"]["id"] == self.rp_id
        self.user_handle = websafe_decode(options["user"]["id"])
        client_data = CollectedClientData.create(
            type=CollectedClientData.TYPE.CREATE, challenge=options["challenge"], origin=origin or self.origin
        )
        credential = AttestedCredentialData.create(
            Aaguid.NONE, self.credential_id, ES256.from_cryptography_key(self.private_key.public_key())
        )
        flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV | AuthenticatorData.FLAG.AT
        attestation = AttestationObject.create("none", self._auth_data(flags, credential), {})
        response = RegistrationResponse(
            raw_id=self.credential_id,
            response=AuthenticatorAttestationResponse(client_data=client_data, attestation_object=attestation),
        )
        return json.dumps(dict(response))

    def get(self, options: dict[str, Any], *, origin: str | None = None, counter: int | None = None) -> str:
        allowed = [websafe_decode(item["id"]) for item in options.get("allowCredentials") or []]
        assert self.credential_id in allowed, "the server did not offer this credential"
        client_data = CollectedClientData.create(
            type=CollectedClientData.TYPE.GET, challenge=options["challenge"], origin=origin or self.origin
        )
        if counter is not None:
            self.counter = counter - 1
        auth_data = self._auth_data(AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV)
        signature = self.private_key.sign(bytes(auth_data) + client_data.hash, ec.ECDSA(hashes.SHA256()))
        response = AuthenticationResponse(
            raw_id=self.credential_id,
            response=AuthenticatorAssertionResponse(
                client_data=client_data,
                authenticator_data=auth_data,
                signature=signature,
                user_handle=self.user_handle,
            ),
        )
        return json.dumps(dict(response))
