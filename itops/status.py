"""Check states, ordered by how much attention they need.

UNKNOWN sorts last because "could not tell" must never hide a real CRITICAL in a
``worst()`` across checks, yet it is a monitoring gap, not downtime.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from itops.messages import Summary


class Status(IntEnum):
    """OK < WARNING < CRITICAL < UNKNOWN, with the Nagios/Prometheus numbers 0..3."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3

    @property
    def is_failure(self) -> bool:
        """A state that counts towards an outage once confirmed."""
        return self is Status.CRITICAL


def worst(statuses: Iterable[Status]) -> Status:
    """The most severe state; OK for an empty input."""
    return max(statuses, default=Status.OK)


@dataclass(frozen=True, slots=True)
class Measurement:
    """One named value a probe observed, with its unit (``s``, ``B``, ``%``, ``ts`` …)."""

    name: str
    value: float
    unit: str = ""

    def __reduce__(self) -> tuple[type[Measurement], tuple[str, float, str]]:
        # Probe workers pickle every result to the daemon: the constructor's arguments
        # unpickle ~3x faster than dataclasses' generic frozen-slots __setstate__.
        return Measurement, (self.name, self.value, self.unit)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one run of one check produced: the status, its summary (a message code and
    parameters, rendered in the reader's language) and the values."""

    check: str
    kind: str
    status: Status
    summary: Summary
    started_at: datetime
    duration: float
    measurements: tuple[Measurement, ...] = field(default=())

    def __reduce__(self) -> tuple[type[ProbeResult], tuple[Any, ...]]:
        # As Measurement.__reduce__: the constructor's arguments, not the generic
        # frozen-slots state (its per-object dataclasses.fields() call was 18 % of the
        # daemon's main process, unpickling the workers' results).
        return ProbeResult, (
            self.check,
            self.kind,
            self.status,
            self.summary,
            self.started_at,
            self.duration,
            self.measurements,
        )

    def value(self, name: str) -> float | None:
        for m in self.measurements:
            if m.name == name:
                return m.value
        return None

    def service_time(self) -> ServiceTime | None:
        """What the probe measured of the service's speed (not how long the check took:
        a router's check ran 407 ms while its ICMP round trip was 0.4 ms); None when the
        probe measures no such time or did not get it (refused, all pings lost)."""
        if (self.value("loss_percent") or 0.0) >= 100:
            return None
        for name, to_ms, label in SERVICE_TIMES:
            value = self.value(name)
            if value is not None:
                return ServiceTime(value * to_ms, label)
        return None


@dataclass(frozen=True, slots=True)
class ServiceTime:
    """A time the probe measured, in milliseconds, with its name (a Polish label)."""

    ms: float
    label: str


# The service's own time by measurement name, in order of preference, with its factor to
# milliseconds and the words that name it on pages (translated like every label).
SERVICE_TIMES: tuple[tuple[str, float, str], ...] = (
    ("ttfb_seconds", 1000.0, "czas do pierwszego bajtu HTTP"),
    ("rtt_avg_ms", 1.0, "czas odpowiedzi ICMP (RTT)"),
    ("connect_seconds", 1000.0, "czas nawiązania połączenia TCP"),
    ("handshake_seconds", 1000.0, "czas połączenia i uzgodnienia TLS"),
    ("resolve_seconds", 1000.0, "czas odpowiedzi DNS"),
)
