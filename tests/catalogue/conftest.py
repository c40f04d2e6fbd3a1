from __future__ import annotations

import pytest

from guichet.catalogue.demo import load_catalogue_demo
from guichet.catalogue.models import Service
from guichet.core.models import Authority


@pytest.fixture
def demo(db: None) -> list[Service]:
    canton = Authority.objects.create(slug="kanton-demo", name="Kanton Demo", kind=Authority.Kind.CANTON)
    city = Authority.objects.create(
        slug="stadt-demo", name="Stadt Demo", kind=Authority.Kind.MUNICIPALITY, email="info@stadt-demo.example"
    )
    return load_catalogue_demo(canton=canton, city=city)
