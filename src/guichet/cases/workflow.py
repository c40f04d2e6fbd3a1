"""A case's workflow comes from the form version it was submitted with."""

from __future__ import annotations

from guichet.cases.models import Case
from guichet.eforms.definition import CaseStatus, FormDefinition
from guichet.eforms.versions import definition_of


def case_definition(case: Case) -> FormDefinition:
    return definition_of(case.submission.form_version)


def status_of(case: Case, key: str | None = None) -> CaseStatus | None:
    return case_definition(case).status(key or case.status)


def status_label(case: Case, key: str, language: str) -> str:
    status = status_of(case, key)
    return status.label_text(language) if status is not None else key


def case_awaits_reply(case: Case) -> bool:
    """The authority asked the citizen for information and waits for the answer."""
    asking = case_definition(case).asks_citizen_status
    return not case.is_closed and asking is not None and case.status == asking.key
