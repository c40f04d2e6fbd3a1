"""Database search indexes, per vendor.

SQLite: an FTS5 table over ``catalogue_searchentry`` (external content, kept in sync by triggers).
PostgreSQL: a generated ``document`` tsvector with the language's text-search configuration
(weights: title A, keywords B, body C), a GIN index on it, and pg_trgm indexes for typos.
A later migration that rebuilds ``catalogue_searchentry`` on SQLite drops the triggers: the search
tests catch that."""

from django.db import migrations

SQLITE_CREATE = [
    """CREATE VIRTUAL TABLE catalogue_search_fts USING fts5(
        title, keywords, body,
        content='catalogue_searchentry', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER catalogue_search_fts_ai AFTER INSERT ON catalogue_searchentry BEGIN
        INSERT INTO catalogue_search_fts(rowid, title, keywords, body)
        VALUES (new.id, new.title, new.keywords, new.body);
    END""",
    """CREATE TRIGGER catalogue_search_fts_ad AFTER DELETE ON catalogue_searchentry BEGIN
        INSERT INTO catalogue_search_fts(catalogue_search_fts, rowid, title, keywords, body)
        VALUES ('delete', old.id, old.title, old.keywords, old.body);
    END""",
    """CREATE TRIGGER catalogue_search_fts_au AFTER UPDATE ON catalogue_searchentry BEGIN
        INSERT INTO catalogue_search_fts(catalogue_search_fts, rowid, title, keywords, body)
        VALUES ('delete', old.id, old.title, old.keywords, old.body);
        INSERT INTO catalogue_search_fts(rowid, title, keywords, body)
        VALUES (new.id, new.title, new.keywords, new.body);
    END""",
    # Rows that existed before this migration.
    "INSERT INTO catalogue_search_fts(catalogue_search_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS catalogue_search_fts_au",
    "DROP TRIGGER IF EXISTS catalogue_search_fts_ad",
    "DROP TRIGGER IF EXISTS catalogue_search_fts_ai",
    "DROP TABLE IF EXISTS catalogue_search_fts",
]

_CONFIG = (
    "(CASE language WHEN 'fr' THEN 'french'::regconfig WHEN 'it' THEN 'italian'::regconfig "
    "WHEN 'en' THEN 'english'::regconfig ELSE 'german'::regconfig END)"
)
POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"""ALTER TABLE catalogue_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector({_CONFIG}, title), 'A')
        || setweight(to_tsvector({_CONFIG}, keywords), 'B')
        || setweight(to_tsvector({_CONFIG}, body), 'C')
    ) STORED""",
    "CREATE INDEX catalogue_search_document ON catalogue_searchentry USING gin (document)",
    "CREATE INDEX catalogue_search_title_trgm ON catalogue_searchentry USING gin (title gin_trgm_ops)",
    "CREATE INDEX catalogue_search_keywords_trgm ON catalogue_searchentry USING gin (keywords gin_trgm_ops)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS catalogue_search_keywords_trgm",
    "DROP INDEX IF EXISTS catalogue_search_title_trgm",
    "DROP INDEX IF EXISTS catalogue_search_document",
    "ALTER TABLE catalogue_searchentry DROP COLUMN IF EXISTS document",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
