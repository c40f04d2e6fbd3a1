"""Every write on second factors: set up, confirm, verify, disable, regenerate, throttle.

Changes made from the account pages take the actor and are audited. The verifications of the
login second step take the half-logged-in account (there is no actor yet).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from guichet.accounts.mfa import passkeys, recovery, totp, user_has_mfa
from guichet.accounts.mfa.selectors import passkey_get
from guichet.accounts.models import Passkey, RecoveryCode, ThrottleEvent, TotpDevice, User
from guichet.core.actor import GUEST, Actor
from guichet.core.audit import audit_record
from guichet.core.keys import blind_index
from guichet.core.models import AuditEvent

logger = logging.getLogger("guichet.accounts.mfa")

THROTTLE_SCOPE = "mfa"


class MfaError(Exception):
    """A second-factor change cannot be made in the current state."""


class InvalidCode(Exception):
    """A one-time code or a passkey answer did not verify."""


def _user(actor: Actor) -> User:
    if actor.user is None or not actor.user.is_authenticated:
        raise Http404
    return actor.user


def _audit_change(*, actor: Actor, obj: Any, factor: str, change: str) -> None:
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        obj=obj,
        subject_ref=actor.ref,
        detail={"factor": factor, "change": change},
    )


# --- Recovery codes ---------------------------------------------------------------------------


def _recovery_codes_replace(*, user: User) -> list[str]:
    codes = [recovery.code_generate() for _ in range(recovery.COUNT)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=recovery.code_hash(data_key_id=str(user.data_key_id), code=code))
        for code in codes
    )
    return codes


def _recovery_codes_after_first_factor(*, actor: Actor, user: User) -> list[str] | None:
    """New codes when a factor is activated and the account has none left to fall back on."""
    if RecoveryCode.objects.filter(user=user, used_at__isnull=True).exists():
        return None
    codes = _recovery_codes_replace(user=user)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="accounts.recoverycode",
        subject_ref=actor.ref,
        detail={"factor": "recovery_codes", "change": "generated", "count": len(codes)},
    )
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, actor: Actor) -> list[str]:
    """Replace every recovery code with ten new ones. The plaintext is returned once, never stored."""
    user = _user(actor)
    if not user_has_mfa(user=user):
        raise MfaError("recovery codes need an active second factor")
    codes = _recovery_codes_replace(user=user)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        object_type="accounts.recoverycode",
        subject_ref=actor.ref,
        detail={"factor": "recovery_codes", "change": "regenerated", "count": len(codes)},
    )
    return codes


def _recovery_codes_if_no_factor_left(*, user: User) -> None:
    if not user_has_mfa(user=user):
        RecoveryCode.objects.filter(user=user).delete()


def recovery_code_use(*, user: User, code: str) -> bool:
    """Spend one recovery code. A conditional update makes it single-use even under races."""
    if not recovery.code_looks_valid(code):
        return False
    digest = recovery.code_hash(data_key_id=str(user.data_key_id), code=code)
    spent = RecoveryCode.objects.filter(user=user, code_hash=digest, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    return spent == 1


# --- Authenticator app (TOTP) -----------------------------------------------------------------


@transaction.atomic
def totp_setup_start(*, actor: Actor) -> TotpDevice:
    """The account's not yet confirmed authenticator, created with a new secret if needed."""
    user = _user(actor)
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise MfaError("an authenticator app is already active")
    if device is None or not device.secret:
        if device is not None:
            device.delete()
        device = TotpDevice.objects.create(user=user, data_key_id=user.data_key_id, secret=totp.secret_generate())
    return device


@transaction.atomic
def totp_confirm(*, actor: Actor, code: str, at: float | None = None) -> list[str] | None:
    """Activate the pending authenticator once the user proves it works with a current code.

    Returns freshly generated recovery codes when the account had none, else ``None``."""
    user = _user(actor)
    device = TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
    if device is None or not device.secret:
        raise MfaError("no authenticator app is waiting for confirmation")
    step = totp.totp_match(totp.secret_bytes(device.secret), code, at=at, after_step=device.last_used_step)
    if step is None:
        raise InvalidCode
    device.confirmed_at = timezone.now()
    device.last_used_step = step  # the confirming code cannot be used again to log in
    device.save(update_fields=["confirmed_at", "last_used_step"])
    _audit_change(actor=actor, obj=device, factor="totp", change="added")
    return _recovery_codes_after_first_factor(actor=actor, user=user)


@transaction.atomic
def totp_disable(*, actor: Actor) -> None:
    user = _user(actor)
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        raise MfaError("no authenticator app")
    was_active = device.confirmed_at is not None
    device_pk = device.pk
    device.delete()
    if was_active:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CHANGE,
            object_type="accounts.totpdevice",
            subject_ref=actor.ref,
            detail={"factor": "totp", "change": "removed", "object": str(device_pk)},
        )
    _recovery_codes_if_no_factor_left(user=user)


def totp_verify(*, user: User, code: str, at: float | None = None) -> bool:
    """Check a login code; each time step is accepted at most once (conditional update)."""
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None or not device.secret:
        return False
    step = totp.totp_match(totp.secret_bytes(device.secret), code, at=at, after_step=device.last_used_step)
    if step is None:
        return False
    claimed = TotpDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(last_used_step=step)
    return claimed == 1


# --- Passkeys ---------------------------------------------------------------------------------


@transaction.atomic
def passkey_create(
    *, actor: Actor, name: str, registration: passkeys.VerifiedRegistration
) -> tuple[Passkey, list[str] | None]:
    """Store a verified passkey. Returns it and, for a first factor, new recovery codes."""
    user = _user(actor)
    if Passkey.objects.filter(credential_id=registration.credential_id).exists():
        raise MfaError("this passkey is already registered")
    passkey = Passkey.objects.create(
        user=user,
        data_key_id=user.data_key_id,
        name=name.strip()[:100],
        credential_id=registration.credential_id,
        credential_data=registration.credential_data,
        sign_count=registration.sign_count,
    )
    _audit_change(actor=actor, obj=passkey, factor="passkey", change="added")
    return passkey, _recovery_codes_after_first_factor(actor=actor, user=user)


@transaction.atomic
def passkey_delete(*, actor: Actor, passkey_id: object) -> None:
    user = _user(actor)
    passkey = passkey_get(actor=actor, passkey_id=passkey_id)
    passkey_pk = passkey.pk
    passkey.delete()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        object_type="accounts.passkey",
        subject_ref=actor.ref,
        detail={"factor": "passkey", "change": "removed", "object": str(passkey_pk)},
    )
    _recovery_codes_if_no_factor_left(user=user)


def passkey_authenticate(*, user: User, state: Mapping[str, Any], response: Mapping[str, Any], origin: str) -> Passkey:
    """Verify a login assertion made with one of the account's passkeys.

    A signature counter that does not move forward (when the authenticator keeps one) points to
    a cloned authenticator and is refused."""
    credentials = dict(Passkey.objects.filter(user=user).values_list("credential_id", "credential_data"))
    if not credentials:
        raise InvalidCode
    try:
        credential_id, counter = passkeys.authentication_verify(
            state=state, credentials=credentials, response=response, origin=origin
        )
    except passkeys.PasskeyError as exc:
        raise InvalidCode from exc
    with transaction.atomic():
        passkey = Passkey.objects.select_for_update().get(user=user, credential_id=credential_id)
        if (counter or passkey.sign_count) and counter <= passkey.sign_count:
            logger.warning("passkey signature counter did not increase: passkey=%s", passkey.pk)
            raise InvalidCode
        Passkey.objects.filter(pk=passkey.pk).update(sign_count=counter, last_used_at=timezone.now())
    return passkey


# --- Throttle of the login second step --------------------------------------------------------


def _bucket(user: User) -> str:
    return blind_index(str(user.pk), purpose="mfa")


def _window() -> int:
    return int(settings.GUICHET_LOGIN_FAILURE_WINDOW)


def mfa_attempt_start(*, user: User) -> tuple[int | None, int]:
    """Count an attempt at the second step before checking it: ``(event id, 0)`` when allowed,
    ``(None, seconds to wait)`` when throttled.

    The attempt is recorded first and counted afterwards, so concurrent requests cannot slip past
    the limit between the check and the write. A successful attempt clears the count again
    (``mfa_attempt_succeeded``); a failed one keeps it (``mfa_attempt_failed``)."""
    bucket = _bucket(user)
    limit = int(settings.GUICHET_LOGIN_MAX_FAILURES)
    with transaction.atomic():
        event = ThrottleEvent.objects.create(scope=THROTTLE_SCOPE, bucket=bucket)
        since = timezone.now() - timedelta(seconds=_window())
        recent = list(
            ThrottleEvent.objects.filter(scope=THROTTLE_SCOPE, bucket=bucket, at__gt=since)
            .exclude(pk=event.pk)
            .order_by("-at", "-pk")
            .values_list("at", flat=True)[:limit]
        )
        if len(recent) < limit:
            return event.pk, 0
        event.delete()
    # Free again when the oldest of the last ``limit`` failures leaves the window.
    free_at = recent[-1] + timedelta(seconds=_window())
    return None, max(1, math.ceil((free_at - timezone.now()).total_seconds()))


def mfa_attempt_succeeded(*, user: User) -> None:
    ThrottleEvent.objects.filter(scope=THROTTLE_SCOPE, bucket=_bucket(user)).delete()


def mfa_attempt_failed(*, user: User, method: str) -> None:
    """The attempt recorded by ``mfa_attempt_start`` stays counted; note it in the audit trail."""
    audit_record(
        actor=GUEST,
        action=AuditEvent.Action.LOGIN_FAILED,
        object_type="accounts.user",
        subject_ref=str(user.pk),
        detail={"step": "mfa", "method": method},
    )
