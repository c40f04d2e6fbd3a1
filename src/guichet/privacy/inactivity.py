"""The inactivity lifecycle (P31): an account without login for more than
``GUICHET_INACTIVITY_DAYS`` gets an email asking its holder to log in within
``GUICHET_INACTIVITY_GRACE_DAYS``; an account whose notice went unanswered is erased through the
account erasure cascade (``privacy.erasure``), logged with the trigger ``inactivity``. A login in
between deletes the notice (``privacy.signals``), which starts the clock afresh.

"Last activity" is the last login, or the registration for an account that never logged in.
"More than" is strict: an account whose last login lies exactly ``GUICHET_INACTIVITY_DAYS`` ago
is not notified yet; the erasure is due from the moment ``erase_after`` is reached.

Never erased automatically, only counted in the result:

- operators (``is_staff``/``is_superuser``) and staff of an authority: an authority stays
  accountable for who had access, so an administrator removes such access first (as for P30);
- deactivated accounts: an operator took the account out of its holder's hands, for a reason
  this job cannot know;
- accounts with a profile whose processing is restricted (P23): the holder asked us to keep the
  data and to stop processing it, and this job must not override that.

Accounts whose address was never confirmed get no email (the address may not be theirs, and such
an account cannot log in anyway); they are erased once they are as old as the inactivity period.

The run goes in batches of ``GUICHET_INACTIVITY_BATCH_SIZE`` (one short transaction per batch of
notices, one per erased account), can count without changing anything (``dry_run``), and stamps
``ProofRun("inactivity_run")`` so the privacy statement can show when it last ran.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation

from guichet.accounts.models import Profile, User
from guichet.core.email import send_templated_email
from guichet.core.keys import data_keys_preload
from guichet.core.models import ProofRun, StaffMembership
from guichet.privacy.erasure import account_erase_by_system
from guichet.privacy.models import InactivityNotice

logger = logging.getLogger("guichet.privacy.inactivity")

PROOF_NAME = "inactivity_run"
TRIGGER = "inactivity"
NOTICE_TEMPLATE = "privacy/inactivity_notice"
RECEIPT_TEMPLATE = "privacy/inactivity_erased"


@dataclass(frozen=True)
class InactivityResult:
    """What one run did (or, in a dry run, would do): counts only."""

    notified: int = 0  # notices sent
    erased: int = 0  # accounts erased after an unanswered notice
    erased_unconfirmed: int = 0  # never confirmed, as old as the inactivity period: erased without email
    reset: int = 0  # notices dropped: the holder logged in, or the account is exempt now
    kept_staff: int = 0  # inactive operators and staff of authorities: never erased automatically
    kept_deactivated: int = 0  # inactive accounts an operator deactivated
    kept_restricted: int = 0  # inactive accounts with restricted processing (P23)
    failed: int = 0  # erasures that failed (logged; retried on the next run)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def counts(self) -> dict[str, int]:
        return {name: value for name, value in asdict(self).items() if name != "dry_run"}


# --- Who is inactive --------------------------------------------------------------------------


def inactivity_cutoff(now: datetime.datetime) -> datetime.datetime:
    """Accounts whose last activity lies before this moment are inactive."""
    return now - datetime.timedelta(days=settings.GUICHET_INACTIVITY_DAYS)


def _is_staff() -> Q:
    return Q(is_staff=True) | Q(is_superuser=True) | Q(Exists(StaffMembership.objects.filter(user=OuterRef("pk"))))


def _is_restricted() -> Q:
    return Q(Exists(Profile.objects.filter(owner=OuterRef("pk"), restricted_at__isnull=False)))


def _has_notice() -> Q:
    return Q(Exists(InactivityNotice.objects.filter(user=OuterRef("pk"))))


def inactive_accounts(now: datetime.datetime) -> QuerySet[User]:
    """Every account without activity for more than the inactivity period, exempt or not."""
    return User.objects.alias(last_activity=Coalesce("last_login", "date_joined")).filter(
        last_activity__lt=inactivity_cutoff(now)
    )


def _erasable(queryset: QuerySet[User]) -> QuerySet[User]:
    """Leave out the accounts this job never erases (see the module docstring)."""
    return queryset.filter(is_active=True).exclude(_is_staff()).exclude(_is_restricted())


def _notice_candidates(now: datetime.datetime) -> QuerySet[User]:
    return _erasable(inactive_accounts(now)).filter(email_verified_at__isnull=False).exclude(_has_notice())


def _unconfirmed_due(now: datetime.datetime) -> QuerySet[User]:
    return _erasable(inactive_accounts(now)).filter(email_verified_at__isnull=True)


def _due_notices(now: datetime.datetime) -> QuerySet[InactivityNotice]:
    """Notices whose grace period ended without a login since they were sent."""
    return InactivityNotice.objects.filter(erase_after__lte=now).filter(
        Q(user__last_login__isnull=True) | Q(user__last_login__lte=F("sent_at"))
    )


def _stale_notices(now: datetime.datetime) -> QuerySet[InactivityNotice]:
    """Notices that no longer stand: the holder logged in after all (a path that bypassed the
    login signal), or the account became exempt (staff, deactivated, restricted)."""
    erasable = _erasable(User.objects.all()).values("pk")
    return InactivityNotice.objects.filter(Q(user__last_login__gt=F("sent_at")) | ~Q(user__in=erasable))


def _batches(queryset: QuerySet[Any], batch_size: int) -> Iterator[list[Any]]:
    """Primary keys in batches, by keyset: every row is visited at most once, even when a batch
    leaves rows behind (a login in between, a failed erasure)."""
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        pks = list(page.values_list("pk", flat=True)[:batch_size])
        if not pks:
            return
        yield pks
        last = pks[-1]
        if len(pks) < batch_size:
            return


# --- The steps --------------------------------------------------------------------------------


def _notify(*, now: datetime.datetime, batch_size: int) -> int:
    from guichet.privacy.selectors import period_text

    erase_after = now + datetime.timedelta(days=settings.GUICHET_INACTIVITY_GRACE_DAYS)
    language = settings.LANGUAGE_CODE  # accounts store no language: the portal's default
    with translation.override(language):
        inactive_for = period_text(datetime.timedelta(days=settings.GUICHET_INACTIVITY_DAYS))
    context = {
        "deadline": erase_after,
        "inactive_for": inactive_for,
        "login_url": settings.SITE_URL + reverse("auth:login"),
    }
    sent = 0
    for pks in _batches(_notice_candidates(now), batch_size):
        with transaction.atomic():
            # Checked again under the row lock: whoever logged in meanwhile is left alone.
            users = list(_notice_candidates(now).filter(pk__in=pks).select_for_update().order_by("pk"))
            InactivityNotice.objects.bulk_create(
                [InactivityNotice(user=user, sent_at=now, erase_after=erase_after) for user in users]
            )
            data_keys_preload(key_ids={user.data_key_id for user in users})
            for user in users:
                # No name and nothing of the account: the address alone receives it (P31, P13).
                send_templated_email(to=user.email, template=NOTICE_TEMPLATE, context=context, language=language)
            sent += len(users)
    return sent


def _erase_each(pks: list[Any], *, still_due: QuerySet[User]) -> tuple[int, int]:
    """Erase each account in its own transaction, if it is still due once its row is locked.
    Returns (erased, failed)."""
    erased = failed = 0
    for user_pk in pks:
        try:
            with transaction.atomic():
                user = still_due.filter(pk=user_pk).select_for_update().first()
                if user is None:
                    continue  # logged in meanwhile, or exempt now
                account_erase_by_system(user=user, trigger=TRIGGER, receipt_template=RECEIPT_TEMPLATE)
                erased += 1
        except (DatabaseError, ValidationError):
            # One account must not stop the others; the run is marked failed and retried tomorrow.
            logger.exception("inactivity erasure of account %s failed", user_pk)
            failed += 1
    return erased, failed


def _erase_notified(*, now: datetime.datetime, batch_size: int) -> tuple[int, int]:
    due = _erasable(User.objects.all()).filter(Exists(_due_notices(now).filter(user=OuterRef("pk"))))
    erased = failed = 0
    for pks in _batches(due, batch_size):
        done, broken = _erase_each(pks, still_due=due)
        erased, failed = erased + done, failed + broken
    return erased, failed


def _erase_unconfirmed(*, now: datetime.datetime, batch_size: int) -> tuple[int, int]:
    due = _unconfirmed_due(now)
    erased = failed = 0
    for pks in _batches(due, batch_size):
        done, broken = _erase_each(pks, still_due=due)
        erased, failed = erased + done, failed + broken
    return erased, failed


def _reset_stale(*, now: datetime.datetime, batch_size: int) -> int:
    reset = 0
    for pks in _batches(_stale_notices(now), batch_size):
        with transaction.atomic():
            reset += InactivityNotice.objects.filter(pk__in=pks).filter(pk__in=_stale_notices(now)).delete()[0]
    return reset


def _kept(now: datetime.datetime) -> dict[str, int]:
    """How many inactive accounts this job leaves alone, by reason."""
    inactive = inactive_accounts(now)
    return {
        "kept_staff": inactive.filter(_is_staff()).count(),
        "kept_deactivated": inactive.filter(is_active=False).exclude(_is_staff()).count(),
        "kept_restricted": inactive.filter(is_active=True).exclude(_is_staff()).filter(_is_restricted()).count(),
    }


# --- Public API -------------------------------------------------------------------------------


def inactivity_run(
    *, now: datetime.datetime | None = None, dry_run: bool = False, batch_size: int | None = None
) -> InactivityResult:
    """Erase the accounts whose notice went unanswered, then notify the newly inactive ones.
    ``dry_run`` counts what would happen and changes nothing (no email, no erasure, no stamp)."""
    now = now or timezone.now()
    batch_size = batch_size or settings.GUICHET_INACTIVITY_BATCH_SIZE
    kept = _kept(now)
    if dry_run:
        erasable = _erasable(User.objects.all()).values("pk")
        result = InactivityResult(
            notified=_notice_candidates(now).count(),
            erased=_due_notices(now).filter(user__in=erasable).count(),
            erased_unconfirmed=_unconfirmed_due(now).count(),
            reset=_stale_notices(now).count(),
            dry_run=True,
            kept_staff=kept["kept_staff"],
            kept_deactivated=kept["kept_deactivated"],
            kept_restricted=kept["kept_restricted"],
        )
        logger.info("inactivity dry run %s", result.counts())
        return result

    reset = _reset_stale(now=now, batch_size=batch_size)
    erased, failed_notified = _erase_notified(now=now, batch_size=batch_size)
    erased_unconfirmed, failed_unconfirmed = _erase_unconfirmed(now=now, batch_size=batch_size)
    notified = _notify(now=now, batch_size=batch_size)
    result = InactivityResult(
        notified=notified,
        erased=erased,
        erased_unconfirmed=erased_unconfirmed,
        reset=reset,
        failed=failed_notified + failed_unconfirmed,
        kept_staff=kept["kept_staff"],
        kept_deactivated=kept["kept_deactivated"],
        kept_restricted=kept["kept_restricted"],
    )
    ProofRun.objects.update_or_create(
        name=PROOF_NAME, defaults={"last_run_at": timezone.now(), "ok": result.ok, "summary": result.counts()}
    )
    logger.info("inactivity run %s", result.counts())
    return result


def inactivity_reset(*, user: User) -> int:
    """A login: the account is in use again, its notice (if any) no longer stands."""
    return InactivityNotice.objects.filter(user=user).delete()[0]


def last_inactivity_run() -> ProofRun | None:
    return ProofRun.objects.filter(name=PROOF_NAME).first()
