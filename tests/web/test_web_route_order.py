"""The machine clients' routes come first (issue 17), and that moves no request.

``create_app`` puts every ``/api/`` route before the others so that an agent report
does not scan the whole table; that is only harmless while no other route can match an
``/api/`` path, i.e. while no route's path starts with a parameter.
"""

from __future__ import annotations

import pytest
from starlette.applications import Starlette


@pytest.mark.engine("sqlite")
def test_api_routes_come_first_and_no_other_route_can_match_an_api_path(
    app: Starlette,
) -> None:
    paths = [str(getattr(route, "path", "")) for route in app.routes]
    api = [p for p in paths if p.startswith("/api/")]
    assert "/api/v1/agent/report" in api
    assert paths[: len(api)] == api
    assert not [p for p in paths if p.startswith("/{")], "a route path starts with a parameter"
