"""``[[host_checks]]`` groups → one ``host`` check per matching host.

Which hosts exist is the inventory's knowledge, not the config file's, so the checks
are derived where the settings meet the database (``Feature.derive``: the daemon at
start, on reload and every few minutes; a CLI command when it opens the database). The
derived checks join ``[[checks]]`` in the settings, so pages, ``/metrics``, the outage
tracker, notifications and reports treat them like any other check.

Rules, in this order:
1. A host with its own ``[[checks]]`` entry of kind ``host`` keeps it.
2. Otherwise the first group (in file order) whose ``hosts`` patterns or ``tags`` match
   the host gives it a check named by ``check_name``.
3. A derived name that is already a check's name is skipped (and said so), never
   renamed: a check's name is its history.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from sqlalchemy.orm import Session

from checks.config import CHECKS, CheckConfig
from checks.hosts.config import HOST_CHECKS, HostGroup
from checks.kinds.host_report import HostReportOptions, HostThresholds
from itops.config import OFFICE_UNIT, Settings

logger = logging.getLogger(__name__)

GROUP_TAG = "host_checks"
_told: set[tuple[str, str]] = set()  # (host, reason) already logged: derive() runs often


@dataclass(frozen=True)
class Host:
    """A host as the groups see it: lower-case name, tags, inventory unit."""

    name: str
    tags: frozenset[str]
    unit: str


@dataclass(frozen=True)
class Coverage:
    """Who watches one host: a ``[[checks]]`` entry, a group, or nobody (``reason``)."""

    host: str
    check: str | None
    group: str | None
    reason: str = ""


def host_tags(category: str, unit: str) -> frozenset[str]:
    return frozenset({category.lower(), f"unit:{unit.lower()}"})


def matches(group: HostGroup, host: Host) -> bool:
    if any(fnmatchcase(host.name, pattern) for pattern in group.hosts):
        return True
    return bool(host.tags & set(group.tags))


def _check(group: HostGroup, host: Host, units: Iterable[str]) -> CheckConfig:
    unit = group.unit or (host.unit if host.unit in units else OFFICE_UNIT)
    common = {
        "name": group.name_for(host.name),
        "kind": "host",
        "unit": unit,
        "interval": group.interval,
        "timeout": group.timeout,
        "confirm": group.confirm,
        "counts_for_kpi": group.counts_for_kpi,
        "tags": [GROUP_TAG, group.name],
    }
    thresholds = group.model_dump(include=set(HostThresholds.model_fields))
    cfg = CheckConfig.model_validate(common)
    return cfg.model_copy(update={"options": HostReportOptions(host=host.name, **thresholds)})


def cover(
    groups: Sequence[HostGroup],
    checks: Sequence[CheckConfig],
    hosts: Sequence[Host],
    units: Iterable[str] = (OFFICE_UNIT,),
) -> tuple[list[CheckConfig], list[Coverage]]:
    """The derived checks, and who covers each host (for ``itops hosts``)."""
    explicit = {
        c.options.host.lower(): c.name
        for c in checks
        if c.kind == "host" and isinstance(c.options, HostReportOptions)
    }
    taken = {c.name for c in checks}
    units = set(units)
    derived: list[CheckConfig] = []
    coverage: list[Coverage] = []
    for host in hosts:
        if host.name in explicit:
            coverage.append(Coverage(host.name, explicit[host.name], None))
            continue
        group = next((g for g in groups if matches(g, host)), None)
        if group is None:
            coverage.append(Coverage(host.name, None, None, "no group matches"))
            continue
        name = group.name_for(host.name)
        if name in taken:
            coverage.append(
                Coverage(host.name, None, group.name, f'check name "{name}" is already taken')
            )
        elif len(name) > 100:
            coverage.append(
                Coverage(host.name, None, group.name, "check name longer than 100 characters")
            )
        else:
            taken.add(name)
            derived.append(_check(group, host, units))
            coverage.append(Coverage(host.name, name, group.name))
    return derived, coverage


def known_hosts(session: Session) -> list[Host]:
    from inventory.public import agent_hosts

    return [Host(h.hostname, host_tags(h.category, h.unit), h.unit) for h in agent_hosts(session)]


def derive(settings: Settings, session: Session) -> Settings:
    """``settings`` with each group's host checks appended to ``[[checks]]``."""
    groups = settings.section(HOST_CHECKS)
    if not groups:
        return settings
    checks = settings.section(CHECKS)
    derived, coverage = cover(groups, checks, known_hosts(session), settings.unit_names())
    for item in coverage:
        if item.reason and item.group is not None and (item.host, item.reason) not in _told:
            _told.add((item.host, item.reason))
            logger.warning("host %s (group %s) not checked: %s", item.host, item.group, item.reason)
    if not derived:
        return settings
    return settings.model_copy(update={CHECKS.key: [*checks, *derived]})
