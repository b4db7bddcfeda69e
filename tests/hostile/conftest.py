"""The web fixtures (app, users of every role, cheap Argon2) shared with tests/web."""

from __future__ import annotations

from tests.web.conftest import _cheap_argon2, app, client, users

__all__ = ["_cheap_argon2", "app", "client", "users"]
