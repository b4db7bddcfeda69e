"""Prometheus metrics of backups and antivirus, read from the in-memory snapshot only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from checks.backups.service import BackupService


class BackupCollector(Collector):
    """The metric names of the issue; a scrape never touches the database."""

    def __init__(self, service: BackupService) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        snap = self.service.snapshot
        now = self.service.ctx.clock.now()
        with snap.lock:
            backups = sorted(snap.backups.values(), key=lambda b: b.name)
            hosts = sorted(snap.antivirus.values(), key=lambda h: h.host)
            good, counted = snap.antivirus_tally()
        last = GaugeMetricFamily(
            "itops_backup_last_success_timestamp_seconds",
            "time of the newest successful backup (file mtime, snapshot, archive, ping)",
            labels=["backup"],
        )
        verify_ok = GaugeMetricFamily(
            "itops_backup_verify_success", "1 when the last verification passed", labels=["backup"]
        )
        verify_at = GaugeMetricFamily(
            "itops_backup_verify_timestamp_seconds",
            "time of the last completed verification",
            labels=["backup"],
        )
        size = GaugeMetricFamily(
            "itops_backup_size_bytes", "size of the newest backup", labels=["backup"]
        )
        status = GaugeMetricFamily(
            "itops_backup_status",
            "backup status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
            labels=["backup"],
        )
        for b in backups:
            if b.last_success_at is not None:
                last.add_metric([b.name], b.last_success_at.timestamp())
            if b.last_verify_ok is not None:
                verify_ok.add_metric([b.name], 1 if b.last_verify_ok else 0)
            if b.last_verify_at is not None:
                verify_at.add_metric([b.name], b.last_verify_at.timestamp())
            if b.last_size is not None:
                size.add_metric([b.name], b.last_size)
            status.add_metric([b.name], int(b.status))
        yield from (last, verify_ok, verify_at, size, status)
        age = GaugeMetricFamily(
            "itops_antivirus_signature_age_seconds",
            "age of the antivirus signatures",
            labels=["host", "product"],
        )
        realtime = GaugeMetricFamily(
            "itops_antivirus_realtime_enabled",
            "1 when real-time protection (Defender) or clamd (ClamAV) is on",
            labels=["host"],
        )
        compliant = GaugeMetricFamily(
            "itops_antivirus_compliant", "1 when the host is compliant", labels=["host"]
        )
        for h in hosts:
            if h.signature_updated is not None:
                age.add_metric([h.host, h.product], (now - h.signature_updated).total_seconds())
            if h.realtime is not None:
                realtime.add_metric([h.host], 1 if h.realtime else 0)
            compliant.add_metric([h.host], 1 if h.compliant else 0)
        yield from (age, realtime, compliant)
        # Same population as the dashboard and `itops antivirus` (Snapshot.antivirus_tally).
        if counted:
            ratio = GaugeMetricFamily(
                "itops_antivirus_compliant_ratio",
                "share of the inventory's computers in service (else of the hosts that "
                "reported) whose antivirus is compliant",
            )
            ratio.add_metric([], good / counted)
            yield ratio
