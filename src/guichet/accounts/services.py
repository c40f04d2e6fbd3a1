"""Every write to account data. Keyword-only, typed, one transaction each, audited.

The services re-check ownership and the mandatory fields themselves (P29), so no caller can
store an incomplete profile or touch someone else's, whatever the view did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from guichet.accounts import policy
from guichet.accounts.forms import PROFILE_FIELDS, normalise_uid
from guichet.accounts.models import Profile, User
from guichet.core.actor import Actor
from guichet.core.audit import audit_record
from guichet.core.models import AuditEvent


def _account(actor: Actor) -> User:
    if not actor.is_citizen or actor.user is None:
        raise PermissionDenied("only an account holder manages profiles")
    return actor.user


def _apply(profile: Profile, data: Mapping[str, Any]) -> list[str]:
    """Copy the known fields of ``data`` onto the profile; returns the names that changed."""
    changed: list[str] = []
    for name in PROFILE_FIELDS[profile.kind]:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip()
        if name == "uid" and value:
            value = normalise_uid(value)
        if name == "country":
            value = value or "CH"
        if name == "date_of_birth":
            value = value or None
        elif value is None:
            value = ""
        if getattr(profile, name) != value:
            setattr(profile, name, value)
            changed.append(name)
    return changed


def _check_mandatory(profile: Profile) -> None:
    missing = {
        name: ValidationError(_("This field is required."), code="required")
        for name in Profile.MANDATORY[profile.kind]
        if not getattr(profile, name)
    }
    if missing:
        raise ValidationError(missing)


@transaction.atomic
def profile_create(*, actor: Actor, kind: str, data: Mapping[str, Any]) -> Profile:
    """Add a business or organisation profile to the actor's account."""
    user = _account(actor)
    if not policy.can_create_profile(actor, kind):
        raise PermissionDenied("this kind of profile cannot be added")
    profile = Profile(owner=user, kind=kind, data_key_id=user.data_key_id)
    changed = _apply(profile, data)
    _check_mandatory(profile)
    profile.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=profile,
        subject_ref=str(user.pk),
        detail={"kind": kind, "fields": sorted(changed)},
    )
    return profile


@transaction.atomic
def profile_update(*, actor: Actor, profile: Profile, data: Mapping[str, Any]) -> Profile:
    """Change one of the actor's own profiles; mandatory fields must stay complete (P29)."""
    _account(actor)
    if not policy.can_edit_profile(actor, profile):
        raise PermissionDenied("not your profile")
    changed = _apply(profile, data)
    _check_mandatory(profile)
    if changed:
        profile.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CHANGE,
            obj=profile,
            subject_ref=str(profile.owner_id),
            detail={"fields": sorted(changed)},  # names only, never values
        )
    return profile


@transaction.atomic
def profile_delete(*, actor: Actor, profile: Profile) -> None:
    """Remove a business or organisation profile. The private profile stays with the account."""
    user = _account(actor)
    if not policy.can_delete_profile(actor, profile):
        raise PermissionDenied("this profile cannot be deleted")
    if user.active_profile_id == profile.pk:
        user.active_profile = Profile.objects.filter(owner=user, kind=Profile.Kind.PRIVATE).first()
        user.save(update_fields=["active_profile"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=profile,
        subject_ref=str(user.pk),
        detail={"kind": profile.kind},
    )
    profile.delete()


@transaction.atomic
def profile_activate(*, actor: Actor, profile: Profile) -> Profile:
    """Act as ``profile`` from now on (it is shown in the header and scopes what the account sees)."""
    user = _account(actor)
    if not policy.can_activate_profile(actor, profile):
        raise PermissionDenied("not your profile")
    if user.active_profile_id != profile.pk:
        user.active_profile = profile
        user.save(update_fields=["active_profile"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CHANGE,
            obj=profile,
            subject_ref=str(user.pk),
            detail={"activated": True},
        )
    return profile


@transaction.atomic
def notification_channel_set(*, actor: Actor, channel: str) -> User:
    """Store how the account holder wants to hear about news on their cases."""
    if not actor.is_citizen or actor.user is None:
        raise PermissionDenied("only an account holder chooses how to be told")
    if channel not in User.NotificationChannel.values:
        raise ValueError(f"unknown notification channel {channel!r}")
    user = User.objects.select_for_update().get(pk=actor.user.pk)
    if user.notification_channel != channel:
        user.notification_channel = channel
        user.save(update_fields=["notification_channel"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CHANGE,
            obj=user,
            subject_ref=str(user.pk),
            detail={"notification_channel": channel},
        )
    return user
