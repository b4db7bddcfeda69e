"""The contract every check kind implements: typed options, I/O probe, pure evaluate.

Splitting I/O from judgement (as nagiosplugin does) keeps thresholds testable
without sockets and keeps probes free of policy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from itops.messages import Summary
from itops.status import Measurement, Status


class KindSpec(Protocol):
    """What a kind is built from, whichever section configures it (``[[checks]]``,
    ``[[backups]]``, ``[[antivirus.clamav]]``): the engine schedules ``interval``, the
    runner enforces ``timeout``, the kind reads ``options`` (its own typed keys)."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def interval(self) -> timedelta: ...

    @property
    def timeout(self) -> timedelta: ...

    @property
    def options(self) -> Any: ...


class CheckEntry(Protocol):
    """A configured check as the core lists it (status board, ``/metrics``): the feature
    owning ``[[checks]]`` hands these through ``Feature.configured``."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def unit(self) -> str: ...

    @property
    def kpi(self) -> bool:
        """Whether failures of the check count as downtime in KPI 1."""
        ...


class Options(BaseModel):
    """Base of a kind's own config keys: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


OptionsT = TypeVar("OptionsT", bound=Options)


class Check(ABC, Generic[OptionsT]):
    """One configured check.

    1. ``probe()`` does the I/O and returns measurements; it raises ``ProbeError`` when it
       cannot tell (itops's own fault, permission denied …) — a monitoring gap.
    2. ``evaluate()`` is pure: measurements → (status, ``Summary(code, params)``).
    A timeout of the whole probe is reported with ``timeout_status``: for a network
    service "no answer in time" is a failure, for a local resource it is "could not tell".
    """

    kind: ClassVar[str]
    Options: ClassVar[type[Options]]
    # The kind's messages: {code: {"pl": ..., "en": ...}}, registered with the kind.
    TEXTS: ClassVar[Mapping[str, Mapping[str, str]]] = {}
    counts_for_kpi_default: ClassVar[bool] = True
    timeout_status: ClassVar[Status] = Status.CRITICAL

    def __init__(self, config: KindSpec) -> None:
        self.config = config
        self.options: OptionsT = config.options

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def target(self) -> str:
        """What the check looks at, for listings (host:port, URL, mount point …)."""
        return ""

    @abstractmethod
    async def probe(self) -> Sequence[Measurement]:
        """Observe the target; only I/O here."""

    @abstractmethod
    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        """Judge the measurements against this check's thresholds; no I/O. The summary is a
        code of the kind's text table (``TEXTS``) and its parameters, never prose."""
