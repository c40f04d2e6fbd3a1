"""Registry entries (P01) for privacy requests (P11) and the disclosure register (P34).

- ``privacy.PrivacyRequest``: the person's request and the handler's answer, encrypted under the
  account's data key. Deleted with the account (its key is destroyed: crypto-shredding), and
  ``REQUEST_RETENTION`` after the answer (the handler's proof that the request was dealt with).
- ``privacy.Disclosure``: the operator's legal record of a disclosure to an authority. It outlives
  the account without the person: erasure strips the link (the foreign key is also ``SET_NULL``),
  so the operator can still account for what was disclosed, to whom and on which order. It is
  deleted ``disclosures.RETENTION`` after the disclosure. The export lists only disclosures that no
  legal bar hides (the rule lives in ``disclosures.disclosures_of_user``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.core.registry import Category, DataKind, Erasure, RetentionRule, registry
from guichet.privacy import disclosures
from guichet.privacy.export import CHUNK_SIZE, date_after, iso
from guichet.privacy.models import PrivacyRequest
from guichet.privacy.requests import ANSWERED_STATUSES, answered_by, deadline

if TYPE_CHECKING:
    from guichet.accounts.models import User

#: answered requests are kept this long after the answer, then deleted
REQUEST_RETENTION = datetime.timedelta(days=3 * 365)


def _answered_requests(now: datetime.datetime) -> QuerySet[PrivacyRequest]:
    return PrivacyRequest.objects.filter(status__in=ANSWERED_STATUSES, answered_at__lt=now - REQUEST_RETENTION)


def _export_requests(user: User) -> Iterator[dict[str, Any]]:
    requests = (
        PrivacyRequest.objects.filter(user=user).select_related("case", "authority").order_by("received_at", "pk")
    )
    for request in requests.iterator(chunk_size=CHUNK_SIZE):
        due = deadline(request)
        yield {
            "reference": request.reference,
            "kind": str(request.get_kind_display()),
            "case": request.case.reference if request.case else None,
            "answered_by": answered_by(request),
            "status": str(request.get_status_display()),
            "received": iso(request.received_at),
            "answer_due": iso(request.due_at) if due is not None else None,
            "deadline_extended": iso(request.extended_at),
            "reason_for_the_extension": request.extension_reason or "",
            "request": request.body or "",
            "answered": iso(request.answered_at),
            "answer": request.answer or "",
            "deleted_on": date_after(request.answered_at, REQUEST_RETENTION),
        }


def _export_disclosures(user: User) -> Iterator[dict[str, Any]]:
    for disclosure in disclosures.disclosures_of_user(user).iterator(chunk_size=CHUNK_SIZE):
        yield {
            "disclosed_on": iso(timezone.localdate(disclosure.disclosed_at)),
            "recipient": disclosure.recipient,
            "legal_basis": disclosure.legal_basis,
            "court_order_reference": disclosure.court_order_reference,
            "data_disclosed": disclosure.data_disclosed,
            "deleted_on": date_after(disclosure.disclosed_at, disclosures.RETENTION),
        }


registry.register(
    DataKind(
        model="privacy.PrivacyRequest",
        category=Category.CONTENT,
        purpose=_("Handle your requests about your data (correction, completion, objection) within the legal deadline"),
        legal_basis=_("Your rights as a data subject (Art. 15 to 22 GDPR; Art. 25 to 32 revDSG)"),
        fields=(
            "reference",
            "kind",
            "body",
            "status",
            "received_at",
            "due_at",
            "extended_at",
            "extension_reason",
            "answer",
            "answered_at",
            "language",
        ),
        person_links=("user", "case", "handled_by"),
        retention=RetentionRule(
            name="answered_privacy_requests",
            start_event=_("the answer to the request"),
            period=REQUEST_RETENTION,
            due=_answered_requests,
        ),
        erasure=Erasure.SHRED,
        export=_export_requests,
    ),
    DataKind(
        model="privacy.Disclosure",
        category=Category.CONTENT,
        purpose=_(
            "Record every disclosure of your data to another authority, e.g. to law enforcement on a court order, "
            "and show it to you"
        ),
        legal_basis=_(
            "The operator's legal duty to disclose on a court order and to account for it (Art. 5(2) GDPR; "
            "Art. 12 revDSG)"
        ),
        fields=(
            "recipient",
            "legal_basis",
            "court_order_reference",
            "data_disclosed",
            "disclosed_at",
            "legal_bar_reason",
            "legal_bar_until",
            "recorded_at",
        ),
        person_links=("user", "recorded_by"),
        retention=RetentionRule(
            name="disclosure_register",
            start_event=_("the disclosure"),
            period=disclosures.RETENTION,
            due=disclosures.disclosures_past_retention,
            purge=disclosures.disclosures_anonymise,
        ),
        erasure=Erasure.KEEP_ANONYMOUS,
        export=_export_disclosures,
    ),
)
