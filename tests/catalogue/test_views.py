"""Catalogue pages: list, search, category filter, service page, home."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guichet.catalogue.models import Service

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("demo")
def test_list_shows_all_services_with_count(client: Client) -> None:
    response = client.get("/services/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Hundeanmeldung" in content
    assert "12 Dienstleistungen" in content  # German by default


@pytest.mark.usefixtures("demo")
def test_search_page(client: Client) -> None:
    response = client.get("/services/", {"q": "Hund"})
    content = response.content.decode()
    assert "Hundeanmeldung" in content
    assert "Fischereipatent" not in content
    assert 'value="Hund"' in content


@pytest.mark.usefixtures("demo")
def test_search_in_french(client: Client) -> None:
    client.cookies["guichet_language"] = "fr"
    content = client.get("/services/", {"q": "chien"}).content.decode()
    assert "Annonce d&#x27;un chien" in content or "Annonce d'un chien" in content


@pytest.mark.usefixtures("demo")
def test_category_filter(client: Client) -> None:
    content = client.get("/services/", {"category": "building"}).content.decode()
    assert "Baugesuch" in content
    assert "Bauvoranfrage" in content
    assert "Hundeanmeldung" not in content


@pytest.mark.usefixtures("demo")
def test_unknown_category_shows_everything(client: Client) -> None:
    response = client.get("/services/", {"category": "nope"})
    assert response.status_code == 200
    assert "Hundeanmeldung" in response.content.decode()


@pytest.mark.usefixtures("demo")
def test_service_page(client: Client) -> None:
    response = client.get("/services/hundeanmeldung/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Hundeanmeldung</h1>" in content
    assert "Mikrochip-Nummer" in content
    assert "Stadt Demo" in content
    assert "info@stadt-demo.example" in content
    assert 'href="/services/hundeanmeldung/apply/"' in content  # it has a form definition


@pytest.mark.usefixtures("demo")
def test_service_page_without_a_form_definition_has_no_apply_link(client: Client) -> None:
    Service.objects.filter(slug="fischereipatent").update(form_definition="")
    content = client.get("/services/fischereipatent/").content.decode()
    assert "/apply/" not in content  # no dead link


@pytest.mark.usefixtures("demo")
def test_unknown_and_unpublished_services_are_not_found(client: Client) -> None:
    assert client.get("/services/gibt-es-nicht/").status_code == 404
    Service.objects.filter(slug="hundeanmeldung").update(is_published=False)
    assert client.get("/services/hundeanmeldung/").status_code == 404
    assert "Hundeanmeldung" not in client.get("/services/").content.decode()


@pytest.mark.usefixtures("demo")
def test_home_shows_categories_and_the_six_most_used(client: Client) -> None:
    content = client.get("/").content.decode()
    most_used = list(Service.objects.order_by("-use_count").values_list("slug", flat=True))
    for slug in most_used[:6]:
        assert f'href="/services/{slug}/"' in content
    for slug in most_used[6:]:
        assert f'href="/services/{slug}/"' not in content
    assert "Umzug und Wohnen" in content
    assert 'href="/services/?category=moving"' in content
    assert 'action="/services/"' in content


def test_header_links_to_the_catalogue(client: Client, db: None) -> None:
    assert '<a href="/services/">' in client.get("/").content.decode()


def test_empty_catalogue(client: Client, db: None) -> None:
    assert client.get("/services/").status_code == 200
    assert client.get("/services/", {"q": "Hund"}).status_code == 200


@pytest.mark.usefixtures("demo")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=300) | st.just("\x00\"*'"), category=st.text(max_size=40), page=st.text(max_size=10))
def test_odd_parameters_never_fail(client: Client, q: str, category: str, page: str) -> None:
    assert client.get("/services/", {"q": q, "category": category, "page": page}).status_code == 200


@pytest.mark.django_db
def test_browsing_a_large_catalogue_loads_one_page_of_services(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    from guichet.catalogue.services import service_upsert
    from guichet.catalogue.views import PAGE_SIZE
    from guichet.core.models import Authority

    office = Authority.objects.create(slug="amt", name="Amt", kind=Authority.Kind.OFFICE)
    for n in range(PAGE_SIZE + 5):
        service_upsert(slug=f"dienst-{n:03d}", authority=office, title={"de": f"Dienst {n:03d}"})
    with django_assert_max_num_queries(6):
        first = client.get("/services/").content.decode()
    assert f"{PAGE_SIZE + 5} Dienstleistungen" in first
    assert "Dienst 049" in first
    assert "Dienst 050" not in first
    second = client.get("/services/?page=2").content.decode()
    assert "Dienst 054" in second
    assert "Dienst 000" not in second
