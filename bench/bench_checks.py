"""Check engine benchmark: the real ``itops run`` daemon, measured from outside, against
Debian's prometheus-blackbox-exporter driven by ``wrk``, on 127.0.0.1 only.

Needs: ``apt-get install prometheus-blackbox-exporter wrk`` (both in the Makefile's
DEB_PACKAGES; ``make deb-deps`` installs them). Run: ``.venv/bin/python bench/bench_checks.py``
(``--help`` for the knobs). Prints figures; asserts nothing; never part of ``make test``.

1. throughput (``--rounds`` paired rounds, order alternating, each side ``--window`` s):
   - itops: ``itops run`` as a subprocess with a generated config of ``--checks`` checks
     (half tcp, half http) at ``--interval`` (demand far above capacity) and
     ``max_concurrency = --connections``; its rate is the increase of its own
     ``itops_probes_total`` over the window, after ``--warmup`` s. The default 10,000
     checks at 1 s ask for more than the daemon probes on two cores (2,000 did not: its rate
     was the demand); a round where itops reaches 90 % of the demand is marked "capped by
     demand", its ratio only a lower bound. While blackbox runs, the daemon (and its
     workers) are SIGSTOPped, so neither side competes with the other.
   - blackbox_exporter: ``wrk -t1 -c CONNECTIONS`` requests ``/probe`` for the same targets
     (tcp_connect, http_2xx) in turn; a Lua hook counts bodies without ``probe_success 1``.
   Per round: both rates, ``ratio_vs_blackbox``, probes per CPU-second of each process
   (children included), RSS; then the median ratio.
2. lateness (``--late-checks`` at ``--late-interval``, default 10,000 at 60 s): a fresh
   daemon, one interval of warm-up, then over ``--late-window`` s the delta of its
   ``itops_probe_lateness_seconds`` histogram (p50/p99 interpolated within buckets, as
   ``histogram_quantile`` does), probes that failed against healthy targets, RSS, and GET
   /metrics every second on the live daemon (p50/p99 of the whole scrape), then as long
   without scrapes: the main process's extra CPU seconds per scrape.
Load average (``uptime``) is printed at each phase: the reference machine is shared, so the
paired ratios count, not the absolute rates.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
ITOPS = str(Path(sys.executable).parent / "itops")
BLACKBOX = "/usr/bin/prometheus-blackbox-exporter"
CATCH_UP = 3.0  # seconds for the daemon to catch up after SIGCONT, before its window
CAPPED = 0.9  # a round where itops reaches this share of the demand measured the demand

TARGETS = textwrap.dedent(
    """
    import asyncio, sys
    RESPONSE = b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok"

    class Tcp(asyncio.Protocol):
        def connection_made(self, transport):
            transport.close()

    class Http(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport
            self.buffer = b""
        def data_received(self, data):
            self.buffer += data
            if b"\\r\\n\\r\\n" in self.buffer:
                self.transport.write(RESPONSE)
                self.transport.close()

    async def main(count):
        loop = asyncio.get_running_loop()
        ports = []
        for factory in [Tcp] * count + [Http] * count:
            server = await loop.create_server(factory, "127.0.0.1", 0, backlog=4096)
            ports.append(server.sockets[0].getsockname()[1])
        print(" ".join(map(str, ports)), flush=True)
        await asyncio.Event().wait()

    asyncio.run(main(int(sys.argv[1])))
    """
)

BLACKBOX_CONFIG = """
modules:
  tcp_connect:
    prober: tcp
    timeout: 5s
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
"""

WRK_SCRIPT = """
local paths = {%s}
local counter = 0
failed = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
function response(status, headers, body)
  if not string.find(body, "probe_success 1", 1, true) then failed = failed + 1 end
end
function done(summary, latency, requests)
  local f = 0
  for _, t in ipairs(threads) do f = f + t:get("failed") end
  io.write(string.format("BENCH requests=%%d failed=%%d errors=%%d\\n", summary.requests, f,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def start_targets(per_kind: int) -> tuple[subprocess.Popen[str], list[int], list[int]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", TARGETS, str(per_kind)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    ports = [int(p) for p in proc.stdout.readline().split()]
    return proc, ports[:per_kind], ports[per_kind:]


def targets_of(n: int, tcp: list[int], http: list[int]) -> list[tuple[str, str]]:
    """(kind, target) of check i: even tcp host:port, odd http URL, ports in turn."""
    out = []
    for i in range(n):
        if i % 2 == 0:
            out.append(("tcp", f"127.0.0.1:{tcp[i // 2 % len(tcp)]}"))
        else:
            out.append(("http", f"http://127.0.0.1:{http[i // 2 % len(http)]}/"))
    return out


class Tree:
    """CPU seconds and RSS of a process and its children (the daemon's workers)."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)

    def procs(self) -> list[psutil.Process]:
        return [self.proc, *self.proc.children(recursive=True)]

    def cpu(self) -> float:
        """CPU seconds of the process, its live children and the children it reaped (a
        restarted worker, a feature job's command): monotonic, unlike a sum over the
        children alive now."""
        own = self.proc.cpu_times()
        total = own.children_user + own.children_system
        for p in self.procs():
            try:
                times = p.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def rss_mib(self) -> float:
        total = 0
        for p in self.procs():
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total / 2**20

    def signal(self, sig: signal.Signals) -> None:
        for p in self.procs():
            try:
                p.send_signal(sig)
            except psutil.NoSuchProcess:
                pass


class Itops:
    """``itops run`` on a generated config, in a folder of its own."""

    def __init__(
        self,
        folder: Path,
        checks: list[tuple[str, str]],
        interval: float,
        concurrency: int,
        workers: int | None,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        db_url = f"sqlite:///{folder / 'itops.db'}"
        lines = [
            '[office]\nname = "Urząd Testowy (bench)"\ntimezone = "Europe/Warsaw"\n',
            f'[storage]\nurl = "{db_url}"\n',
            f'[web]\nbind = "127.0.0.1:{self.port}"\n',
            f"[daemon]\nmax_concurrency = {concurrency}\n"
            + (f"workers = {workers}\n" if workers is not None else ""),
        ]
        for i, (kind, target) in enumerate(checks):
            key = (
                f'host = "127.0.0.1"\nport = {target.rsplit(":", 1)[1]}'
                if kind == "tcp"
                else f'url = "{target}"'
            )
            lines.append(
                f'[[checks]]\nname = "{kind}-{i}"\nkind = "{kind}"\n{key}\n'
                f'interval = "{interval:g}s"\ntimeout = "{min(5.0, interval):g}s"\n'
            )
        config = folder / "itops.toml"
        config.write_text("\n".join(lines), encoding="utf-8")
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("ITOPS_DATABASE_URL", "ITOPS_CONFIG", "NOTIFY_SOCKET")
        }
        subprocess.run(
            [ITOPS, "--config", str(config), "db", "upgrade"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        self.log = (folder / "daemon.log").open("wb")
        self.proc = subprocess.Popen(
            [ITOPS, "--config", str(config), "run"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        self.tree = Tree(self.proc.pid)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                self.scrape()
                return
            except OSError:
                if self.proc.poll() is not None:
                    log = (folder / "daemon.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"itops exited:\n{log}") from None
                time.sleep(0.2)
        raise RuntimeError("itops did not answer /metrics")

    def scrape(self) -> str:
        url = f"http://127.0.0.1:{self.port}/metrics"
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - 127.0.0.1
            return str(response.read().decode("utf-8"))

    def probes(self) -> tuple[float, float]:
        """(all probes, probes not ok) from ``itops_probes_total``."""
        total = bad = 0.0
        for kind_result, value in re.findall(
            r'^itops_probes_total\{kind="[^"]*",result="([a-z]+)"\} (\S+)$', self.scrape(), re.M
        ):
            total += float(value)
            if kind_result != "ok":
                bad += float(value)
        return total, bad

    def lateness(self) -> list[tuple[float, float]]:
        """Cumulative (le, count) of ``itops_probe_lateness_seconds``."""
        out = []
        for le, value in re.findall(
            r'^itops_probe_lateness_seconds_bucket\{le="([^"]+)"\} (\S+)$', self.scrape(), re.M
        ):
            out.append((float("inf") if le == "+Inf" else float(le), float(value)))
        return out

    def close(self) -> None:
        self.tree.signal(signal.SIGCONT)
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class Blackbox:
    """prometheus-blackbox-exporter on 127.0.0.1, driven by wrk over /probe."""

    def __init__(self, folder: Path, checks: list[tuple[str, str]]) -> None:
        config = folder / "blackbox.yml"
        config.write_text(BLACKBOX_CONFIG)
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                BLACKBOX,
                f"--config.file={config}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=error",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.tree = Tree(self.proc.pid)
        paths = [
            f'"/probe?module={"tcp_connect" if kind == "tcp" else "http_2xx"}&target={target}"'
            for kind, target in checks
        ]
        self.script = folder / "probe.lua"
        self.script.write_text(WRK_SCRIPT % ",".join(paths))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(  # noqa: S310 - 127.0.0.1
                    f"http://127.0.0.1:{self.port}/metrics", timeout=5
                ):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("blackbox_exporter did not start")

    def burst(self, seconds: float, connections: int) -> dict[str, float]:
        c0, t0 = self.tree.cpu(), time.monotonic()
        done = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds:g}s",
                "--timeout",
                "10s",
                "-s",
                str(self.script),
                f"http://127.0.0.1:{self.port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        wall, cpu = time.monotonic() - t0, self.tree.cpu() - c0
        found = re.search(r"BENCH requests=(\d+) failed=(\d+) errors=(\d+)", done.stdout)
        if found is None:
            raise RuntimeError(done.stdout + done.stderr)
        requests, failed, errors = (int(x) for x in found.groups())
        return {
            "rate": requests / wall,
            "failed": failed + errors,
            "cpu": cpu,
            "per_cpu": requests / max(cpu, 1e-9),
            "rss": self.tree.rss_mib(),
        }

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def itops_window(itops: Itops, seconds: float) -> dict[str, float]:
    p0, bad0 = itops.probes()
    c0, t0 = itops.tree.cpu(), time.monotonic()
    time.sleep(seconds)
    p1, bad1 = itops.probes()
    wall, cpu = time.monotonic() - t0, itops.tree.cpu() - c0
    return {
        "rate": (p1 - p0) / wall,
        "failed": bad1 - bad0,
        "cpu": cpu,
        "per_cpu": (p1 - p0) / max(cpu, 1e-9),
        "rss": itops.tree.rss_mib(),
    }


@contextmanager
def stopped(itops: Itops) -> Iterator[None]:
    itops.tree.signal(signal.SIGSTOP)
    try:
        yield
    finally:
        itops.tree.signal(signal.SIGCONT)


def quantile(buckets: list[tuple[float, float]], q: float) -> float:
    """``histogram_quantile`` over cumulative (le, count) pairs."""
    total = buckets[-1][1]
    if total <= 0:
        return float("nan")
    rank, lower, below = q * total, 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if le == float("inf"):
                return lower
            return lower + (le - lower) * (rank - below) / max(count - below, 1e-9)
        lower, below = le, count
    return lower


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def throughput(args: argparse.Namespace, folder: Path, checks: list[tuple[str, str]]) -> None:
    print(
        f"throughput: {len(checks)} checks (half tcp, half http) at {args.interval:g}s "
        f"= {len(checks) / args.interval:.0f} probes/s demanded, {args.connections} "
        f"connections each side, {args.window:g}s windows; {load_average()}"
    )
    itops = Itops(folder / "itops", checks, args.interval, args.connections, args.workers)
    blackbox = Blackbox(folder, checks)
    ratios: list[float] = []
    per_cpu: list[tuple[float, float]] = []
    demand, capped_rounds = len(checks) / args.interval, 0
    try:
        time.sleep(args.warmup)
        for round_no in range(1, args.rounds + 1):
            load = os.getloadavg()[0]
            if round_no % 2:
                ours = itops_window(itops, args.window)
                with stopped(itops):
                    theirs = blackbox.burst(args.window, args.connections)
                time.sleep(CATCH_UP)  # the daemon catches up after SIGCONT
            else:
                with stopped(itops):
                    theirs = blackbox.burst(args.window, args.connections)
                time.sleep(CATCH_UP)
                ours = itops_window(itops, args.window)
            ratio = ours["rate"] / theirs["rate"]
            ratios.append(ratio)
            capped = ours["rate"] >= CAPPED * demand
            capped_rounds += capped
            per_cpu.append((ours["per_cpu"], theirs["per_cpu"]))
            print(
                f"round {round_no}: itops {ours['rate']:.0f} probes/s (not ok "
                f"{ours['failed']:.0f}, {ours['per_cpu']:.0f} probes per CPU-second, "
                f"cpu {ours['cpu'] / args.window * 100:.0f}%, rss {ours['rss']:.0f} MiB) | "
                f"blackbox_exporter {theirs['rate']:.0f} probes/s (failed "
                f"{theirs['failed']:.0f}, {theirs['per_cpu']:.0f} probes per CPU-second, "
                f"cpu {theirs['cpu'] / args.window * 100:.0f}%, rss {theirs['rss']:.0f} MiB)"
                f" | ratio_vs_blackbox={ratio:.2f}{' (capped by demand)' if capped else ''}"
                f" | load {load:.2f}"
            )
    finally:
        blackbox.close()
        itops.close()
    print(
        f"median ratio_vs_blackbox={statistics.median(ratios):.2f} over {len(ratios)} "
        f"rounds (min {min(ratios):.2f}, max {max(ratios):.2f}); {load_average()}"
    )
    if capped_rounds:
        print(
            f"{capped_rounds} round(s) capped by demand: itops probed all it was asked, its "
            "ratio there is a lower bound; raise --checks"
        )
    ours_cpu = statistics.median(o for o, _ in per_cpu)
    theirs_cpu = statistics.median(t for _, t in per_cpu)
    print(
        f"median probes per CPU-second: itops {ours_cpu:.0f}, blackbox_exporter "
        f"{theirs_cpu:.0f}; median per-round ratio "
        f"{statistics.median(o / t for o, t in per_cpu):.2f} (the fair figure on a shared "
        "machine: rates follow each side's share of the CPUs)"
    )


def main_cpu(itops: Itops) -> float:
    """CPU seconds of the daemon's main process alone (it serves /metrics; no workers)."""
    times = itops.tree.proc.cpu_times()
    return float(times.user + times.system)


def lateness(args: argparse.Namespace, folder: Path, checks: list[tuple[str, str]]) -> None:
    print(
        f"lateness: {len(checks)} checks at {args.late_interval:g}s "
        f"({len(checks) / args.late_interval:.0f} probes/s); warm-up {args.late_interval:g}s, "
        f"window {args.late_window:g}s; {load_average()}"
    )
    itops = Itops(folder / "late", checks, args.late_interval, 200, args.workers)
    try:
        time.sleep(args.late_interval)
        before, (p0, bad0) = itops.lateness(), itops.probes()
        scrapes: list[float] = []
        cpu0, t_start = main_cpu(itops), time.monotonic()
        deadline = t_start + args.late_window
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            itops.scrape()
            scrapes.append(time.perf_counter() - t0)
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - t0)))
        cpu1, t_end = main_cpu(itops), time.monotonic()
        after, (p1, bad1) = itops.lateness(), itops.probes()
        delta = [(le, a - b) for (le, a), (_, b) in zip(after, before, strict=True)]
        print(
            f"lateness: {p1 - p0:.0f} probes in the window ({bad1 - bad0:.0f} not ok against "
            f"healthy targets), p50 {quantile(delta, 0.5) * 1000:.1f} ms, "
            f"p99 {quantile(delta, 0.99) * 1000:.1f} ms; rss {itops.tree.rss_mib():.0f} MiB"
        )
        print(
            f"/metrics on the live daemon ({len(checks)} checks, {len(scrapes)} scrapes): "
            f"p50 {percentile(scrapes, 50) * 1000:.1f} ms, "
            f"p99 {percentile(scrapes, 99) * 1000:.1f} ms, "
            f"max {max(scrapes) * 1000:.1f} ms; {load_average()}"
        )
        # the same length without scrapes: the difference is what the scrapes cost
        quiet0 = main_cpu(itops)
        time.sleep(t_end - t_start)
        quiet = main_cpu(itops) - quiet0
        print(
            f"daemon main process CPU over {t_end - t_start:.0f} s: {cpu1 - cpu0:.2f} s with "
            f"scrapes, {quiet:.2f} s without: ~{(cpu1 - cpu0 - quiet) / len(scrapes) * 1000:.1f}"
            f" ms of CPU per scrape (workers not counted); {load_average()}"
        )
    finally:
        itops.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    parser.add_argument(
        "--checks",
        type=int,
        default=10_000,
        help="checks of the throughput phase; at --interval their demand must stay far above "
        "what itops probes, or its rate is the demand (rounds within 10 %% of it are marked)",
    )
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument(
        "--warmup",
        type=float,
        default=20.0,
        help="seconds before the first round (the daemon's start-up jobs: the year's KPI, "
        "its own host's inventory)",
    )
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--ports", type=int, default=20, help="target ports per kind")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="[daemon] workers for itops (default: its own default)",
    )
    parser.add_argument("--late-checks", type=int, default=10_000)
    parser.add_argument("--late-interval", type=float, default=60.0)
    parser.add_argument("--late-window", type=float, default=90.0)
    parser.add_argument("--skip", choices=["throughput", "lateness"], action="append", default=[])
    args = parser.parse_args()
    for tool in ("wrk", BLACKBOX):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} missing: apt-get install wrk prometheus-blackbox-exporter")
    targets, tcp, http = start_targets(args.ports)
    try:
        with tempfile.TemporaryDirectory(prefix="itops-bench-") as tmp:
            if "throughput" not in args.skip:
                throughput(args, Path(tmp), targets_of(args.checks, tcp, http))
            if "lateness" not in args.skip:
                lateness(args, Path(tmp), targets_of(args.late_checks, tcp, http))
    finally:
        targets.terminate()
        targets.wait(10)


if __name__ == "__main__":
    main()
