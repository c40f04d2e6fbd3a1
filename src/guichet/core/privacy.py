"""Core's entries in the privacy registry (P01, P02, P09): staff, keys, audit trail, sessions."""

from __future__ import annotations

import datetime

from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from guichet.core.models import AuditEvent
from guichet.core.registry import Category, DataKind, Erasure, NotPersonal, RetentionRule, registry

# The database refuses to delete younger audit rows (migration 0002 keeps a one-day margin
# below this, so clock skew between app and database never makes a sweep batch fail).
AUDIT_RETENTION = datetime.timedelta(days=730)


def _expired_sessions(now: datetime.datetime) -> QuerySet[Session]:
    return Session.objects.filter(expire_date__lt=now)


def _old_audit_events(now: datetime.datetime) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(at__lt=now - AUDIT_RETENTION)


registry.register(
    DataKind(
        model="core.StaffMembership",
        category=Category.MASTER,
        purpose=_("Give staff access to the cases of their authority"),
        legal_basis=_("Public-law mandate of the authority"),
        person_links=("user",),
        retention_text=_("while the person works for the authority"),
    ),
    DataKind(
        model="core.DataKey",
        category=Category.MASTER,
        purpose=_("Encrypt each person's data at rest with a key of its own"),
        legal_basis=_("Data security (Art. 8 FADP, Art. 32 GDPR)"),
        fields=("wrapped",),
        retention_text=_("while the account exists; destroyed when the account is deleted"),
        erasure=Erasure.SHRED,
    ),
    DataKind(
        model="core.AuditEvent",
        category=Category.USAGE,
        purpose=_("Record every access of staff and integrations to personal data, so you can see it"),
        legal_basis=_("Data security and accountability (Art. 8 FADP, Art. 5(2) GDPR)"),
        # subject_ref and actor_ref are opaque ids, never names or addresses.
        fields=("actor_ref", "subject_ref", "object_ref", "detail"),
        retention=RetentionRule(
            name="audit_events_2y",
            start_event=_("the access"),
            period=AUDIT_RETENTION,
            due=_old_audit_events,
        ),
        erasure=Erasure.KEEP_ANONYMOUS,
    ),
    DataKind(
        model="sessions.Session",
        category=Category.USAGE,
        purpose=_("Keep you logged in and protect forms against forgery"),
        legal_basis=_("Necessary to provide the service you asked for"),
        fields=("session_data",),
        retention=RetentionRule(
            name="expired_sessions",
            start_event=_("the end of the session"),
            period=datetime.timedelta(0),
            due=_expired_sessions,
        ),
    ),
    DataKind(
        model="admin.LogEntry",
        category=Category.USAGE,
        purpose=_("Trace changes operators make in the administration"),
        legal_basis=_("Data security and accountability (Art. 8 FADP, Art. 5(2) GDPR)"),
        fields=("object_repr", "change_message"),
        person_links=("user",),
        retention_text=_("while the operator account exists"),
    ),
)

registry.exempt(
    NotPersonal(
        model="core.Authority",
        fields=("name", "email", "phone"),
        reason="public contact data of an authority, not of a person",
    ),
    NotPersonal(
        model="core.DeletionLogEntry",
        fields=(),
        reason="counts per data kind and rule only, never who or what was deleted",
    ),
    NotPersonal(model="core.ProofRun", fields=("name",), reason="name of a periodic proof, with dates and counts"),
)
