"""Filling in an online form: start or resume a draft, one page per step, the list of drafts.

Thin: parse input, call a selector or service, render. Every draft is read through
``selectors.draft_get`` (scoped to the active profile): someone else's draft is a 404."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from guichet.accounts.policy import citizen_required
from guichet.catalogue import selectors as catalogue_selectors
from guichet.catalogue.models import pick
from guichet.core.language import active_language
from guichet.core.middleware import request_actor
from guichet.eforms import selectors, services
from guichet.eforms.answers import answer_sections
from guichet.eforms.builder import build_step_form
from guichet.eforms.conditions import prune
from guichet.eforms.definition import FormDefinition
from guichet.eforms.models import Draft, FormVersion
from guichet.eforms.pricing import calculate_fee
from guichet.eforms.versions import definition_of

SAVE_LATER = "later"


def _resume_url(draft: Draft, definition: FormDefinition) -> str:
    if draft.current_step >= len(definition.steps):
        return reverse("eforms:draft_review", args=[draft.pk])
    return reverse("eforms:draft_step", args=[draft.pk, draft.current_step + 1])


def _definition(draft: Draft) -> FormDefinition:
    try:
        return selectors.definition_get(slug=draft.definition_slug)
    except LookupError as exc:  # the definition was withdrawn
        raise Http404 from exc


@citizen_required
@require_http_methods(["GET", "HEAD"])
def draft_start(request: HttpRequest, slug: str) -> HttpResponse:
    """Start the online form of a service, or resume the draft already begun for it."""
    actor = request_actor(request)
    service = catalogue_selectors.service_get(slug=slug)
    if not selectors.definition_exists(slug=service.form_definition):
        raise Http404
    if actor.profile is None:
        messages.info(request, _("Choose the profile you act as before starting an online form."))
        return redirect("account:profiles")
    draft = services.draft_start(actor=actor, service=service)
    return redirect(_resume_url(draft, _definition(draft)))


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def draft_step(request: HttpRequest, draft_id: uuid.UUID, step: int) -> HttpResponse:
    actor = request_actor(request)
    draft = selectors.draft_get(actor=actor, draft_id=draft_id)
    definition = _definition(draft)
    index = step - 1
    if not 0 <= index < len(definition.steps):
        raise Http404
    if index > draft.current_step:  # no skipping ahead of the first unfinished step
        return redirect(_resume_url(draft, definition))
    language = active_language()
    step_keys = [field.key for field in definition.steps[index].fields()]
    answers: dict[str, Any] = dict(draft.answers or {})

    if request.method == "POST":
        form = build_step_form(
            definition=definition,
            step_index=index,
            language=language,
            answers=answers,
            data=request.POST,
            files=request.FILES,
        )
        later = request.POST.get("action") == SAVE_LATER
        valid = form.is_valid()
        if valid or later:
            step_answers = form.answers_of_step if valid else dict(form.cleaned_data)
            services.draft_save_step(
                actor=actor, draft=draft, step_index=index, step_keys=step_keys, answers=step_answers, completed=valid
            )
            if later:
                if valid:
                    messages.success(request, _("Your answers were saved. You can continue later."))
                else:
                    messages.warning(
                        request, _("Your valid answers were saved. Some answers on this step still need correcting.")
                    )
                return redirect("eforms:draft_list")
            return redirect(
                _resume_url(draft, definition)
                if index + 1 >= len(definition.steps)
                else reverse("eforms:draft_step", args=[draft.pk, step + 1])
            )
    else:
        initial = dict(answers)
        prefilled: set[str] = set()
        if not any(key in answers for key in step_keys):  # first visit of this step
            prefill: dict[str, Any] = dict(selectors.profile_prefill(actor=actor))
            address = selectors.profile_address(actor=actor)
            if address is not None:
                prefill.update({f.key: address for f in definition.steps[index].fields() if f.type == "postal_address"})
            prefilled = {key for key in prefill if key in step_keys}
            initial.update({key: prefill[key] for key in prefilled})
        form = build_step_form(definition=definition, step_index=index, language=language, answers=initial)
        verified = selectors.verified_prefill(actor=actor)
        for key, field in form.fields.items():
            if key in verified and initial.get(key) == verified[key]:
                field.prefill_source = "verified"  # type: ignore[attr-defined]
            elif key in prefilled:
                field.prefill_source = "profile"  # type: ignore[attr-defined]
    for key, field in form.fields.items():
        current = answers.get(key)
        if isinstance(current, dict) and "upload" in current:
            field.current_file = current.get("name", "")  # type: ignore[attr-defined]

    steps = [
        {"number": number, "title": pick(dict(item.title), language), "is_current": number == step}
        for number, item in enumerate(definition.steps, start=1)
    ]
    back_url = (
        reverse("eforms:draft_step", args=[draft.pk, step - 1])
        if step > 1
        else reverse("catalogue:detail", args=[draft.service.slug])
    )
    context = {
        "draft": draft,
        "form": form,
        "form_title": definition.title_text(language),
        "step_number": step,
        "step_count": len(definition.steps),
        "step_title": steps[index]["title"],
        "steps": steps,
        "back_url": back_url,
        "is_last": step == len(definition.steps),
        "save_later": SAVE_LATER,
    }
    return render(request, "eforms/draft_step.html", context)


class SubmitForm(forms.Form):
    confirm = forms.BooleanField(
        label=_lazy("I confirm that my answers are complete and true, and I want to send the application now."),
        error_messages={"required": _lazy("Confirm your answers to send the application.")},
    )


def _review_context(draft: Draft, definition: FormDefinition, form: SubmitForm) -> dict[str, Any]:
    language = active_language()
    answers = prune(definition, draft.answers or {})
    fee = calculate_fee(definition, answers)
    return {
        "draft": draft,
        "form": form,
        "form_title": definition.title_text(language),
        "sections": answer_sections(definition, answers, language=language),
        "fee": fee,
        "fee_lines": [(pick(dict(line.label), language), line) for line in fee.lines],
        "back_url": reverse("eforms:draft_step", args=[draft.pk, len(definition.steps)]),
    }


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def draft_review(request: HttpRequest, draft_id: uuid.UUID) -> HttpResponse:
    """Check your answers: every answer with a change link, the fee, the declaration, submit.

    Submitting is idempotent: a second POST for a draft already sent (double click, retry, back
    button) finds the submission and shows its confirmation instead of a second application."""
    actor = request_actor(request)
    if not selectors.draft_list(actor=actor).filter(pk=draft_id).exists():
        submitted = selectors.submission_for_draft(actor=actor, draft_id=draft_id)
        if submitted is None:
            selectors.draft_get(actor=actor, draft_id=draft_id)  # the logged 404
        else:  # double click, retry, or the back button after sending
            if request.method != "POST":
                messages.info(request, _("This application has already been sent."))
            return redirect("eforms:submission_confirmation", submitted.case.pk)
    form = SubmitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            submission = services.submission_create(actor=actor, draft_id=draft_id, language=active_language())
        except services.SubmissionIncomplete as exc:
            messages.error(request, _("Some required answers are missing. Please complete this step."))
            return redirect("eforms:draft_step", draft_id, exc.steps[0])
        return redirect("eforms:submission_confirmation", submission.case.pk)
    draft = selectors.draft_get(actor=actor, draft_id=draft_id)
    definition = _definition(draft)
    if draft.current_step < len(definition.steps):
        return redirect(_resume_url(draft, definition))
    context = _review_context(draft, definition, form)
    return render(request, "eforms/draft_review.html", context, status=400 if form.errors else 200)


@citizen_required
@require_http_methods(["GET", "HEAD"])
def submission_confirmation(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The page after sending: the reference to note, what happens next, the receipt."""
    from guichet.cases.selectors import case_get  # cases builds on eforms

    case = case_get(actor=request_actor(request), case_id=case_id)
    owner = case.profile.owner
    context = {
        "case": case,
        "form_title": definition_title(case.submission.form_version, active_language()),
        "emails": owner.notification_channel == owner.NotificationChannel.EMAIL,
    }
    return render(request, "eforms/submission_confirmation.html", context)


@citizen_required
@require_http_methods(["GET", "HEAD"])
def draft_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    items = [{"draft": draft, "resume_url": _resume_url_or_none(draft)} for draft in selectors.draft_list(actor=actor)]
    return render(request, "eforms/draft_list.html", {"items": items})


def _resume_url_or_none(draft: Draft) -> str | None:
    try:
        definition = selectors.definition_get(slug=draft.definition_slug)
    except LookupError:
        return None
    return _resume_url(draft, definition)


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def draft_delete(request: HttpRequest, draft_id: uuid.UUID) -> HttpResponse:
    actor = request_actor(request)
    draft = selectors.draft_get(actor=actor, draft_id=draft_id)
    if request.method == "POST":
        title = draft.service.title_text
        services.draft_delete(actor=actor, draft=draft)
        messages.success(request, _("The draft “%(title)s” was deleted.") % {"title": title})
        return redirect("eforms:draft_list")
    return render(request, "eforms/draft_confirm_delete.html", {"draft": draft})


def definition_title(form_version: FormVersion, language: str) -> str:
    return definition_of(form_version).title_text(language)
