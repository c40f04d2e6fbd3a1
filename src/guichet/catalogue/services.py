"""Every write to the catalogue. The search index follows every service write here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F

from guichet.catalogue.models import Category, SearchEntry, Service, language_codes, pick
from guichet.core.models import Authority

TEXT_FIELDS = ("title", "summary", "description", "documents", "fees", "processing_time", "keywords")


def _entries(service: Service) -> list[SearchEntry]:
    return [
        SearchEntry(
            service_id=service.pk,
            language=code,
            title=pick(service.title, code),
            keywords=pick(service.keywords, code),
            body="\n".join(pick(getattr(service, name), code) for name in ("summary", "description", "documents")),
        )
        for code in language_codes()
    ]


@transaction.atomic
def search_index_update(*, services: Iterable[Service]) -> int:
    """Rewrite the search entries of ``services`` (bulk; the database indexes follow). Returns rows written."""
    services = list(services)
    SearchEntry.objects.filter(service__in=[s.pk for s in services]).delete()
    entries = [entry for service in services for entry in _entries(service)]
    SearchEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


@transaction.atomic
def category_upsert(*, slug: str, position: int, name: dict[str, str], description: dict[str, str]) -> Category:
    category, _created = Category.objects.update_or_create(
        slug=slug, defaults={"position": position, "name": name, "description": description}
    )
    return category


@transaction.atomic
def service_upsert(
    *,
    slug: str,
    authority: Authority,
    categories: Iterable[Category] = (),
    channel: str = Service.Channel.ONLINE,
    is_published: bool = True,
    form_definition: str = "",
    **texts: dict[str, str],
) -> Service:
    """Create or update a service by slug, with its texts (``title={"de": ..., "fr": ...}``, ...)."""
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown service fields: {sorted(unknown)}")
    defaults: dict[str, Any] = {
        "authority": authority,
        "channel": channel,
        "is_published": is_published,
        "form_definition": form_definition,
        **texts,
    }
    service, _created = Service.objects.update_or_create(slug=slug, defaults=defaults)
    service.categories.set(categories)
    search_index_update(services=[service])
    return service


def service_record_use(*, service: Service) -> None:
    """Count one use (e.g. an application started): feeds "most used" on the home page."""
    Service.objects.filter(pk=service.pk).update(use_count=F("use_count") + 1)
