"""Self-service account deletion (P11, P21, P30): the account and every data kind in the registry
that hangs on it go in one transaction.

What belongs to the person is found through the registry, not through a hand-written list: each
data kind names the relations that point to a person (``person_links``); following them to the
account or to one of its profiles gives the rows of this person, kind by kind. Then:

- kinds kept without reference to the person (``Erasure.KEEP_ANONYMOUS``, e.g. bookings) are
  stripped with their retention rule's ``purge``; future bookings are cancelled first, so the
  seat at the counter is free again;
- the account is deleted, and with it (database cascade) its profiles, drafts, submissions,
  cases, second factors and links; anything of the person the cascade did not reach is deleted
  afterwards, so a new model with a softer ``on_delete`` cannot keep data back;
- every data key that sealed the person's data is destroyed (crypto-shredding): copies of the
  data in older backups become unreadable at once;
- the deletion log gets one line per kind (counts only), the audit trail one opaque event, and
  the address receives a receipt after the commit, without a name or anything else of the data.

Staff and operators are refused: an authority must stay accountable for who had access, so their
access is removed by an administrator first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.emails import account_email_send
from guichet.accounts.models import User
from guichet.appointments.models import Booking
from guichet.core.actor import SYSTEM, Actor
from guichet.core.audit import audit_record
from guichet.core.keys import INDEX_KEY_ID, data_key_destroy
from guichet.core.models import AuditEvent, DataKey, DeletionLogEntry, StaffMembership
from guichet.core.registry import DataKind, Erasure, registry

TRIGGER = "account_erasure"
RECEIPT_TEMPLATE = "accounts/account_deleted"
#: How far person links are followed through other data kinds (case -> submission -> profile).
MAX_LINK_DEPTH = 4
#: Kinds whose rows go away with the account (the others are stripped or not linked).
REMOVED = (Erasure.DELETE, Erasure.SHRED)


@dataclass(frozen=True)
class KindCount:
    """How many rows of one data kind belong to the account, and what erasure does with them."""

    model: str
    name: str
    count: int
    erasure: Erasure

    @property
    def removed(self) -> bool:
        return self.erasure in REMOVED


@dataclass(frozen=True)
class ErasurePreview:
    kinds: tuple[KindCount, ...]
    data_keys: int
    refusal: ValidationError | None

    @property
    def removed(self) -> tuple[KindCount, ...]:
        return tuple(kind for kind in self.kinds if kind.removed)

    @property
    def kept_anonymous(self) -> tuple[KindCount, ...]:
        return tuple(kind for kind in self.kinds if not kind.removed)


@dataclass(frozen=True)
class ErasureReceipt:
    """What one account erasure did: counts only, and the account's opaque id."""

    account_ref: str
    kinds: tuple[KindCount, ...]
    data_keys_destroyed: int
    bookings_cancelled: int


# --- Finding the person's rows through the registry --------------------------------------------


def _person_filter(model: type[models.Model], user: User, *, depth: int = 0) -> Q | None:
    """The rows of ``model`` that belong to ``user``, by the kind's ``person_links``; ``None``
    when the kind is not linked to a person."""
    if issubclass(model, User):
        return Q(pk=user.pk)
    kind = registry.get(model._meta.label)
    if kind is None or depth > MAX_LINK_DEPTH:
        return None
    condition: Q | None = None
    for link in kind.person_links:
        field = model._meta.get_field(link)
        related = field.related_model
        if not field.is_relation or not isinstance(related, type):
            raise ImproperlyConfigured(f"{kind.model}.{link} is listed as a person link but is no relation")
        if issubclass(related, User):
            part = Q(**{link: user})
        else:
            inner = _person_filter(related, user, depth=depth + 1)
            if inner is None:
                continue
            part = Q(**{f"{link}__in": related._default_manager.filter(inner).values("pk")})
        condition = part if condition is None else condition | part
    return condition


@dataclass(frozen=True)
class _Rows:
    kind: DataKind
    pks: list[Any]


def _collect(user: User) -> list[_Rows]:
    """Every registered kind with rows of ``user``, in registry order."""
    found = []
    for kind in registry:
        condition = _person_filter(kind.model_class, user)
        if condition is None:
            continue
        pks = list(kind.model_class._default_manager.filter(condition).values_list("pk", flat=True).distinct())
        if pks:
            found.append(_Rows(kind=kind, pks=pks))
    return found


def _data_key_ids(user: User, rows: list[_Rows]) -> set[str]:
    """The keys that sealed the person's data: the account's, every profile's, and those of every
    row that goes with the account (shared keys are destroyed too: their owner is going)."""
    key_ids = {str(user.data_key_id)}
    for found in rows:
        if found.kind.erasure not in REMOVED:
            continue  # stripped kinds destroy their own keys (e.g. each booking's)
        model = found.kind.model_class
        if not any(field.name == "data_key" for field in model._meta.concrete_fields):
            continue
        values = model._default_manager.filter(pk__in=found.pks, data_key__isnull=False).values_list(
            "data_key_id", flat=True
        )
        key_ids.update(str(value) for value in values)
    key_ids.discard(str(INDEX_KEY_ID))  # belongs to nobody; destroying it would break every lookup
    return key_ids


def _counts(rows: list[_Rows]) -> tuple[KindCount, ...]:
    return tuple(
        KindCount(
            model=found.kind.model, name=found.kind.verbose_name, count=len(found.pks), erasure=found.kind.erasure
        )
        for found in rows
    )


# --- Who may delete ----------------------------------------------------------------------------


def _account(actor: Actor) -> User:
    if not actor.is_citizen or actor.user is None:
        raise PermissionDenied("only the account holder deletes an account")
    return actor.user


def erasure_refusal(user: User) -> ValidationError | None:
    """Why this account cannot delete itself (yet), or ``None``."""
    if StaffMembership.objects.filter(user=user).exists():
        return ValidationError(
            _(
                "Your account gives you staff access to an authority. The authority must stay accountable "
                "for who had access, so ask your authority's administrator to remove your staff access first."
            ),
            code="staff",
        )
    if user.is_staff or user.is_superuser:
        return ValidationError(
            _("This is an operator account. Ask another operator to remove your operator access first."),
            code="operator",
        )
    return None


# --- Public API ---------------------------------------------------------------------------------


def account_erasure_refusal(*, actor: Actor) -> ValidationError | None:
    """Why the actor's account cannot delete itself (yet), or ``None``."""
    return erasure_refusal(_account(actor))


def account_erasure_preview(*, actor: Actor) -> ErasurePreview:
    """What deleting the actor's account would erase: the kinds with rows, and how many."""
    user = _account(actor)
    rows = _collect(user)
    return ErasurePreview(kinds=_counts(rows), data_keys=len(_data_key_ids(user, rows)), refusal=erasure_refusal(user))


def _cancel_future_bookings(pks: list[Any], *, now: Any) -> int:
    # Directly on the model: no "cancelled" email (the receipt says it all), and the seat is free.
    return Booking.objects.filter(pk__in=pks, status=Booking.Status.CONFIRMED, starts_at__gt=now).update(
        status=Booking.Status.CANCELLED, cancelled_by=Booking.CancelledBy.PERSON, changed_at=now
    )


def _strip(found: _Rows) -> int:
    rule = found.kind.retention
    if rule is None or rule.purge is None:
        raise ImproperlyConfigured(f"{found.kind.model} is kept anonymous but its retention rule has no purge")
    return rule.purge(found.pks)


@transaction.atomic
def account_erase(*, actor: Actor) -> ErasureReceipt:
    """Delete the actor's account with all its data (P30). Raises ``ValidationError`` for staff
    and operators, ``PermissionDenied`` for anyone but an account holder."""
    return _erase(user_pk=_account(actor).pk, actor=actor, trigger=TRIGGER, receipt_template=RECEIPT_TEMPLATE)


@transaction.atomic
def account_erase_by_system(*, user: User, trigger: str, receipt_template: str) -> ErasureReceipt:
    """Delete an account without a request from its holder, e.g. once an inactivity notice went
    unanswered (P31): the same cascade, logged under ``trigger``, with a receipt that says why.
    Staff and operators are refused here too (``ValidationError``)."""
    return _erase(user_pk=user.pk, actor=SYSTEM, trigger=trigger, receipt_template=receipt_template)


def _erase(*, user_pk: Any, actor: Actor, trigger: str, receipt_template: str) -> ErasureReceipt:
    user = User.objects.select_for_update().get(pk=user_pk)
    refusal = erasure_refusal(user)
    if refusal is not None:
        raise refusal
    account_ref = str(user.pk)
    address = user.email if user.email_verified_at is not None else ""
    now = timezone.now()

    rows = _collect(user)
    key_ids = _data_key_ids(user, rows)
    live_keys = DataKey.objects.filter(pk__in=key_ids, wrapped__isnull=False).count()
    counts = _counts(rows)

    cancelled = 0
    done: dict[str, int] = {}
    for found in rows:
        if found.kind.erasure == Erasure.KEEP_ANONYMOUS:
            if found.kind.model_class is Booking:
                cancelled = _cancel_future_bookings(found.pks, now=now)
            done[found.kind.model] = _strip(found)

    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=user,
        subject_ref=account_ref,
        detail={"trigger": trigger, "counts": {count.model: count.count for count in counts}},
    )
    user.delete()
    for found in rows:
        if found.kind.erasure in REMOVED:
            # Whatever the cascade left (a softer on_delete somewhere) goes now.
            found.kind.model_class._default_manager.filter(pk__in=found.pks).delete()
            done[found.kind.model] = len(found.pks)
    for key_id in sorted(key_ids):
        data_key_destroy(key_id=key_id)

    DeletionLogEntry.objects.bulk_create(
        [
            DeletionLogEntry(
                data_kind=count.model, rule=str(count.erasure.value), count=done[count.model], trigger=trigger
            )
            for count in counts
            if count.model in done
        ]
        + [DeletionLogEntry(data_kind="core.DataKey", rule=str(Erasure.SHRED.value), count=live_keys, trigger=trigger)]
    )
    # Outside the database too (ids only), so a restore of an older backup erases the person again.
    from guichet.privacy.backups.deletion_log import record_on_commit

    record_on_commit(
        kind=trigger,
        user=account_ref,
        data_keys=key_ids,
        rows={found.kind.model: found.pks for found in rows if found.kind.erasure in REMOVED},
    )
    if address:
        # The address only, nothing else of the account: the receipt says what happened, not to whom.
        account_email_send(to=address, template=receipt_template)
    return ErasureReceipt(
        account_ref=account_ref, kinds=counts, data_keys_destroyed=live_keys, bookings_cancelled=cancelled
    )
