"""Versions of the privacy statement (P35).

An operator publishes a version with a summary of its changes in the four languages. Every
account with a confirmed address gets the summary by email; the version takes effect
``GUICHET_STATEMENT_OBJECTION_DAYS`` after publication for everyone who did not object before
then. Whoever objected stays on the version that applied to them before, and the operator
contacts them (the admin lists the objections).

Only one version is pending at a time: the next one is published once the previous one took
effect, so "the latest version the person did not object to" is always well defined.

The notification run is resumable and sends each account at most one email per version: it
walks the accounts in primary-key order and moves ``notify_cursor`` forward in the same
transaction that enqueues the batch's emails (sent only after the commit). A crash loses at most
the batch in hand (nothing of it was sent); an overlapping run finds the cursor moved and goes on
from there.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.core.actor import Actor, ActorKind
from guichet.core.audit import audit_record
from guichet.core.email import send_templated_email
from guichet.core.keys import data_keys_preload
from guichet.core.language import active_language
from guichet.core.models import AuditEvent
from guichet.privacy.models import StatementObjection, StatementVersion

NOTICE_TEMPLATE = "privacy/statement_changed"
#: accounts emailed per transaction
NOTIFY_BATCH_SIZE = 200
#: a summary is read in an email and on the statement page: a few paragraphs at most
SUMMARY_MAX_LENGTH = 4000


def summary_languages() -> list[tuple[str, str]]:
    """(code, name) of every language the summary must be written in: the portal's languages."""
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def _date(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


# --- Reads --------------------------------------------------------------------------------------


def current_version(now: datetime.datetime | None = None) -> StatementVersion | None:
    """The latest version in force for everyone who did not object to it."""
    now = now or timezone.now()
    return StatementVersion.objects.filter(effective_at__lte=now).order_by("-version").first()


def pending_version(now: datetime.datetime | None = None) -> StatementVersion | None:
    """The version published but not in force yet (objections still possible), if any."""
    now = now or timezone.now()
    return StatementVersion.objects.filter(published_at__lte=now, effective_at__gt=now).order_by("version").first()


def version_for(*, user: User, now: datetime.datetime | None = None) -> StatementVersion | None:
    """The version that applies to ``user``: the latest one in force that they did not object to."""
    now = now or timezone.now()
    return (
        StatementVersion.objects.filter(effective_at__lte=now)
        .exclude(objections__user=user)
        .order_by("-version")
        .first()
    )


def versions_in_force(now: datetime.datetime | None = None) -> QuerySet[StatementVersion]:
    """Every version that took effect, newest first."""
    return StatementVersion.objects.filter(effective_at__lte=now or timezone.now()).order_by("-version")


def version_get(*, number: int) -> StatementVersion | None:
    """A published version by its number (versions are public)."""
    return StatementVersion.objects.filter(version=number).first()


def summary_in(version: StatementVersion, language: str) -> str:
    """The summary in ``language``, else in the portal's default language."""
    summary: dict[str, str] = version.summary or {}
    return summary.get(language) or summary.get(settings.LANGUAGE_CODE) or next(iter(summary.values()), "")


# --- Publishing (operators) ---------------------------------------------------------------------


def _may_publish(actor: Actor) -> bool:
    """An operator: in the admin (``is_staff``), or at the server's command line (system)."""
    if actor.kind is ActorKind.SYSTEM:
        return True
    return actor.user is not None and actor.user.is_staff


def _clean_summary(summary: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    cleaned = {code: str(summary.get(code) or "").strip() for code, _name in summary_languages()}
    errors = []
    missing = [name for code, name in summary_languages() if not cleaned[code]]
    if missing:
        errors.append(
            _("The summary of changes is missing in: %(languages)s. Write it in every language of the portal.")
            % {"languages": ", ".join(missing)}
        )
    too_long = [name for code, name in summary_languages() if len(cleaned[code]) > SUMMARY_MAX_LENGTH]
    if too_long:
        errors.append(
            _("The summary of changes is longer than %(max)d characters in: %(languages)s. Keep it short.")
            % {"max": SUMMARY_MAX_LENGTH, "languages": ", ".join(too_long)}
        )
    return cleaned, errors


@transaction.atomic
def statement_publish(
    *, actor: Actor, version: int, summary: dict[str, str], now: datetime.datetime | None = None
) -> StatementVersion:
    """Publish a new version: it takes effect ``GUICHET_STATEMENT_OBJECTION_DAYS`` from now, and
    every account is emailed its summary (by ``statement_notices_task``, started after the commit).

    Raises ``PermissionDenied`` for anyone but an operator and ``ValidationError`` (by field:
    ``version``, ``summary``) when the number is not higher than every published one, a version is
    still pending, or the summary is missing or too long in one of the languages."""
    if not _may_publish(actor):
        raise PermissionDenied("only an operator publishes a version of the privacy statement")
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    cleaned, summary_errors = _clean_summary(summary)
    if summary_errors:
        errors["summary"] = summary_errors
    latest = StatementVersion.objects.select_for_update().order_by("-version").first()
    if version < 1:
        errors["version"] = [_("The version number must be 1 or higher.")]
    elif latest is not None and version <= latest.version:
        errors["version"] = [
            _("The version number must be higher than that of the latest published version, %(number)d.")
            % {"number": latest.version}
        ]
    elif latest is not None and latest.effective_at > now:
        errors["version"] = [
            _("Version %(number)d takes effect on %(date)s. Publish the next version after that date.")
            % {"number": latest.version, "date": _date(latest.effective_at)}
        ]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            published = StatementVersion.objects.create(
                version=version,
                summary=cleaned,
                published_at=now,
                effective_at=now + datetime.timedelta(days=settings.GUICHET_STATEMENT_OBJECTION_DAYS),
            )
    except IntegrityError:
        # Another operator published the same number a moment ago.
        raise ValidationError(
            {"version": [_("Version %(number)d was published just now by someone else.") % {"number": version}]}
        ) from None
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=published, detail={"version": version})
    transaction.on_commit(_start_notification)
    return published


def _start_notification() -> None:
    from guichet.privacy.tasks import statement_notices_task  # the tasks module imports this one

    statement_notices_task.enqueue()


# --- Telling everyone (P35) ---------------------------------------------------------------------


def _recipients(version: StatementVersion) -> QuerySet[User]:
    """Accounts with a confirmed address that existed when the version was published; later
    ones see the pending version on the statement page and in their privacy centre."""
    return User.objects.filter(
        is_active=True, email_verified_at__isnull=False, date_joined__lte=version.published_at
    ).order_by("pk")


def _notice_context(version: StatementVersion, language: str) -> dict[str, Any]:
    others = [
        {"code": code, "language": name, "text": version.summary.get(code, "")}
        for code, name in summary_languages()
        if code != language and version.summary.get(code)
    ]
    return {
        "version": version.version,
        "effective_at": version.effective_at,
        "summary": summary_in(version, language),
        "other_summaries": others,
        "statement_url": settings.SITE_URL + reverse("privacy:statement"),
        "centre_url": settings.SITE_URL + reverse("privacy_centre:index"),
    }


def statement_notify(
    *, version: StatementVersion, batch_size: int | None = None, now: datetime.datetime | None = None
) -> int:
    """Email the summary of ``version`` to every recipient not emailed yet; returns how many were
    emailed by this call. Safe to run twice, concurrently, or after a crash (see the module
    docstring). Marks the version ``notified_at`` when everyone has had it."""
    batch_size = batch_size or NOTIFY_BATCH_SIZE
    # Accounts store no language: the email is in the portal's default language and carries the
    # summary in the other languages as well, so that everybody can read what changes.
    language = settings.LANGUAGE_CODE
    sent = 0
    while True:
        with transaction.atomic():
            current = StatementVersion.objects.select_for_update().get(pk=version.pk)
            if current.notified_at is not None:
                return sent
            recipients = _recipients(current)
            if current.notify_cursor:
                recipients = recipients.filter(pk__gt=current.notify_cursor)
            users = list(recipients[:batch_size])
            done = len(users) < batch_size
            claimed = StatementVersion.objects.filter(
                pk=current.pk, notify_cursor=current.notify_cursor, notified_at__isnull=True
            ).update(
                notify_cursor="" if done else str(users[-1].pk),
                notified_count=F("notified_count") + len(users),
                notified_at=(now or timezone.now()) if done else None,
            )
            if not claimed:
                continue  # another run moved the cursor: read it again
            context = _notice_context(current, language)
            data_keys_preload(key_ids={user.data_key_id for user in users})
            for user in users:
                send_templated_email(to=user.email, template=NOTICE_TEMPLATE, context=context, language=language)
            sent += len(users)
        if done:
            return sent


def statement_notify_pending(*, batch_size: int | None = None) -> int:
    """Notify for every version whose emails are not all out yet (the periodic task)."""
    return sum(
        statement_notify(version=version, batch_size=batch_size)
        for version in StatementVersion.objects.filter(notified_at__isnull=True).order_by("version")
    )


# --- Objections (account holders) ---------------------------------------------------------------


def _holder(actor: Actor) -> User:
    if not actor.is_citizen or actor.user is None:
        raise PermissionDenied("only an account holder objects to a version of the privacy statement")
    return actor.user


def _check_open(version: StatementVersion, now: datetime.datetime) -> None:
    if now >= version.effective_at:
        raise ValidationError(
            _(
                "Version %(number)d took effect on %(date)s. Objections were possible until then. "
                "Write to the privacy contact, %(contact)s, if you do not agree with it."
            )
            % {
                "number": version.version,
                "date": _date(version.effective_at),
                "contact": settings.GUICHET_PRIVACY_CONTACT,
            },
            code="closed",
        )


def statement_object(
    *, actor: Actor, version: StatementVersion, now: datetime.datetime | None = None
) -> StatementObjection:
    """Record the actor's objection to ``version`` (idempotent: a second objection changes
    nothing). Raises ``ValidationError`` once the version took effect."""
    user = _holder(actor)
    now = now or timezone.now()
    _check_open(version, now)
    objection, _created = StatementObjection.objects.get_or_create(version=version, user=user, defaults={"at": now})
    return objection


def statement_withdraw_objection(
    *, actor: Actor, version: StatementVersion, now: datetime.datetime | None = None
) -> bool:
    """Withdraw the actor's objection before ``version`` takes effect; ``False`` if there was none."""
    user = _holder(actor)
    _check_open(version, now or timezone.now())
    deleted, _per_model = StatementObjection.objects.filter(version=version, user=user).delete()
    return deleted > 0


def objection_of(*, actor: Actor, version: StatementVersion) -> StatementObjection | None:
    return StatementObjection.objects.filter(version=version, user=_holder(actor)).first()


# --- What the pages show ------------------------------------------------------------------------


def centre_context(*, actor: Actor) -> dict[str, Any]:
    """The privacy centre's part: the version that applies to the holder, a pending version with
    its summary and the objection button, and what an objection made means for them."""
    user = _holder(actor)
    now = timezone.now()
    language = active_language()
    latest = current_version(now)
    in_force = version_for(user=user, now=now)
    pending = pending_version(now)
    return {
        "statement_latest": latest,
        "statement_in_force": in_force,
        # The person objected to the latest version in force: an older one applies to them.
        "statement_objected": objection_of(actor=actor, version=latest)
        if latest is not None and latest != in_force
        else None,
        "statement_pending": pending,
        "statement_pending_summary": summary_in(pending, language) if pending is not None else "",
        "statement_pending_objection": objection_of(actor=actor, version=pending) if pending is not None else None,
    }


def statement_page_context(now: datetime.datetime | None = None) -> dict[str, Any]:
    """For the public statement (``/privacy/``): the version in force, the pending one and the
    earlier ones, each with its summary in the reader's language."""
    from guichet.privacy.selectors import period_text  # the selectors module imports this one

    now = now or timezone.now()
    language = active_language()
    in_force = list(versions_in_force(now))
    pending = pending_version(now)
    return {
        "statement_version": in_force[0] if in_force else None,
        "statement_version_summary": summary_in(in_force[0], language) if in_force else "",
        "statement_pending": pending,
        "statement_pending_summary": summary_in(pending, language) if pending is not None else "",
        "statement_earlier_versions": [
            {"version": version, "summary": summary_in(version, language)} for version in in_force[1:]
        ],
        "statement_objection_period": period_text(datetime.timedelta(days=settings.GUICHET_STATEMENT_OBJECTION_DAYS)),
    }
