"""The §82 register as the core sees it."""

from __future__ import annotations

from itops.plugins import Feature

feature = Feature(
    name="register",
    models=["inventory.register.models"],
)
