"""``snmp``: switches and routers (IF-MIB), UPS (RFC 1628 UPS-MIB), printers (Printer-MIB).

pysnmp's current line (7.x, asyncio, pure Python) rather than the net-snmp bindings
(ezsnmp): measured here (bench/bench_kinds.py, engine kept per check) a v2c GET of five
UPS values costs pysnmp ~3 ms of CPU (v3 authPriv ~3.5 ms), a printer's GET and four
column walks ~16 ms, a switch's six walks ~25 ms; ezsnmp measured ~0.1 ms for a v2c GET
but ~10 ms for v3 (it re-derives keys), blocks a thread per request and keeps net-snmp's
global state, and pysnmp is already what snmpsim (the recorded devices in the tests) runs
on. An office polls tens of devices a minute: well under a second of CPU per minute.

Credentials: v2c community, or v3 user with authPriv; secrets may come from files.
Refused v3 credentials (wrong digest, unknown user, undecryptable reply) are UNKNOWN
with the reason - itops could not tell, the device is not down. A request without an
answer is ambiguous (a v2c agent stays silent on a wrong community, snmpd on a wrong
privacy key): an unauthenticated v3 discovery tells a live device (UNKNOWN, "answers but
refuses the credentials") from a silent one (CRITICAL, no answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from checks.kinds.snmp_eval import TEXTS, judge_printer, judge_switch, judge_ups
from checks.kinds.texts import errno_reason
from itops.check import Check, Options
from itops.errors import ProbeError
from itops.messages import Summary, joined, raw
from itops.status import Measurement, Status, worst

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
IF_COLUMNS = {
    "ifDescr": "1.3.6.1.2.1.2.2.1.2",
    "ifAdmin": "1.3.6.1.2.1.2.2.1.7",
    "ifOper": "1.3.6.1.2.1.2.2.1.8",
    "ifInErrors": "1.3.6.1.2.1.2.2.1.14",
    "ifOutErrors": "1.3.6.1.2.1.2.2.1.20",
    "ifName": "1.3.6.1.2.1.31.1.1.1.1",
}
UPS_SCALARS = {
    "ups_battery_status": "1.3.6.1.2.1.33.1.2.1.0",
    "ups_seconds_on_battery": "1.3.6.1.2.1.33.1.2.2.0",
    "ups_minutes_remaining": "1.3.6.1.2.1.33.1.2.3.0",
    "ups_charge_percent": "1.3.6.1.2.1.33.1.2.4.0",
    "ups_output_source": "1.3.6.1.2.1.33.1.4.1.0",
}
PRINTER_SCALARS = {
    "printer_device_status": "1.3.6.1.2.1.25.3.2.1.5.1",
    "printer_status": "1.3.6.1.2.1.25.3.5.1.1.1",
    "printer_error_state": "1.3.6.1.2.1.25.3.5.1.2.1",
}
SUPPLY_COLUMNS = {
    "supply_type": "1.3.6.1.2.1.43.11.1.1.5",
    "desc": "1.3.6.1.2.1.43.11.1.1.6",
    "supply_max": "1.3.6.1.2.1.43.11.1.1.8",
    "supply_level": "1.3.6.1.2.1.43.11.1.1.9",
}
# pysnmp error indications meaning "the device answered and refused who we are" → the
# code of the reason (snmp_eval.TEXTS).
REFUSED = {
    "WrongDigest": "snmp.refused.auth_password",
    "UnknownUserName": "snmp.refused.user",
    "DecryptionError": "snmp.refused.priv_password",
    "UnknownSecurityName": "snmp.refused.user",
    "UnsupportedSecLevel": "snmp.refused.security_level",
    "NotInTimeWindow": "snmp.refused.time_window",
    "AuthenticationFailure": "snmp.refused.authentication",
}
AUTH = {
    "SHA": "usmHMACSHAAuthProtocol",
    "SHA224": "usmHMAC128SHA224AuthProtocol",
    "SHA256": "usmHMAC192SHA256AuthProtocol",
    "SHA384": "usmHMAC256SHA384AuthProtocol",
    "SHA512": "usmHMAC384SHA512AuthProtocol",
    "MD5": "usmHMACMD5AuthProtocol",
}
PRIV = {
    "AES": "usmAesCfb128Protocol",
    "AES192": "usmAesCfb192Protocol",
    "AES256": "usmAesCfb256Protocol",
    "DES": "usmDESPrivProtocol",
}


def say(code: str, **params: Any) -> Summary:
    """A message of this kind's table (``snmp_eval.TEXTS``)."""
    if code not in TEXTS:
        raise KeyError(f"{code!r} is not in this kind's texts")
    return Summary(code, params)


def _secret(inline: str | None, path: Path | None) -> str:
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            reason = errno_reason(exc.errno or 0)
            raise ProbeError.of(say("snmp.unreadable", path=str(path), reason=reason)) from None
    return inline or ""


class SnmpOptions(Options):
    host: str
    port: int = Field(default=161, ge=1, le=65535)
    device: Literal["switch", "ups", "printer"]
    version: Literal["2c", "3"] = "2c"
    community: str | None = None
    community_file: Path | None = None
    user: str | None = None
    auth_protocol: Literal["SHA", "SHA224", "SHA256", "SHA384", "SHA512", "MD5"] = "SHA"
    auth_password: str | None = None
    auth_password_file: Path | None = None
    priv_protocol: Literal["AES", "AES192", "AES256", "DES"] = "AES"
    priv_password: str | None = None
    priv_password_file: Path | None = None
    context: str = ""
    request_timeout: float = Field(default=2.0, gt=0, le=30)
    retries: int = Field(default=1, ge=0, le=5)
    interfaces: list[str] = Field(default_factory=list, max_length=512)
    warning_charge_percent: float = Field(default=50, ge=0, le=100)
    critical_charge_percent: float = Field(default=20, ge=0, le=100)
    critical_runtime_minutes: float = Field(default=5, ge=0)
    warning_supply_percent: float = Field(default=10, ge=0, le=100)
    critical_supply_percent: float = Field(default=2, ge=0, le=100)
    model: str = Field(
        default="", max_length=200
    )  # the printer's model, for the cartridges in stock

    @model_validator(mode="after")
    def _credentials(self) -> SnmpOptions:
        if self.version == "2c" and not (self.community or self.community_file):
            raise ValueError("version 2c needs community or community_file")
        if self.version == "3":
            if not self.user:
                raise ValueError("version 3 needs user")
            if not (self.auth_password or self.auth_password_file) or not (
                self.priv_password or self.priv_password_file
            ):
                raise ValueError(
                    "version 3 is authPriv: give auth_password(_file) and priv_password(_file)"
                )
        return self


class SnmpCheck(Check[SnmpOptions]):
    """Reads one device's tables and judges them by the device profile."""

    kind = "snmp"
    TEXTS = TEXTS
    Options = SnmpOptions
    counts_for_kpi_default: ClassVar[bool] = False

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self._engine: Any = None
        self._idle: Any = None  # the engine between probes (dispatcher closed)
        self._errors: dict[str, float] = {}

    @property
    def target(self) -> str:
        return f"{self.options.host}:{self.options.port}"

    def _auth(self, hl: Any) -> Any:
        o = self.options
        if o.version == "2c":
            return hl.CommunityData(_secret(o.community, o.community_file), mpModel=1)
        return hl.UsmUserData(
            o.user,
            _secret(o.auth_password, o.auth_password_file),
            _secret(o.priv_password, o.priv_password_file),
            authProtocol=getattr(hl, AUTH[o.auth_protocol]),
            privProtocol=getattr(hl, PRIV[o.priv_protocol]),
        )

    async def _session(self) -> tuple[Any, Any, Any, Any]:
        from pysnmp.hlapi.v3arch import asyncio as hl

        target = await hl.UdpTransportTarget.create(
            (self.options.host, self.options.port),
            timeout=self.options.request_timeout,
            retries=self.options.retries,
        )
        return hl, self._auth(hl), target, hl.ContextData(contextName=self.options.context)

    async def _fail(self, hl: Any, target: Any, indication: Any) -> ProbeError:
        """A ProbeError (UNKNOWN) for refused credentials, or a CRITICAL "no answer"."""
        name = type(indication).__name__
        if name in REFUSED:
            return ProbeError.of(
                say("snmp.refused_credentials", target=self.target, reason=Summary(REFUSED[name]))
            )
        if name == "RequestTimedOut":
            if await self._alive(hl, target):
                return ProbeError.of(
                    say(
                        "snmp.refused_credentials",
                        target=self.target,
                        reason=Summary("snmp.refused.silent"),
                    )
                )
            raise _NoAnswer()
        return ProbeError.of(say("snmp.error", target=self.target, reason=raw(str(indication))))

    async def _alive(self, hl: Any, target: Any) -> bool:
        """An unauthenticated v3 discovery: any SNMP engine answers it with a report."""
        engine = hl.SnmpEngine()
        engine.cache["mibViewController"] = _mib_view()
        try:
            errors = await hl.get_cmd(
                engine,
                hl.UsmUserData("itops-discovery"),
                target,
                hl.ContextData(),
                hl.ObjectType(hl.ObjectIdentity(SYS_UPTIME)),
            )
        finally:
            engine.close_dispatcher()
        return type(errors[0]).__name__ in REFUSED

    async def _get(self, names: dict[str, str]) -> dict[str, Any]:
        hl, auth, target, ctx = await self._session()
        indication, status, _index, binds = await hl.get_cmd(
            self._engine,
            auth,
            target,
            ctx,
            *[hl.ObjectType(hl.ObjectIdentity(oid)) for oid in names.values()],
            lookupMib=False,
        )
        if indication:
            raise await self._fail(hl, target, indication)
        if status:
            raise ProbeError.of(
                say("snmp.error", target=self.target, reason=raw(status.prettyPrint()))
            )
        by_oid = {str(oid): value for oid, value in binds}
        return {name: by_oid.get(oid) for name, oid in names.items()}

    async def _walk(self, column: str) -> dict[str, Any]:
        """``{index: value}`` of one table column (GETBULK walk, stops at the column's end)."""
        hl, auth, target, ctx = await self._session()
        out: dict[str, Any] = {}
        async for indication, status, _index, binds in hl.bulk_walk_cmd(
            self._engine,
            auth,
            target,
            ctx,
            0,
            25,
            hl.ObjectType(hl.ObjectIdentity(column)),
            lexicographicMode=False,
            lookupMib=False,
        ):
            if indication:
                raise await self._fail(hl, target, indication)
            if status:
                raise ProbeError.of(
                    say("snmp.error", target=self.target, reason=raw(status.prettyPrint()))
                )
            for oid, value in binds:
                out[str(oid)[len(column) + 1 :]] = value
        return out

    async def probe(self) -> Sequence[Measurement]:
        """One SNMP engine per check, its dispatcher closed after every probe: the UDP
        socket belongs to the probe's event loop, the engine's MIB state does not.

        Why kept: a new ``SnmpEngine`` compiles ~35 MIB modules from source (pysnmp reads
        old-style ``.pyc`` only), ~100 ms of CPU per probe, and a v3 user's keys are
        localised again; all engines share one MIB view (``_mib_view``), whose own MIB
        parser would cost ~0.6 s more (bench/bench_kinds.py).
        """
        from pysnmp.hlapi.v3arch import asyncio as hl

        engine, self._idle = self._idle, None
        if engine is None:
            engine = hl.SnmpEngine()
            engine.cache["mibViewController"] = _mib_view()
        self._engine = engine
        try:
            reader = {
                "switch": self._probe_switch,
                "ups": self._probe_ups,
                "printer": self._probe_printer,
            }[self.options.device]
            return await reader()
        except _NoAnswer:
            return [Measurement("no_answer", 1)]
        finally:
            self._engine = None
            engine.close_dispatcher()
            _forget_transports(engine)
            self._idle = engine

    async def _probe_switch(self) -> list[Measurement]:
        cols = {name: await self._walk(oid) for name, oid in IF_COLUMNS.items()}
        out = []
        for index, descr in cols["ifDescr"].items():
            label = str(cols["ifName"].get(index) or descr)
            errors = float(cols["ifInErrors"].get(index, 0)) + float(
                cols["ifOutErrors"].get(index, 0)
            )
            previous = self._errors.get(label)
            self._errors[label] = errors
            delta = errors - previous if previous is not None and errors >= previous else 0
            out += [
                Measurement(f"ifAdmin:{label}", float(cols["ifAdmin"].get(index, 0))),
                Measurement(f"ifOper:{label}", float(cols["ifOper"].get(index, 0))),
                Measurement(f"ifErrors:{label}", errors),
                Measurement(f"ifErrorsDelta:{label}", delta),
            ]
        return out

    async def _probe_ups(self) -> list[Measurement]:
        values = await self._get(UPS_SCALARS)
        return [
            Measurement(name, float(v))
            for name, v in values.items()
            if v is not None and _is_number(v)
        ]

    async def _probe_printer(self) -> list[Measurement]:
        values = await self._get(PRINTER_SCALARS)
        out = [
            Measurement(n, float(values[n]))
            for n in ("printer_device_status", "printer_status")
            if values[n] is not None and _is_number(values[n])
        ]
        raw = (
            bytes(values["printer_error_state"].asOctets())
            if _has_octets(values["printer_error_state"])
            else b""
        )
        out += [
            Measurement("printer_error_bits", float(int.from_bytes(raw or b"\0", "big"))),
            Measurement("printer_error_bytes", float(max(1, len(raw)))),
        ]
        cols = {name: await self._walk(oid) for name, oid in SUPPLY_COLUMNS.items()}
        for index, desc in cols["desc"].items():
            label = str(desc) or f"supply {index}"
            for name in ("supply_type", "supply_max", "supply_level"):
                if index in cols[name]:
                    out.append(Measurement(f"{name}:{label}", float(cols[name][index])))
        return out

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        values = {m.name: m.value for m in measurements}
        if values.get("no_answer"):
            return Status.CRITICAL, say("snmp.no_answer", target=self.target)
        o = self.options
        if o.device == "printer":
            status, code, params = judge_printer(
                values, o.warning_supply_percent, o.critical_supply_percent
            )
            return status, say(code, **params)
        verdicts = (
            judge_switch(values, o.interfaces)
            if o.device == "switch"
            else judge_ups(
                values,
                o.warning_charge_percent,
                o.critical_charge_percent,
                o.critical_runtime_minutes,
            )
        )
        status = worst(v.status for v in verdicts)
        shown = [v for v in verdicts if v.status == status] or verdicts
        return status, joined(say(v.code, **v.params) for v in shown)


_MIB_VIEW: Any = None


def _forget_transports(engine: Any) -> None:
    """After ``close_dispatcher``: drop the command generator's cached transports, so the
    next probe opens a socket on its own event loop (targets and users stay configured)."""
    cache = engine.get_user_context("CommandGeneratorLcdConfigurator")
    if cache:
        cache["tran"].clear()


def _mib_view() -> Any:
    """The process's one MIB view controller, shared by every probe's engine.

    Why shared: pysnmp keeps it in the engine's cache and a fresh one adds the MIB
    compiler (a lark grammar built from scratch) at the first lookup. Probes resolve
    numeric OIDs only, on the event loop's thread, so one view serves them all.
    """
    global _MIB_VIEW
    if _MIB_VIEW is None:
        from pysnmp.smi import builder, view

        _MIB_VIEW = view.MibViewController(builder.MibBuilder())
    return _MIB_VIEW


class _NoAnswer(Exception):
    """The device did not answer at all (not even an unauthenticated discovery)."""


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _has_octets(value: Any) -> bool:
    return value is not None and hasattr(value, "asOctets")
