"""Tenant theming: the portal takes the configured authority's colours, through a stylesheet
(the CSP forbids inline styles), and a bad colour can never reach the CSS."""

from __future__ import annotations

import pytest
from django.db import DataError, IntegrityError, transaction
from django.test import Client

from guichet.core.models import Authority


@pytest.mark.django_db
def test_default_theme_without_configuration(client: Client) -> None:
    response = client.get("/theme.css")
    assert response["Content-Type"].startswith("text/css")
    assert "--color-primary: #0b4f8a" in response.content.decode()


@pytest.mark.django_db
def test_the_configured_authority_colours_the_portal(client: Client, settings: object) -> None:
    Authority.objects.create(
        slug="kanton-x", name="Kanton X", kind=Authority.Kind.CANTON, theme_primary="#123456", theme_accent="#abcdef"
    )
    settings.GUICHET_THEME = "kanton-x"  # type: ignore[attr-defined]
    css = client.get("/theme.css").content.decode()
    assert "--color-primary: #123456" in css
    assert "--color-accent: #abcdef" in css
    page = client.get("/").content.decode()
    assert 'href="/theme.css"' in page
    assert "<style" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "#12345g", "#123456;}body{display:none"])
def test_the_database_refuses_anything_but_a_hex_colour(colour: str) -> None:
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Authority.objects.create(slug="x", name="X", kind=Authority.Kind.OFFICE, theme_primary=colour)
