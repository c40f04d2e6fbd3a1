"""The disclosure register (P34): every time the portal's operator passes a person's data to
another authority, e.g. to law enforcement on a court order, it is recorded here: to whom, on
which legal basis and court order, what, and when.

The person sees their disclosures in the privacy centre and in their data export, unless a legal
bar is recorded (e.g. the secrecy of a criminal investigation): then the disclosure stays hidden
from them while the bar applies, i.e. through the day ``legal_bar_until``, or, with a reason and
no end date, until an operator lifts it. ``disclosures_for`` is the one place that rule lives.

Only operators keep the register (staff of an authority and citizens never reach it). Recording
and changing the bar are audit events without the person as subject, on purpose: the person's
"who accessed my data" list must not reveal a disclosure while it is barred.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import Profile, User
from guichet.core.access import scoped_get
from guichet.core.actor import Actor
from guichet.core.audit import audit_record
from guichet.core.keys import data_keys_preload
from guichet.core.models import AuditEvent
from guichet.privacy.models import Disclosure
from guichet.privacy.requests import is_operator

if TYPE_CHECKING:
    from collections.abc import Iterable

#: the register keeps a disclosure this long after it was made (the operator's accountability);
#: the nightly retention sweep deletes it afterwards
RETENTION = datetime.timedelta(days=10 * 365)


# --- The legal bar ---------------------------------------------------------------------------------


def _today(now: datetime.datetime | None) -> datetime.date:
    return timezone.localdate(now or timezone.now())


def visible_to_person(today: datetime.date) -> Q:
    """Disclosures without a legal bar, or whose bar ended before ``today``."""
    return Q(legal_bar_reason="", legal_bar_until__isnull=True) | Q(legal_bar_until__lt=today)


def is_barred(disclosure: Disclosure, *, now: datetime.datetime | None = None) -> bool:
    if disclosure.legal_bar_until is not None:
        return disclosure.legal_bar_until >= _today(now)
    return bool(disclosure.legal_bar_reason)


# --- Reads: the person -----------------------------------------------------------------------------


def disclosures_of_user(user: User, *, now: datetime.datetime | None = None) -> QuerySet[Disclosure]:
    """The disclosures of ``user`` the person may see now, newest first (export and centre)."""
    return Disclosure.objects.filter(user=user).filter(visible_to_person(_today(now))).order_by("-disclosed_at", "pk")


def disclosures_for(*, actor: Actor, now: datetime.datetime | None = None) -> QuerySet[Disclosure]:
    """The account holder's disclosures that no legal bar hides at ``now``."""
    if not actor.is_citizen or actor.user is None:
        return Disclosure.objects.none()
    return disclosures_of_user(actor.user, now=now)


def centre_context(*, actor: Actor) -> dict[str, Any]:
    """What the privacy centre's page shows of this part."""
    return {"disclosures": list(disclosures_for(actor=actor))}


# --- Reads: the register (operators) ----------------------------------------------------------------


def register_list(*, actor: Actor) -> QuerySet[Disclosure]:
    """The whole register, newest disclosure first; nothing for anyone but an operator."""
    if not is_operator(actor):
        return Disclosure.objects.none()
    return Disclosure.objects.annotate(person_key_id=F("user__data_key_id")).order_by("-disclosed_at", "-recorded_at")


def register_get(*, actor: Actor, disclosure_id: uuid.UUID | str) -> Disclosure:
    return scoped_get(register_list(actor=actor), actor=actor, pk=disclosure_id)


def person_names(*, actor: Actor, disclosures: Iterable[Disclosure]) -> dict[str, str]:
    """The names (private profile) of the persons of ``disclosures``, by account id: a fixed number
    of queries for a page of the register. Their email addresses are not loaded."""
    if not is_operator(actor):
        return {}
    rows = [d for d in disclosures if d.user_id is not None]
    data_keys_preload(key_ids=[getattr(d, "person_key_id", None) for d in rows if getattr(d, "person_key_id", None)])
    profiles = Profile.objects.filter(owner_id__in={d.user_id for d in rows}, kind=Profile.Kind.PRIVATE)
    return {str(profile.owner_id): profile.display_name for profile in profiles}


def person_find(*, actor: Actor, email: str) -> User | None:
    """The account with this email address (through the blind index), for an operator."""
    if not is_operator(actor):
        raise PermissionDenied
    email = (email or "").strip()
    if not email:
        return None
    return User.objects.find_by_email(User.objects.normalize_email(email))


# --- Writes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisclosureInput:
    recipient: str
    legal_basis: str
    court_order_reference: str
    data_disclosed: str
    disclosed_on: datetime.date
    legal_bar_reason: str = ""
    legal_bar_until: datetime.date | None = None


def max_length(field: str) -> int:
    """The length limit of one of the register's text fields (from the model: one place)."""
    model_field = Disclosure._meta.get_field(field)
    assert isinstance(model_field, models.CharField)
    assert model_field.max_length is not None
    return model_field.max_length


def _text(value: str, *, field: str, required: bool) -> str:
    value = " ".join((value or "").split())  # one line in the register
    limit = max_length(field)
    if required and not value:
        raise ValidationError({field: ValidationError(_("This is needed for the register."), code="required")})
    if len(value) > limit:
        raise ValidationError(
            {
                field: ValidationError(
                    _("At most %(count)s characters (it has %(length)s)."),
                    code="too_long",
                    params={"count": limit, "length": len(value)},
                )
            }
        )
    return value


def _bar(reason: str, until: datetime.date | None, *, today: datetime.date) -> tuple[str, datetime.date | None]:
    """A legal bar needs a reason and an end date (both or neither); the end lies in the future."""
    reason = _text(reason, field="legal_bar_reason", required=False)
    if reason and until is None:
        raise ValidationError(
            {
                "legal_bar_until": ValidationError(
                    _("Give the date until which the legal bar applies."), code="bar_without_date"
                )
            }
        )
    if until is not None and not reason:
        raise ValidationError(
            {
                "legal_bar_reason": ValidationError(
                    _("Give the reason for the legal bar, e.g. the order that imposes it."), code="bar_without_reason"
                )
            }
        )
    if until is not None and until <= today:
        raise ValidationError(
            {
                "legal_bar_until": ValidationError(
                    _("The legal bar must end after today; without a bar, leave both bar fields empty."),
                    code="bar_in_past",
                )
            }
        )
    return reason, until


@transaction.atomic
def disclosure_record(
    *, actor: Actor, person: User, data: DisclosureInput, now: datetime.datetime | None = None
) -> Disclosure:
    """Record a disclosure of ``person``'s data (operators only). Raises ``ValidationError`` with a
    dict of field errors."""
    if not is_operator(actor):
        raise PermissionDenied("only an operator keeps the disclosure register")
    now = now or timezone.now()
    today = _today(now)
    errors: dict[str, list[ValidationError]] = {}
    values: dict[str, Any] = {}
    for field, required in (
        ("recipient", True),
        ("legal_basis", True),
        ("court_order_reference", True),
        ("data_disclosed", True),
    ):
        try:
            values[field] = _text(getattr(data, field), field=field, required=required)
        except ValidationError as error:
            errors.update(error.error_dict)
    if data.disclosed_on > today:
        errors["disclosed_on"] = [
            ValidationError(_("The date of the disclosure cannot be in the future."), code="future")
        ]
    try:
        reason, until = _bar(data.legal_bar_reason, data.legal_bar_until, today=today)
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    disclosure = Disclosure.objects.create(
        user=person,
        disclosed_at=timezone.make_aware(datetime.datetime.combine(data.disclosed_on, datetime.time.min)),
        legal_bar_reason=reason,
        legal_bar_until=until,
        recorded_by=actor.user,
        recorded_at=now,
        **values,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=disclosure,
        detail={"barred": is_barred(disclosure, now=now)},
    )
    return disclosure


@transaction.atomic
def disclosure_set_bar(
    *,
    actor: Actor,
    disclosure: Disclosure,
    reason: str,
    until: datetime.date | None,
    now: datetime.datetime | None = None,
) -> Disclosure:
    """Prolong, shorten or (both empty) lift the legal bar of a recorded disclosure. Nothing else
    of a recorded disclosure changes: the register is a record."""
    if not is_operator(actor):
        raise PermissionDenied("only an operator keeps the disclosure register")
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    reason, until = _bar(reason, until, today=_today(now))
    disclosure.legal_bar_reason = reason
    disclosure.legal_bar_until = until
    disclosure.save(update_fields=["legal_bar_reason", "legal_bar_until"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        obj=disclosure,
        detail={"barred": is_barred(disclosure, now=now), "bar_until": until.isoformat() if until else None},
    )
    return disclosure


def register_record_view(*, actor: Actor, disclosures: Iterable[Disclosure]) -> None:
    """An operator read (a page of) the register: one audit event naming the entries shown, with
    no person as subject (see the module docstring)."""
    if not is_operator(actor):
        raise PermissionDenied
    audit_record(
        actor=actor,
        action=AuditEvent.Action.VIEW,
        object_type=Disclosure._meta.label_lower,
        detail={"entries": [str(d.pk) for d in disclosures]},
    )


# --- Retention and erasure (see registry_requests) --------------------------------------------------


def disclosures_past_retention(now: datetime.datetime) -> QuerySet[Disclosure]:
    """Disclosures made more than ``RETENTION`` ago. Never ahead of the clock: a sweep run "as of"
    a later day does not delete a record early (and its purge, below, agrees on every row)."""
    return Disclosure.objects.filter(disclosed_at__lt=min(now, timezone.now()) - RETENTION)


def disclosures_anonymise(pks: list[Any]) -> int:
    """The purge of the retention rule and of account erasure: disclosures past ``RETENTION`` go;
    the others lose the link to the person and stay as the operator's record. Returns how many
    rows it deleted or stripped."""
    past = disclosures_past_retention(timezone.now()).filter(pk__in=pks)
    deleted, _per_model = past.delete()
    stripped = Disclosure.objects.filter(pk__in=pks, user__isnull=False).update(user=None)
    return deleted + stripped
