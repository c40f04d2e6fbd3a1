"""The service catalogue: categories by life situation, services owned by an authority.

Texts are stored per language in JSON dicts ``{"de": ..., "fr": ..., "it": ..., "en": ...}``;
the ``*_text`` attributes return the active language's text, falling back to German.
``SearchEntry`` is the denormalised search text (one row per service and language), written only
by ``services.search_index_update``; the database indexes it (FTS5 on SQLite, a tsvector column and
trigram indexes on PostgreSQL, see migration 0002)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from guichet.core.models import Authority

FALLBACK_LANGUAGE = "de"


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def pick(texts: Any, language: str | None = None) -> str:
    """The text in ``language`` (default: the active one), else German, else any, else ""."""
    if not isinstance(texts, dict):
        return ""
    language = (language or get_language() or FALLBACK_LANGUAGE).split("-")[0]
    for code in (language, FALLBACK_LANGUAGE, *texts):
        value = texts.get(code)
        if isinstance(value, str) and value.strip():
            return value
    return ""


class Translated:
    """Read-only attribute: ``obj.<name>_text`` is ``pick(obj.<name>)`` in the active language."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __get__(self, obj: object, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return pick(getattr(obj, self.field))


class Category(models.Model):
    slug = models.SlugField(unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.JSONField(_("name"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)

    name_text = Translated("name")
    description_text = Translated("description")

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return pick(self.name) or self.slug


class Service(models.Model):
    class Channel(models.TextChoices):
        ONLINE = "online", _("Online form")
        APPOINTMENT = "appointment", _("Appointment")
        CONTACT = "contact", _("Contact the authority")

    slug = models.SlugField(unique=True, max_length=100)
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="services")
    categories = models.ManyToManyField(Category, related_name="services", blank=True)
    title = models.JSONField(_("title"), default=dict)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    description = models.JSONField(_("description"), default=dict, blank=True)
    documents = models.JSONField(_("required documents"), default=dict, blank=True, help_text=_("one per line"))
    fees = models.JSONField(_("fees"), default=dict, blank=True)
    processing_time = models.JSONField(_("processing time"), default=dict, blank=True)
    keywords = models.JSONField(_("synonyms and keywords"), default=dict, blank=True)
    channel = models.CharField(_("how to use it"), max_length=20, choices=Channel.choices, default=Channel.ONLINE)
    is_published = models.BooleanField(_("published"), default=False)
    form_definition = models.SlugField(
        _("online form"), max_length=100, blank=True, help_text=_("slug of the form definition; empty: no online form")
    )
    use_count = models.PositiveIntegerField(_("times used"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    title_text = Translated("title")
    summary_text = Translated("summary")
    description_text = Translated("description")
    documents_text = Translated("documents")
    fees_text = Translated("fees")
    processing_time_text = Translated("processing_time")

    class Meta:
        ordering = ["slug"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [models.Index(fields=["is_published", "-use_count"], name="catalogue_service_popular")]

    def __str__(self) -> str:
        return pick(self.title) or self.slug

    @property
    def document_list(self) -> list[str]:
        return [line.strip() for line in pick(self.documents).splitlines() if line.strip()]


class SearchEntry(models.Model):
    """What search sees of one service in one language (German text where a translation is missing)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="search_entries")
    language = models.CharField(max_length=8)
    title = models.TextField()
    keywords = models.TextField(blank=True)
    body = models.TextField(blank=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [models.UniqueConstraint(fields=["service", "language"], name="unique_search_entry")]
        indexes = [models.Index(fields=["language"], name="catalogue_search_language")]

    def __str__(self) -> str:
        return f"{self.service_id}/{self.language}"
