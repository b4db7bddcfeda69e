"""Storage: typed ORM models, the engine/session helpers and Alembic migrations."""
