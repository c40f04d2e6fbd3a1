from __future__ import annotations

import pytest
from django.core.management import call_command

from guichet.catalogue.models import Category, SearchEntry, Service

pytestmark = pytest.mark.django_db


def test_load_demo_creates_the_catalogue_idempotently() -> None:
    call_command("load_demo", stdout=None)
    first = sorted(Service.objects.values_list("pk", "slug", "authority__slug", "is_published"))
    call_command("load_demo", stdout=None)
    assert sorted(Service.objects.values_list("pk", "slug", "authority__slug", "is_published")) == first
    assert len(first) >= 12
    assert {authority for _pk, _slug, authority, _pub in first} == {"kanton-demo", "stadt-demo"}
    assert Category.objects.count() >= 8
    assert SearchEntry.objects.count() == 4 * len(first)
    for service in Service.objects.all():
        assert set(service.title) == {"de", "fr", "it", "en"}, service.slug
        assert service.categories.exists(), service.slug
