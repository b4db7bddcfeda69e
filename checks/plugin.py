"""The ``checks`` feature as the core sees it (kinds themselves are in ``CHECK_KINDS``)."""

from __future__ import annotations

from itops.plugins import Feature

feature = Feature(name="checks", models=["checks.models"])
