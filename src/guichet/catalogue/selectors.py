"""Every read of the catalogue. The catalogue is public: no actor scoping, but only published services.

Search (``service_search``): the query is reduced to word tokens (letters and digits; quotes,
operators, NUL and the like disappear; at most 8 tokens of at most 40 characters), so no user input
ever reaches a query language. All tokens must match (AND).

* SQLite: FTS5 over the service's texts in the active language, ranked by bm25 (title weighs 10,
  synonyms 5, body 1). FTS5 does not stem, so every token matches as a prefix ("hund" finds
  "Hundeanmeldung").
* PostgreSQL: full-text search with the language's configuration (german, french, italian,
  english; stemming), the last token as a prefix, ranked with ts_rank; plus trigram word
  similarity on titles and synonyms, so a typo ("Hundeanmeldnug") still finds the service.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.utils.translation import get_language

from guichet.catalogue.models import FALLBACK_LANGUAGE, Category, Service, language_codes

MAX_TOKENS = 8
MAX_TOKEN_LENGTH = 40
MAX_QUERY_LENGTH = 500
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def search_tokens(query: str) -> list[str]:
    """Lower-case word tokens of ``query``; everything else is dropped."""
    text = (query or "")[:MAX_QUERY_LENGTH].lower()
    return [token[:MAX_TOKEN_LENGTH] for token in _TOKEN.findall(text)][:MAX_TOKENS]


def _language(language: str | None) -> str:
    code = (language or get_language() or FALLBACK_LANGUAGE).split("-")[0]
    return code if code in language_codes() else FALLBACK_LANGUAGE


def published_services() -> QuerySet[Service]:
    return Service.objects.filter(is_published=True).select_related("authority")


def _alphabetical(queryset: QuerySet[Service], language: str) -> QuerySet[Service]:
    title = Coalesce(KT(f"title__{language}"), KT(f"title__{FALLBACK_LANGUAGE}"))
    return queryset.order_by(Lower(title), "slug")


def service_browse(*, language: str | None = None, category: Category | None = None) -> QuerySet[Service]:
    """All published services (of ``category``, if given) alphabetically, as a lazy queryset so
    a page of the catalogue loads one page of rows, not all of them."""
    queryset = published_services()
    if category is not None:
        queryset = queryset.filter(categories=category)
    return _alphabetical(queryset, _language(language))


def category_list() -> QuerySet[Category]:
    return Category.objects.all()


def category_get(*, slug: str) -> Category | None:
    return Category.objects.filter(slug=slug).first()


def service_get(*, slug: str) -> Service:
    service = published_services().prefetch_related("categories").filter(slug=slug).first()
    if service is None:
        raise Http404
    return service


def service_most_used(*, limit: int = 6) -> list[Service]:
    return list(published_services().order_by("-use_count", "slug")[:limit])


def _sqlite_ids(tokens: list[str], language: str, category: Category | None, limit: int) -> list[int]:
    match = " ".join(f'"{token}"*' for token in tokens)  # tokens hold no quotes: see search_tokens
    sql = [
        "SELECT e.service_id FROM catalogue_search_fts",
        "JOIN catalogue_searchentry e ON e.id = catalogue_search_fts.rowid",
        "JOIN catalogue_service s ON s.id = e.service_id",
        "WHERE catalogue_search_fts MATCH %s AND e.language = %s AND s.is_published",
    ]
    params: list[str | int] = [match, language]
    if category is not None:
        sql.append(
            "AND EXISTS (SELECT 1 FROM catalogue_service_categories sc"
            " WHERE sc.service_id = s.id AND sc.category_id = %s)"
        )
        params.append(category.pk)
    sql.append("ORDER BY bm25(catalogue_search_fts, 10.0, 5.0, 1.0), e.service_id LIMIT %s")
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(" ".join(sql), params)
        return [row[0] for row in cursor.fetchall()]


_PG_CONFIG = {"de": "german", "fr": "french", "it": "italian", "en": "english"}


#: Below this many full-text hits, trigram similarity adds typo matches ("Hundeanmeldnug").
TYPO_FALLBACK_BELOW = 3


def _postgres_query(
    *,
    tsquery: tuple[str, str],
    match: tuple[str, list[str]],
    order: tuple[str, list[str]],
    language: str,
    category: Category | None,
    limit: int,
) -> list[int]:
    """One ranked query; ``match`` and ``order`` are SQL fragments with their parameters."""
    sql = [
        "SELECT e.service_id FROM catalogue_searchentry e",
        "JOIN catalogue_service s ON s.id = e.service_id,",
        "to_tsquery(%s::regconfig, %s) q",
        f"WHERE e.language = %s AND s.is_published AND ({match[0]})",
    ]
    values: list[str | int] = [*tsquery, language, *match[1]]
    if category is not None:
        sql.append(
            "AND EXISTS (SELECT 1 FROM catalogue_service_categories sc"
            " WHERE sc.service_id = s.id AND sc.category_id = %s)"
        )
        values.append(category.pk)
    sql.append(f"ORDER BY {order[0]} DESC, e.service_id LIMIT %s")
    values += [*order[1], limit]
    with connection.cursor() as cursor:
        cursor.execute(" ".join(sql), values)
        return [row[0] for row in cursor.fetchall()]


def _postgres_ids(tokens: list[str], language: str, category: Category | None, limit: int) -> list[int]:
    """Full text first (GIN index, ranked by ts_rank); trigram similarity only when that finds
    almost nothing, so the common case never computes a similarity for every matching row."""
    tsquery = (_PG_CONFIG.get(language, "german"), " & ".join([*tokens[:-1], f"{tokens[-1]}:*"]))
    ids = _postgres_query(
        tsquery=tsquery,
        match=("e.document @@ q", []),
        order=("ts_rank(e.document, q)", []),
        language=language,
        category=category,
        limit=limit,
    )
    if len(ids) >= TYPO_FALLBACK_BELOW:
        return ids
    phrase = " ".join(tokens)
    similar = _postgres_query(
        match=("%s <%% e.title OR %s <%% e.keywords", [phrase, phrase]),
        order=("word_similarity(%s, e.title) + 0.5 * word_similarity(%s, e.keywords)", [phrase, phrase]),
        tsquery=tsquery,
        language=language,
        category=category,
        limit=limit,
    )
    return [*ids, *(pk for pk in similar if pk not in ids)][:limit]


def service_search(
    *, query: str, language: str | None = None, limit: int | None = 50, category: Category | None = None
) -> list[Service]:
    """Published services matching ``query`` in ``language``, best first; an empty query lists all
    (of ``category``, if given) alphabetically. Never raises on odd input."""
    language = _language(language)
    tokens = search_tokens(query)
    if not tokens:
        queryset = service_browse(language=language, category=category)
        return list(queryset if limit is None else queryset[:limit])
    find = _postgres_ids if connection.vendor == "postgresql" else _sqlite_ids
    ids = find(tokens, language, category, limit or 1000)
    by_id = published_services().in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]
