"""Writes of the account flows: registration, email tokens, password reset and change, email change.

Every function is keyword-only and typed. Emails are handed to the email task after the commit,
so sending never blocks a request, and nothing here tells a visitor whether an address is
registered: callers show the same answer either way.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from guichet.accounts import emails
from guichet.accounts.models import EmailToken, Profile, User
from guichet.core.actor import SYSTEM, citizen_actor
from guichet.core.audit import audit_record
from guichet.core.models import AuditEvent

logger = logging.getLogger("guichet.auth")

EMAIL_CHANGE_MAX_AGE = 24 * 60 * 60


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Email tokens -------------------------------------------------------------------------


def email_token_create(
    *, user: User, purpose: EmailToken.Purpose, max_age: int, new_email: str = ""
) -> tuple[EmailToken, str]:
    """A new single-use token; returns the row and the raw token (only its SHA-256 is stored)."""
    token = secrets.token_urlsafe(32)
    row = EmailToken.objects.create(
        user=user,
        purpose=purpose,
        token_hash=_token_hash(token),
        expires_at=timezone.now() + timedelta(seconds=max_age),
        data_key=user.data_key if new_email else None,
        new_email=new_email,
    )
    return row, token


def email_token_get(*, token: str, purpose: EmailToken.Purpose) -> EmailToken | None:
    """The valid (unused, unexpired) token, without consuming it; ``None`` otherwise."""
    if not token or len(token) > 200:
        return None
    return (
        EmailToken.objects.select_related("user")
        .filter(
            token_hash=_token_hash(token),
            purpose=purpose,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )


def email_token_consume(*, token: str, purpose: EmailToken.Purpose) -> EmailToken | None:
    """Use a token once. A conditional UPDATE makes two concurrent clicks succeed only once."""
    row = email_token_get(token=token, purpose=purpose)
    if row is None:
        return None
    now = timezone.now()
    claimed = EmailToken.objects.filter(pk=row.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if claimed != 1:
        return None
    row.used_at = now
    return row


def email_tokens_invalidate(*, user: User, purpose: EmailToken.Purpose) -> int:
    return EmailToken.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(used_at=timezone.now())


# --- Registration and confirmation --------------------------------------------------------


def _confirmation_send(*, user: User) -> None:
    _, token = email_token_create(
        user=user, purpose=EmailToken.Purpose.CONFIRM, max_age=settings.GUICHET_EMAIL_CONFIRM_MAX_AGE
    )
    emails.account_email_send(
        to=user.email,
        template=emails.CONFIRM,
        context={
            "url": emails.absolute_url("auth:confirm", token=token),
            "max_age_days": max(1, settings.GUICHET_EMAIL_CONFIRM_MAX_AGE // 86400),
        },
    )


@transaction.atomic
def user_register(*, email: str, password: str, first_name: str, last_name: str) -> User | None:
    """Create an account (unconfirmed) with its private profile and send the confirmation link.

    If the address is already registered nothing is created and the address's owner is told by
    email (or, if that account was never confirmed, gets a fresh confirmation link). Returns the
    new account, or ``None`` when the address was taken; callers must answer the same way."""
    existing = User.objects.find_by_email(email)
    if existing is not None:
        User().set_password(password)  # the same hashing work as a real registration: no timing oracle
        if existing.email_verified_at is None:
            _confirmation_send(user=existing)
        else:
            emails.account_email_send(
                to=existing.email,
                template=emails.ALREADY_REGISTERED,
                context={
                    "login_url": emails.absolute_url("auth:login"),
                    "reset_url": emails.absolute_url("auth:password_reset"),
                },
            )
        logger.info("signup for an existing account user=%s", existing.pk)
        return None
    user = User.objects.create_user(email, password, password_changed_at=timezone.now())
    profile = Profile.objects.create(
        owner=user, kind=Profile.Kind.PRIVATE, data_key=user.data_key, first_name=first_name, last_name=last_name
    )
    user.active_profile = profile
    user.save(update_fields=["active_profile"])
    audit_record(
        actor=citizen_actor(user=user, profile=profile),
        action=AuditEvent.Action.CREATE,
        obj=user,
        subject_ref=str(user.pk),
    )
    _confirmation_send(user=user)
    logger.info("signup user=%s", user.pk)
    return user


def user_confirmation_resend(*, email: str) -> None:
    """Send a new confirmation link if the address belongs to an unconfirmed account; else nothing."""
    user = User.objects.find_by_email(email)
    if user is None or user.email_verified_at is not None or not user.is_active:
        return
    _confirmation_send(user=user)


@transaction.atomic
def user_confirm_email(*, token: str) -> User | None:
    row = email_token_consume(token=token, purpose=EmailToken.Purpose.CONFIRM)
    if row is None:
        return None
    user = row.user
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    email_tokens_invalidate(user=user, purpose=EmailToken.Purpose.CONFIRM)
    logger.info("email confirmed user=%s", user.pk)
    return user


# --- Passwords ----------------------------------------------------------------------------


def password_reset_request(*, email: str) -> None:
    """Send a reset link if the address belongs to an account; otherwise do nothing (same answer)."""
    user = User.objects.find_by_email(email)
    if user is None or not user.is_active:
        logger.info("password reset requested for an unknown address")
        return
    _, token = email_token_create(user=user, purpose=EmailToken.Purpose.RESET, max_age=settings.PASSWORD_RESET_TIMEOUT)
    emails.account_email_send(
        to=user.email,
        template=emails.RESET,
        context={
            "url": emails.absolute_url("auth:password_reset_confirm", token=token),
            "max_age_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )
    logger.info("password reset requested user=%s", user.pk)


def _password_set(*, user: User, password: str) -> None:
    user.set_password(password)
    user.password_changed_at = timezone.now()
    # Changing the password changes the session hash: Django ends every other session of the
    # account on its next request (see django.contrib.auth.get_user).
    user.save(update_fields=["password", "password_changed_at"])
    email_tokens_invalidate(user=user, purpose=EmailToken.Purpose.RESET)
    emails.account_email_send(
        to=user.email,
        template=emails.PASSWORD_CHANGED,
        context={"reset_url": emails.absolute_url("auth:password_reset")},
    )


@transaction.atomic
def password_reset_complete(*, token: str, password: str) -> User | None:
    """Set a new password with a reset link; the link and every other open reset link die."""
    row = email_token_consume(token=token, purpose=EmailToken.Purpose.RESET)
    if row is None:
        return None
    user = row.user
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()  # the link reached the mailbox: the address is confirmed
        user.save(update_fields=["email_verified_at"])
    _password_set(user=user, password=password)
    audit_record(
        actor=SYSTEM,
        action=AuditEvent.Action.CHANGE,
        obj=user,
        subject_ref=str(user.pk),
        detail={"what": "password_reset"},
    )
    logger.info("password reset user=%s", user.pk)
    return user


@transaction.atomic
def user_password_change(*, user: User, password: str) -> None:
    _password_set(user=user, password=password)
    audit_record(
        actor=citizen_actor(user=user, profile=None),
        action=AuditEvent.Action.CHANGE,
        obj=user,
        subject_ref=str(user.pk),
        detail={"what": "password"},
    )
    logger.info("password changed user=%s", user.pk)


# --- Email change -------------------------------------------------------------------------


@transaction.atomic
def email_change_request(*, user: User, new_email: str) -> None:
    """Send a confirmation link to the new address; the account keeps its address until then.

    If another account uses the new address, that mailbox is told instead (the requester sees
    the same answer, so the form cannot be used to find out who is registered)."""
    new_email = User.objects.normalize_email(new_email)
    other = User.objects.find_by_email(new_email)
    if other is not None:
        if other.pk != user.pk:
            emails.account_email_send(to=new_email, template=emails.EMAIL_CHANGE_TAKEN, context={})
        logger.info("email change to an address in use user=%s", user.pk)
        return
    email_tokens_invalidate(user=user, purpose=EmailToken.Purpose.EMAIL_CHANGE)
    _, token = email_token_create(
        user=user, purpose=EmailToken.Purpose.EMAIL_CHANGE, max_age=EMAIL_CHANGE_MAX_AGE, new_email=new_email
    )
    emails.account_email_send(
        to=new_email,
        template=emails.EMAIL_CHANGE,
        context={"url": emails.absolute_url("auth:email_change_confirm", token=token), "max_age_hours": 24},
    )
    logger.info("email change requested user=%s", user.pk)


@transaction.atomic
def email_change_confirm(*, token: str) -> User | None:
    """Switch the account to the confirmed new address (and its blind index); tell the old one."""
    row = email_token_consume(token=token, purpose=EmailToken.Purpose.EMAIL_CHANGE)
    if row is None or not row.new_email:
        return None
    user = User.objects.select_for_update().get(pk=row.user_id)
    if User.objects.find_by_email(row.new_email) is not None:
        return None  # taken in the meantime
    old_email = user.email
    user.set_email(row.new_email)
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email", "email_index", "email_verified_at"])
    audit_record(
        actor=citizen_actor(user=user, profile=None),
        action=AuditEvent.Action.CHANGE,
        obj=user,
        subject_ref=str(user.pk),
        detail={"what": "email"},
    )
    if old_email:
        emails.account_email_send(
            to=old_email,
            template=emails.EMAIL_CHANGED,
            context={"reset_url": emails.absolute_url("auth:password_reset")},
        )
    logger.info("email changed user=%s", user.pk)
    return user
