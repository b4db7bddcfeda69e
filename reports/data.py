"""The annual report's numbers as one frozen dataclass tree: the report's JSON shape.

Why a tree of dataclasses and not a dict: the renderer, the conclusions and the tests
read the same fields, and ``mypy --strict`` checks every one of them. ``to_json`` is
``dataclasses.asdict``; field names are the JSON keys (a trailing ``_`` marks a Python
keyword: ``from_`` is written ``from``). Times are office-local ISO strings and days
ISO dates, as the JSON has them; sequences are tuples so the tree stays immutable.
``Kpi`` is also the object ``itops kpi --json`` prints, so its field order is the
order of that output.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


def _keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {name.removesuffix("_"): value for name, value in pairs}


def to_json(value: Any) -> dict[str, Any]:
    """The JSON object of a dataclass of this module (keyword-named fields unescaped)."""
    data: dict[str, Any] = asdict(value, dict_factory=_keys)
    return data


# --- the KPI object (``itops kpi --json``) ---------------------------------------------


@dataclass(frozen=True)
class KpiAvailability:
    """KPI 1 of the office: the working time, the downtime in it, the target."""

    working_seconds: float  # the working time known (watched, or recorded by hand)
    downtime_seconds: float
    availability: float | None  # None: nothing known, the KPI cannot be told
    target: float
    met: bool | None
    basis: str  # "watched", "manual" (only outages entered by hand) or "none"


@dataclass(frozen=True)
class KpiAsset:
    """One asset behind a KPI 2 or 3 number."""

    inventory_no: str | None
    category: str
    purchased_on: str | None
    retired_on: str | None


@dataclass(frozen=True)
class KpiProtocol:
    """One repair protocol counted by KPI 2."""

    number: str
    date: str
    inventory_no: str | None
    kind: str


@dataclass(frozen=True)
class KpiRepairs:
    """KPI 2: counted protocols ÷ equipment in service on 31 December."""

    count: int
    equipment: int
    ratio: float | None
    target: float
    met: bool | None
    rule: str
    protocols: tuple[KpiProtocol, ...]
    equipment_list: tuple[KpiAsset, ...]


@dataclass(frozen=True)
class KpiPurchases:
    """KPI 3: computers purchased in the year ÷ computers in service on 31 December."""

    count: int
    computers: int
    ratio: float | None
    target: float
    met: bool | None
    rule: str
    purchased_list: tuple[KpiAsset, ...]
    computers_list: tuple[KpiAsset, ...]


@dataclass(frozen=True)
class Kpi:
    """The three KPIs of one year; ``as_of`` (office time, ISO) while the year is in progress:
    the figures are counted up to that moment, not over the whole year."""

    year: int
    as_of: str | None
    availability: KpiAvailability
    repairs: KpiRepairs
    purchases: KpiPurchases


# --- the report's sections -----------------------------------------------------------


@dataclass(frozen=True)
class Period:
    from_: str
    to: str
    as_of: str | None = None  # office time, ISO: the year is in progress, counted up to it


@dataclass(frozen=True)
class Meta:
    """What the process card and the signatures say; no generation time (same data, same file)."""

    year: int
    office: str
    process: str
    category: str
    process_owner: str
    organisational_unit: str
    period: Period
    itops_version: str
    counting_policy: str
    prepared_by: str
    approved_by: str
    lang: str


@dataclass(frozen=True)
class Span:
    """An interval in office time with its length."""

    start: str | None
    end: str | None
    seconds: float


@dataclass(frozen=True)
class CheckFigures:
    name: str
    kind: str
    unit: str
    counts_for_kpi: bool
    availability: float | None  # None: not watched in the year
    coverage: float
    outages: int
    working_seconds: float
    excluded_seconds: float
    downtime_seconds: float
    unknown_seconds: float


@dataclass(frozen=True)
class MonthFigures:
    month: str
    working_seconds: float
    excluded_seconds: float
    downtime_seconds: float
    availability: float | None  # None: no known working time in the month


@dataclass(frozen=True)
class OutageFigures:
    """One outage touching working time (``start``/``end`` office-local)."""

    id: int
    check: str
    start: str
    end: str | None
    working_minutes: float
    cause: str
    original_cause: str
    note: str
    counts: bool
    unit: str


@dataclass(frozen=True)
class GapFigures:
    """A check that could not tell for part of the working time."""

    check: str
    unknown_seconds: float
    coverage: float


@dataclass(frozen=True)
class AvailabilitySection:
    checks: tuple[CheckFigures, ...]
    months: tuple[MonthFigures, ...]
    outages: tuple[OutageFigures, ...]
    gaps: tuple[GapFigures, ...]


@dataclass(frozen=True)
class ProtocolFigures:
    """A protocol dated in the year and whether KPI 2 counts it."""

    number: str
    date: str
    inventory_no: str | None
    category: str
    kind: str
    counted: bool


@dataclass(frozen=True)
class RepairsSection:
    protocols: tuple[ProtocolFigures, ...]


@dataclass(frozen=True)
class PurchasedAsset:
    """A computer bought in the year, with its purchase document."""

    inventory_no: str | None
    category: str
    purchased_on: str | None
    retired_on: str | None
    document: str


@dataclass(frozen=True)
class AgeBucketFigures:
    label: str
    min_years: int
    max_years: int | None
    count: int


@dataclass(frozen=True)
class PurchasesSection:
    purchased: tuple[PurchasedAsset, ...]
    fleet_age: tuple[AgeBucketFigures, ...]


@dataclass(frozen=True)
class BackupFigures:
    """One configured backup's year: compliance, verification, restore tests."""

    name: str
    kind: str
    unit: str
    watched_seconds: float
    unknown_seconds: float
    noncompliant_seconds: float
    compliant_share: float | None
    noncompliant_periods: int
    longest_noncompliant: Span | None
    last_verification_at: str | None
    last_verification_ok: bool | None
    restore_tests: int
    restore_tests_failed: int
    last_restore_test_at: str | None


@dataclass(frozen=True)
class HostOut:
    """A host among those longest out of antivirus compliance."""

    host: str
    out_seconds: float
    compliant_share: float | None
    longest: Span | None


@dataclass(frozen=True)
class AntivirusSection:
    hosts: int
    tracked_seconds: float
    out_seconds: float
    compliant_share: float | None
    longest_out: tuple[HostOut, ...]


@dataclass(frozen=True)
class RegisterSection:
    """The §82 register's year: counts only (``acts_per_month`` keyed "1"–"12")."""

    year: int
    acts_total: int
    acts_per_month: dict[str, int]
    acts_per_scope: dict[str, int]
    acts_outside_policy: int
    all_within_policy: bool
    employees_without_notice: int
    chain_verified: bool
    head_seq: int | None
    head_hash: str | None


@dataclass(frozen=True)
class TrainingsSection:
    year: int
    trainings: int
    group: int
    individual: int
    participants: int
    participations: int


@dataclass(frozen=True)
class AnnexBackup:
    name: str
    last_verification_at: str | None
    last_verification_ok: bool | None


@dataclass(frozen=True)
class AnnexAntivirus:
    """Antivirus compliance at the time the report is made."""

    expected: int
    compliant: int
    ratio: float | None


@dataclass(frozen=True)
class RegisterSigning:
    """The register's public key and newest signed head (all None without a key)."""

    public_key: str | None
    fingerprint: str | None
    head_seq: int | None
    head_hash: str | None
    signed_at: str | None
    signature: str | None
    anchor_text: str | None
    key_problem: str


@dataclass(frozen=True)
class RegisterChain:
    verified: bool
    head_seq: int | None
    head_hash: str | None
    signing: RegisterSigning


@dataclass(frozen=True)
class OsSupportFigures:
    hostname: str | None
    inventory_no: str | None
    os: str
    end_of_support: str | None
    supported: bool | None


@dataclass(frozen=True)
class UpdateRiskFigures:
    """Computers that reported and how many are at update risk, per reason (today)."""

    computers: int
    at_risk: int
    end_of_support: int
    security_pending: int
    reboot_pending: int
    silent: int
    security_max_days: int


@dataclass(frozen=True)
class Annex:
    """The state on the day the report is made (not the year's figures)."""

    backups: tuple[AnnexBackup, ...]
    antivirus: AnnexAntivirus
    register_chain: RegisterChain
    os_support: tuple[OsSupportFigures, ...]
    updates: UpdateRiskFigures


@dataclass(frozen=True)
class Conclusion:
    """One sentence per KPI; for a missed target, the facts behind it."""

    kpi: str
    met: bool | None
    text: str


@dataclass(frozen=True)
class AnnualReport:
    """Every number of the annual quality report of one year, in one language."""

    meta: Meta
    kpi: Kpi
    availability: AvailabilitySection
    repairs: RepairsSection
    purchases: PurchasesSection
    backups: tuple[BackupFigures, ...]
    antivirus: AntivirusSection
    register: RegisterSection
    trainings: TrainingsSection
    annex: Annex
    conclusions: tuple[Conclusion, ...] = ()
