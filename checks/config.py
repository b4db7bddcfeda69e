"""``[[checks]]``: one table per check; the kind's own keys are typed by its options model."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from itops.config_types import (
    OFFICE_UNIT,
    Interval,
    KindEntry,
    Note,
    PositiveDuration,
    Section,
    check_timeout,
    duplicates,
    known_units,
    text_for,
)


class CheckConfig(KindEntry):
    """One ``[[checks]]`` table: common keys here, kind-specific keys in ``options``.

    The kind's own keys are validated by the options model its class declares
    (``checks.kinds.CHECK_KINDS``), so a typo in a kind-specific key is still an error.
    """

    kind_label = "check"

    name: str = Field(min_length=1, max_length=100)
    kind: str
    unit: str = OFFICE_UNIT
    interval: Interval = timedelta(seconds=60)
    timeout: PositiveDuration = timedelta(seconds=10)
    confirm: int = Field(default=2, ge=1, le=100)
    counts_for_kpi: bool | None = None
    tags: list[str] = Field(default_factory=list)
    # Shown on the check's page (the office's own words, e.g. why a DEMO check fails): a
    # plain string in every language, or {pl = "…", en = "…"} (``note_for``).
    note: Note = ""
    options: Any = None

    @classmethod
    def kinds(cls) -> Collection[str]:
        from checks.kinds import CHECK_KINDS

        return CHECK_KINDS

    @classmethod
    def options_model(cls, kind: str) -> type[BaseModel]:
        from checks.kinds import CHECK_KINDS

        return CHECK_KINDS.options_model(kind)

    @model_validator(mode="after")
    def _timeout_within_interval(self) -> CheckConfig:
        check_timeout(self)
        return self

    def note_for(self, lang: str) -> str:
        """The note in ``lang`` (else Polish, else any); "" when there is none."""
        return text_for(self.note, lang)

    @property
    def kpi(self) -> bool:
        """Whether failures of this check count as downtime in KPI 1."""
        if self.counts_for_kpi is not None:
            return self.counts_for_kpi
        from checks.kinds import CHECK_KINDS

        return CHECK_KINDS.cls(self.kind).counts_for_kpi_default


def _check_references(checks: list[CheckConfig], info: ValidationInfo) -> list[CheckConfig]:
    twice = duplicates(c.name for c in checks)
    if twice:
        raise ValueError(f"duplicate check names: {', '.join(twice)}")
    known = known_units(info)
    for check in checks:
        if known is not None and check.unit not in known:
            raise ValueError(f'check "{check.name}": unknown unit "{check.unit}"')
    return checks


CHECKS: Section[list[CheckConfig]] = Section(
    "checks", list[CheckConfig], list, check=_check_references, counted="checks"
)

SECTIONS = (CHECKS,)
