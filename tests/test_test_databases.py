"""The suite's PostgreSQL databases are reused between tests: a reused one must be
exactly what a fresh clone of the template is, or it must not be reused at all."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.conftest import _PgTemplates


def _count_rows(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).all()
            counts = {}
            for table in tables:  # names from pg_tables, not input
                counts[table] = int(conn.scalar(text(f'SELECT count(*) FROM "{table}"')) or 0)  # noqa: S608
            return counts
    finally:
        engine.dispose()


def _write_rows(url: str) -> None:
    """Rows in tables with foreign keys and in the append-only §82 register."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO org_unit (id, name) VALUES ('u-test', 'Jednostka (TEST)')")
            )
            tables = conn.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).all()
            assert "register_entry" in tables
    finally:
        engine.dispose()


def test_a_reused_database_has_no_rows_and_fresh_sequences(_pg_templates: _PgTemplates) -> None:
    fresh = _count_rows(_pg_templates.url_for(_pg_templates.template))
    url = _pg_templates.take()
    _write_rows(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TEMPORARY TABLE scratch (n int)"))
        first_seq = conn.scalar(
            text(
                "SELECT format('%I', sequencename) FROM pg_sequences"
                " WHERE schemaname = 'public' ORDER BY 1 LIMIT 1"
            )
        )
        drawn = conn.scalar(text(f"SELECT nextval('{first_seq}')"))
        conn.scalar(text(f"SELECT nextval('{first_seq}')"))
    engine.dispose()
    _pg_templates.give_back(url)
    again = _pg_templates.take()
    assert again == url, "an emptied database is reused"
    assert _count_rows(again) == fresh
    engine = create_engine(again)
    with engine.connect() as conn:
        assert conn.scalar(text(f"SELECT nextval('{first_seq}')")) == drawn
    engine.dispose()
    _pg_templates.give_back(again)


def test_a_database_whose_schema_a_test_changed_is_dropped_not_reused(
    _pg_templates: _PgTemplates,
) -> None:
    url = _pg_templates.take()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE org_unit ADD COLUMN stray text"))
    engine.dispose()
    name = url.rsplit("/", 1)[1]
    _pg_templates.give_back(url)
    assert name not in _pg_templates.free
    assert name not in _pg_templates.clones
    assert _pg_templates.take() != url


def test_a_database_with_a_changed_trigger_is_dropped_not_reused(
    _pg_templates: _PgTemplates,
) -> None:
    url = _pg_templates.take()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE register_entry DISABLE TRIGGER register_entry_append_only"))
    engine.dispose()
    _pg_templates.give_back(url)
    assert url.rsplit("/", 1)[1] not in _pg_templates.free
