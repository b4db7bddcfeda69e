"""Alembic migrations: the schema they build is the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from itops.db.models import Base
from itops.db.session import (
    current_revision,
    ensure_current,
    head_revision,
    make_engine,
    upgrade,
)
from itops.errors import StorageError
from itops.plugins import import_models


def test_upgrade_head_on_an_empty_database_matches_the_models(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    import_models()
    engine = make_engine(empty_db_url)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    engine.dispose()
    assert diff == []


def test_upgrade_is_idempotent(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_an_unmigrated_database_is_refused_with_the_fixing_command(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    with pytest.raises(StorageError, match="itops db upgrade"):
        ensure_current(engine)
    engine.dispose()


def test_there_is_exactly_one_migration_head() -> None:
    assert head_revision()


def test_the_head_read_from_the_migration_files_is_alembics_head() -> None:
    from itops.db.session import script_heads

    assert script_heads() == {head_revision()}


def test_a_database_below_the_head_is_refused_naming_both_revisions(db_url: str) -> None:
    from sqlalchemy import text

    engine = make_engine(db_url)
    ensure_current(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001_core'"))
    with pytest.raises(
        StorageError,
        match=f"at revision 0001_core, the code needs {head_revision()}; run `itops db upgrade`",
    ):
        ensure_current(engine)
    engine.dispose()
