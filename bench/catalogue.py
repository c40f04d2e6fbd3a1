"""Catalogue search latency at 10 000 services: p50/p95 of 200 queries of realistic words.

Services are bulk-created with texts in four languages built from a vocabulary of real service
words, then indexed with ``search_index_update`` (the same write path as the app). The queries
mix one and two words, prefixes, and languages. SQLite (FTS5) by default; PostgreSQL when
``DATABASE_URL`` points to one (``bench/run.py`` then uses a throw-away test database)."""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any

SERVICES = 10_000
QUERIES = 200

WORDS = {
    "de": [
        "Hund",
        "Anmeldung",
        "Steuer",
        "Parkkarte",
        "Umzug",
        "Adresse",
        "Bewilligung",
        "Baugesuch",
        "Auszug",
        "Register",
        "Fischerei",
        "Patent",
        "Heimatschein",
        "Fundbüro",
        "Velo",
        "Schule",
        "Kinder",
        "Betreuung",
        "Abfall",
        "Wasser",
        "Energie",
        "Gewerbe",
        "Firma",
        "Wohnsitz",
        "Bestätigung",
        "Strasse",
        "Veranstaltung",
        "Markt",
        "Gebühr",
        "Ausweis",
        "Pass",
        "Familie",
        "Ehe",
        "Geburt",
        "Friedhof",
        "Jagd",
        "Wald",
        "Lärm",
        "Grundbuch",
    ],
    "fr": [
        "chien",
        "annonce",
        "impôt",
        "stationnement",
        "déménagement",
        "adresse",
        "autorisation",
        "permis",
        "extrait",
        "registre",
        "pêche",
        "origine",
        "objets",
        "trouvés",
        "vélo",
        "école",
        "enfants",
        "garde",
        "déchets",
        "eau",
        "énergie",
        "entreprise",
        "domicile",
        "attestation",
        "rue",
        "manifestation",
        "marché",
        "taxe",
        "passeport",
        "famille",
        "mariage",
        "naissance",
        "cimetière",
        "chasse",
        "forêt",
        "bruit",
    ],
    "it": [
        "cane",
        "notifica",
        "imposta",
        "parcheggio",
        "trasloco",
        "indirizzo",
        "permesso",
        "licenza",
        "estratto",
        "registro",
        "pesca",
        "origine",
        "oggetti",
        "bicicletta",
        "scuola",
        "bambini",
        "rifiuti",
        "acqua",
        "energia",
        "impresa",
        "domicilio",
        "attestazione",
        "strada",
        "mercato",
        "tassa",
    ],
    "en": [
        "dog",
        "registration",
        "tax",
        "parking",
        "moving",
        "address",
        "permit",
        "licence",
        "extract",
        "register",
        "fishing",
        "origin",
        "lost",
        "property",
        "bicycle",
        "school",
        "children",
        "waste",
        "water",
        "energy",
        "business",
        "residence",
        "confirmation",
        "street",
        "market",
        "fee",
    ],
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


FILLER = 8000  # other words of a language: real texts share few words between services


def _text(rng: random.Random, language: str, words: int) -> str:
    """Mostly filler words of a large vocabulary, about one in ten from the service vocabulary."""
    return " ".join(
        rng.choice(WORDS[language]) if rng.random() < 0.1 else f"{language}w{rng.randrange(FILLER)}"
        for _ in range(words)
    )


def create_services(count: int) -> None:
    from guichet.catalogue.models import Service
    from guichet.catalogue.services import search_index_update
    from guichet.core.models import Authority

    rng = random.Random(42)
    authority = Authority.objects.create(slug="bench-amt", name="Bench Amt", kind=Authority.Kind.OFFICE)
    batch = 1000
    for start in range(0, count, batch):
        services = Service.objects.bulk_create(
            Service(
                slug=f"bench-service-{i}",
                authority=authority,
                is_published=rng.random() > 0.05,
                title={lang: f"{rng.choice(WORDS[lang])} {_text(rng, lang, 2)}" for lang in WORDS},
                summary={lang: _text(rng, lang, 12) for lang in WORDS},
                description={lang: _text(rng, lang, 60) for lang in WORDS},
                documents={lang: _text(rng, lang, 6) for lang in WORDS},
                keywords={lang: _text(rng, lang, 5) for lang in WORDS},
            )
            for i in range(start, min(start + batch, count))
        )
        search_index_update(services=services)


def queries(count: int) -> list[tuple[str, str]]:
    rng = random.Random(7)
    result = []
    for _ in range(count):
        language = rng.choice(list(WORDS))
        words = [rng.choice(WORDS[language]) for _ in range(rng.choice((1, 1, 2)))]
        if rng.random() < 0.3:  # typing: the last word is still a prefix
            words[-1] = words[-1][: max(3, len(words[-1]) // 2)]
        result.append((" ".join(words), language))
    return result


def run() -> Iterator[dict[str, Any]]:
    from django.db import connection

    from guichet.catalogue.selectors import service_search

    started = time.perf_counter()
    create_services(SERVICES)
    log(f"catalogue: {SERVICES} services created and indexed in {time.perf_counter() - started:.1f}s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalogue_searchentry")
    work = queries(QUERIES)
    for query, language in work[:20]:  # warm caches
        service_search(query=query, language=language, limit=20)
    timings = []
    hits = 0
    for query, language in work:
        t0 = time.perf_counter()
        results = service_search(query=query, language=language, limit=20)
        timings.append((time.perf_counter() - t0) * 1000)
        hits += bool(results)
    timings.sort()
    yield {
        "bench": "catalogue_search",
        "database": connection.vendor,
        "services": SERVICES,
        "queries": QUERIES,
        "with_results": hits,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "max_ms": round(timings[-1], 2),
    }
