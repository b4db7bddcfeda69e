"""The one table of feature modules the core wires in.

A feature package (``checks``, ``inventory``, ``reports`` …) depends on the core; the
core names the feature's ``plugin`` module here, by string, and imports it lazily, so
adding a feature is one row and the core never imports a feature's internals.

A plugin module defines ``feature = Feature(...)`` with any of the hooks below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from datetime import datetime

    import click
    from prometheus_client.registry import Collector
    from sqlalchemy.orm import Session
    from starlette.routing import BaseRoute

    from itops.charts import Chart
    from itops.check import Check, CheckEntry
    from itops.config import Settings
    from itops.context import AppContext
    from itops.events import Event
    from itops.heartbeat import Unwatched
    from itops.report_parts import ReportPart
    from itops.runner import ResultSink
    from itops.status import Status

S = TypeVar("S")

FEATURES: tuple[str, ...] = (
    "checks.availability.plugin",
    "checks.backups.plugin",
    "checks.hosts.plugin",
    "checks.printers.plugin",
    "inventory.plugin",
    "inventory.register.plugin",
    "itops.notifications.plugin",
    "reports.plugin",
    "reports.demo_plugin",
)

# The top-level ``itops`` commands each feature's ``Feature.cli`` adds (a test holds this
# table equal to what they register), so ``itops kpi`` imports one feature, not all of
# them: start-up was most of a short command's time.
FEATURE_COMMANDS: dict[str, tuple[str, ...]] = {
    "checks.availability.plugin": ("availability", "maintenance", "outages"),
    "checks.backups.plugin": ("antivirus", "backups"),
    "checks.hosts.plugin": ("hosts",),
    "inventory.plugin": ("agent", "clearance", "inventory", "repairs"),
    "inventory.register.plugin": ("register",),
    "itops.notifications.plugin": ("notifications",),
    "reports.plugin": ("kpi", "report"),
    "reports.demo_plugin": ("demo",),
}

# Each of those commands' one-line help as ``itops --help`` lists it (a test holds it equal
# to the command's own), so listing the commands imports no feature: ~1.4 s -> ~0.1 s.
COMMAND_HELP: dict[str, str] = {
    "agent": "Report this workstation to the itops server (run by a timer or Task Scheduler).",
    "antivirus": "Antivirus compliance.",
    "availability": (
        "KPI 1: availability within working time (W − X − G − D) / (W − X − G), and coverage."
    ),
    "backups": "Backups: state, checks on demand, restore tests.",
    "clearance": (
        "Exit clearance (IT part of the karta obiegowa) for EMPLOYEE (code or full name)."
    ),
    "demo": "The DEMO office: invented data for a first look at itops.",
    "hosts": "List the hosts reporting through an agent and the check that judges each.",
    "inventory": "Hardware inventory: import, export, collect, employees, stock, loans.",
    "kpi": "The three KPIs for YEAR: value, target, met (--details: the lists behind them).",
    "maintenance": (
        "Planned maintenance windows (also possible as [[maintenance]] in the config)."
    ),
    "notifications": "Built-in e-mail and webhook notifications.",
    "outages": "Outages: list, add historical ones, import a CSV, reclassify.",
    "register": "§82 register of employee IT monitoring (authorisations, notices, acts).",
    "repairs": "Repair protocols (protokoły napraw).",
    "report": 'Reports: the annual quality report of the process "Obsługa informatyczna".',
}

# The features with a ``Feature.derive`` hook (a test holds this equal to the hooks), so a
# CLI command opening the database imports those, not every feature (~0.7 s of start-up).
DERIVE_FEATURES: tuple[str, ...] = ("checks.hosts.plugin",)

# Each feature's message texts (a module defining ``TEXTS``: code → {"pl": …, "en": …}),
# registered by ``itops.messages`` the first time a code it does not know is rendered.
MESSAGE_MODULES: tuple[str, ...] = (
    "checks.kinds.texts",
    "checks.kinds.backup_texts",
    "inventory.register.texts",
    "inventory.software_texts",
    "inventory.event_texts",
    "checks.availability.outage_texts",
)

# Each feature's config sections (a module defining ``SECTIONS``), in validation order: a
# section may cross-check the sections above it ([[maintenance]] names [[checks]]). Only
# these small modules are imported to load a config, not the features themselves.
CONFIG_MODULES: tuple[str, ...] = (
    "checks.config",
    "checks.hosts.config",
    "checks.backups.config",
    "inventory.register.config",
    "itops.notifications.config",
    "checks.availability.config",
    "inventory.config",
    "reports.config",
)


@dataclass(frozen=True)
class NavItem:
    """A dashboard menu entry: Polish label (translated at render), path, roles that see it."""

    label: str
    path: str
    roles: tuple[str, ...]
    order: int = 100


@dataclass(frozen=True)
class Job:
    """A periodic job the daemon schedules: ``func(ctx)`` every ``seconds``, the first
    run ``first_in`` seconds after the start (``None``: at a stable offset in the period)."""

    id: str
    seconds: float
    func: Callable[[AppContext], Any]
    first_in: float | None = 0


@dataclass(frozen=True)
class Tile:
    """A KPI or status tile on the dashboard's home page ("Pulpit")."""

    label: str
    value: str
    detail: str = ""
    ok: bool | None = None
    link: str | None = None
    # the year-to-date figure at the end of each month so far (its last bar is ``value``),
    # drawn in the page's language
    trend: Callable[[str], Chart] | None = None
    # the KPI's target ratio, shown through the ``target`` filter in the page's language,
    # with how the value must compare ("<" KPI 2, "≥" KPI 3, none for a 100 % target)
    # (a tile without one is a count or a state: "w porządku" / "wymaga uwagi", never
    # "poniżej celu" for a toner order)
    target: float | None = None
    target_relation: str = ""
    # label, value and detail in the page's language, for a tile whose texts hold figures
    # ("KPI 2: naprawy 2026", a percent's decimal sign, "przestoje 12 min"); None: label
    # and detail through the translation table, the value as it is
    say: Callable[[str], tuple[str, str, str]] | None = None


@dataclass(frozen=True)
class Problem:
    """An active problem on the Pulpit besides the checks (a backup, antivirus, a silent
    agent): its state, what it is (Polish, translated at render), where to look."""

    status: Status
    what: str
    name: str
    link: str
    since: datetime | None = None
    detail: object = ""  # a Summary or a stored result text (the page's summary filter)
    note: str = ""  # Polish, translated at render
    roles: tuple[str, ...] = ()  # who may open ``link`` (empty: every role)


@dataclass(frozen=True)
class Panel:
    """A chart section on the Pulpit: Polish heading (translated at render), chart, link."""

    title: str
    chart: Chart
    link: str | None = None
    help: str = ""


@dataclass(frozen=True)
class Feature(Generic[S]):
    """Hooks a feature package offers the core; all optional."""

    name: str
    # The feature's typed service object (a ``Service``'s ``of``, see itops.services):
    # one per context, built by the core before it asks for any hook below. The hooks that
    # register long-lived things (jobs, result sinks, event subscribers, collectors, agent
    # report parts) receive that object, as client_python's collectors receive their
    # ``registry=``, instead of looking it up; a feature without one receives None.
    build: Callable[[AppContext], S] | None = None
    models: Sequence[str] = ()
    cli: Callable[[click.Group], None] | None = None
    routes: Callable[[AppContext], Sequence[BaseRoute]] | None = None
    jobs: Callable[[AppContext, S], Sequence[Job]] | None = None
    nav: Sequence[NavItem] = field(default_factory=tuple)
    templates: str | None = None
    checks: Callable[[AppContext], Sequence[Check[Any]]] | None = None  # for the engine
    # The configured checks the status board and /metrics list (name, kind, unit, kpi).
    configured: Callable[[Settings], Sequence[CheckEntry]] | None = None
    # Records a period itops did not watch, in the heartbeat's transaction (at start).
    unwatched: Callable[[Session, Unwatched], None] | None = None
    sinks: Callable[[AppContext, S], Sequence[ResultSink]] | None = None
    collectors: Callable[[AppContext, S], Sequence[Collector]] | None = None
    tiles: Callable[[AppContext], Sequence[Tile]] | None = None
    # Pulpit: active problems besides the checks, and chart panels (in the page's language)
    problems: Callable[[AppContext], Sequence[Problem]] | None = None
    panels: Callable[[AppContext, str], Sequence[Panel]] | None = None
    subscribers: Callable[[AppContext, S], Sequence[Callable[[Event], None]]] | None = None
    start: Callable[[AppContext], Any] | None = None
    stop: Callable[[AppContext], Any] | None = None
    # After the running settings changed (SIGHUP reload, derived checks), in a worker thread.
    reloaded: Callable[[AppContext], Any] | None = None
    translations: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # stored key → Polish label
    summaries: Sequence[tuple[str, str]] = ()  # check summary regex → Polish template
    # Paths whose request bodies may exceed [web] max_request_bytes (path → byte cap).
    body_limits: Callable[[AppContext], Mapping[str, int]] | None = None
    # Settings completed from the database (e.g. one check per host of a [[host_checks]]
    # group): pure over the file's settings and one read session; see itops.context.derive_settings.
    derive: Callable[[Settings, Session], Settings] | None = None
    # Sections of an agent report this feature stores in the report's own transaction.
    report_parts: Callable[[AppContext, S], Sequence[ReportPart[Any]]] | None = None

    def service(self, ctx: AppContext) -> S:
        """The service object of ``ctx`` for the hooks (None for a feature without one)."""
        return self.build(ctx) if self.build is not None else cast(S, None)


def features() -> list[Feature[Any]]:
    return [importlib.import_module(path).feature for path in FEATURES]


def configured_checks(settings: Settings) -> list[CheckEntry]:
    """Every feature's configured checks (``Feature.configured``), in table order."""
    return [c for feat in features() if feat.configured for c in feat.configured(settings)]


def feature(path: str) -> Feature[Any]:
    """The feature of one plugin module (a row of ``FEATURES``)."""
    found: Feature[Any] = importlib.import_module(path).feature
    return found


def command_owner(name: str) -> str | None:
    """The plugin module whose CLI adds the top-level command ``name`` (None: none)."""
    return next((path for path in FEATURES if name in FEATURE_COMMANDS.get(path, ())), None)


def import_models() -> None:
    """Import every feature's model modules so ``Base.metadata`` is complete."""
    importlib.import_module("itops.db.models")
    for feat in features():
        for module in feat.models:
            importlib.import_module(module)
