"""``[[host_checks]]``: thresholds for groups of hosts instead of one ``host`` check each.

A group matches hosts by name (glob patterns, case-insensitive) or by tag (the asset's
category such as ``server`` or ``desktop``, and ``unit:<id>``); every matching host that
reports through an agent becomes a check of kind ``host`` with the group's thresholds
(``checks.hosts.groups``). The first group that matches a host wins, and a host with
its own ``[[checks]]`` entry of kind ``host`` keeps that one: write the special cases
first.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, ValidationInfo, field_validator, model_validator

from checks.kinds.host_report import HostThresholds
from itops.config_types import (
    Interval,
    PositiveDuration,
    Section,
    check_timeout,
    check_units,
    duplicates,
)

PLACEHOLDER = "{host}"


class HostGroup(HostThresholds):
    """One ``[[host_checks]]`` table: which hosts, how their checks run, their thresholds."""

    name: str = Field(min_length=1, max_length=100)
    hosts: list[str] = Field(default_factory=list, max_length=1000)
    tags: list[str] = Field(default_factory=list, max_length=100)
    check_name: str = Field(default=PLACEHOLDER, max_length=100)
    unit: str | None = None
    interval: Interval = timedelta(minutes=5)
    timeout: PositiveDuration = timedelta(seconds=10)
    confirm: int = Field(default=2, ge=1, le=100)
    counts_for_kpi: bool = False

    @field_validator("hosts", "tags")
    @classmethod
    def _not_blank(cls, value: list[str]) -> list[str]:
        if any(not item.strip() for item in value):
            raise ValueError("an empty pattern or tag matches nothing")
        return [item.strip().lower() for item in value]

    @field_validator("check_name")
    @classmethod
    def _one_placeholder(cls, value: str) -> str:
        rest = value.replace(PLACEHOLDER, "")
        if PLACEHOLDER not in value or "{" in rest or "}" in rest:
            raise ValueError(f'must contain "{PLACEHOLDER}" (the host name) and no other braces')
        return value

    @model_validator(mode="after")
    def _matches_something(self) -> HostGroup:
        if not self.hosts and not self.tags:
            raise ValueError('give hosts (name patterns such as "srv-*") or tags, or both')
        check_timeout(self)
        return self

    def name_for(self, hostname: str) -> str:
        return self.check_name.replace(PLACEHOLDER, hostname)


def _check_groups(groups: list[HostGroup], info: ValidationInfo) -> list[HostGroup]:
    twice = duplicates(g.name for g in groups)
    if twice:
        raise ValueError(f"duplicate group names: {', '.join(twice)}")
    check_units(((g.name, g.unit) for g in groups if g.unit is not None), info)
    return groups


HOST_CHECKS: Section[list[HostGroup]] = Section(
    "host_checks", list[HostGroup], list, check=_check_groups, counted="host check groups"
)

SECTIONS = (HOST_CHECKS,)
