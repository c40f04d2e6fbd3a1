"""What a submission looks like outside the portal: the receipt PDF and the JSON export.

``submission_pdf(audience="citizen")`` is the receipt in the citizen's account: the reference, the
service, the authority, when it was sent, the form and its version, the fee and every answer as
the citizen saw it (``answer_sections``, the wording of the form version that was answered). It
confirms receipt, not a decision, and shows nothing the authority keeps internal.
``audience="staff"`` adds what a clerk needs on paper: the profile, the current (possibly
internal) status, the assignee and how many internal events there are.

``submission_json`` is the machine-readable export for the authority (back-office, API): raw
answer values and the files given with the form, with their SHA-256.

Callers fetch the case through a scoped selector first; nothing here checks permissions.
"""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from guichet.cases.models import Case
from guichet.cases.workflow import case_definition, status_label
from guichet.catalogue.models import pick
from guichet.core.pdf import PdfDocument, PdfRow, PdfSection, render_pdf
from guichet.eforms.answers import answer_sections
from guichet.eforms.pricing import calculate_fee

Audience = Literal["citizen", "staff"]

__all__ = ["Audience", "chf", "local_datetime", "submission_json", "submission_pdf"]


def _zone() -> zoneinfo.ZoneInfo:
    """The portal's time zone (Europe/Zurich unless the operator set another)."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE or "Europe/Zurich")


def local_datetime(value: datetime.datetime) -> str:
    """``value`` in the portal's local time, formatted for the active language."""
    return formats.date_format(timezone.localtime(value, _zone()), "DATETIME_FORMAT")


def chf(amount: Decimal) -> str:
    """An amount in Swiss francs, two decimals, formatted for the active language."""
    return f"CHF {formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)}"


def _fee_section(case: Case, language: str) -> PdfSection:
    submission = case.submission
    definition = case_definition(case)
    fee = calculate_fee(definition, submission.answers or {})
    rows: list[PdfRow] = []
    for line in fee.lines:
        label = pick(dict(line.label), language)
        if line.quantity != 1:
            label = f"{label} ({line.quantity} \N{MULTIPLICATION SIGN} {chf(line.unit_price)})"
        rows.append(PdfRow(label, chf(line.amount)))
    rows.append(PdfRow(_("Total"), chf(submission.fee)))
    paragraphs = () if submission.fee else (_("This service is free of charge."),)
    return PdfSection(_("Fee"), rows=tuple(rows) if submission.fee else (), paragraphs=paragraphs)


def _answer_sections(case: Case, language: str) -> list[PdfSection]:
    definition = case_definition(case)
    sections = answer_sections(definition, case.submission.answers or {}, language=language, include_empty=False)
    return [
        PdfSection(
            heading=section.title,
            rows=tuple(PdfRow(row.label, row.value) for row in section.rows),
            paragraphs=() if section.rows else (_("No answers in this step."),),
        )
        for section in sections
    ]


def _staff_section(case: Case, language: str) -> PdfSection:
    profile = case.profile
    internal = case.events.filter(visible=False).count()
    assignee = case.assignee
    return PdfSection(
        _("Processing (internal)"),
        rows=(
            PdfRow(_("Applicant"), f"{profile.get_kind_display()}: {profile.display_name}"),
            PdfRow(_("Status"), status_label(case, case.status, language)),
            PdfRow(_("Assigned to"), assignee.display_name if assignee is not None else _("Nobody")),
            PdfRow(_("Internal events"), str(internal)),
        ),
    )


def submission_pdf(*, case: Case, language: str, audience: Audience = "citizen") -> bytes:
    """The receipt (``citizen``) or the clerk's copy (``staff``) of the case's submission, as PDF."""
    if audience not in ("citizen", "staff"):
        raise ValueError(f"unknown audience {audience!r}")
    language = (language or settings.LANGUAGE_CODE).split("-")[0]
    with translation.override(language):
        submission = case.submission
        definition = case_definition(case)
        form_title = definition.title_text(language)
        service_title = pick(case.service.title, language) or case.service.slug
        meta = (
            PdfRow(_("Reference"), case.reference),
            PdfRow(_("Service"), service_title),
            PdfRow(_("Authority"), case.authority.name),
            PdfRow(_("Submitted"), local_datetime(submission.submitted_at)),
            PdfRow(
                _("Form"),
                _("%(title)s, version %(version)s") % {"title": form_title, "version": submission.form_version.version},
            ),
            PdfRow(_("Fee"), chf(submission.fee)),
        )
        sections: list[PdfSection] = []
        if audience == "staff":
            sections.append(_staff_section(case, language))
        sections.append(_fee_section(case, language))
        sections.extend(_answer_sections(case, language))
        sections.append(
            PdfSection(
                _("About this receipt"),
                paragraphs=(
                    _(
                        "This receipt confirms that %(authority)s received the application (%(date)s). "
                        "It is not a decision: the authority will tell you its decision separately."
                    )
                    % {"authority": case.authority.name, "date": local_datetime(submission.submitted_at)},
                    _("Give the reference %(reference)s when you contact the authority about this application.")
                    % {"reference": case.reference},
                ),
            )
        )
        title = _("Receipt") if audience == "citizen" else _("Submission (copy for the authority)")
        document = PdfDocument(
            title=title,
            issuer=f"{case.authority.name} \N{EN DASH} {settings.GUICHET_PORTAL_NAME}",
            language=language,
            meta=meta,
            sections=tuple(sections),
            footer=f"{case.reference} \N{EN DASH} "
            + _("page %(page)s of %(pages)s") % {"page": "{page}", "pages": "{pages}"},
            subject=f"{title} {case.reference}",
            accent=case.authority.theme_primary,
            # The receipt says what was received: the same bytes every time it is downloaded.
            created_at=submission.submitted_at if audience == "citizen" else timezone.now(),
        )
        return render_pdf(document)


def submission_json(*, case: Case) -> dict[str, Any]:
    """The submission as data, for the authority: raw answers (JSON values as stored), the form
    version they answer, and the files given with the form and added later."""
    submission = case.submission
    form_version = submission.form_version
    return {
        "reference": case.reference,
        "service": case.service.slug,
        "authority": case.authority.slug,
        "submitted_at": submission.submitted_at.isoformat(),
        "language": submission.language,
        "form": {"slug": form_version.slug, "version": form_version.version, "digest": form_version.digest},
        "fee": {"currency": "CHF", "total": str(submission.fee)},
        "status": case.status,
        "is_closed": case.is_closed,
        "answers": submission.answers or {},
        "uploads": [
            {
                "id": str(upload.pk),
                "field": upload.field_key,
                "name": upload.name,
                "type": upload.content_type,
                "size": upload.size,
                "sha256": upload.sha256,
            }
            for upload in submission.uploads.all()
        ],
        "attachments": [
            {
                "id": str(attachment.pk),
                "name": attachment.name,
                "type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "added_at": attachment.created_at.isoformat(),
            }
            for attachment in case.attachments.all()
        ],
    }
