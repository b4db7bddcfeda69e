"""Live DEMO targets on 127.0.0.1: an SNMP v2c responder serving recorded device walks (and
answering DNS queries for the DEMO office's names on the same socket), a BIP-like page whose
newest publication is ten working days old and its accessibility statement.

The DEMO office's switch (one port down) and UPS (on battery) need something to answer
their checks without any external network. ``SnmpResponder`` answers GET, GETNEXT and
GETBULK (v2c) from ``.snmprec`` walks (snmpsim's format, ``OID|TAG|VALUE``), one walk per
community, through pysnmp's own message codec (already a runtime dependency for the snmp
kind). It never answers SET and binds to 127.0.0.1 only. A datagram that is not SNMP but a
DNS query for one of ``names`` gets its A record (anything else: NXDOMAIN), so the DEMO
``dns`` check has a server without a port of its own.

The daemon starts them with `[demo] targets = true` (reports.demo_plugin).
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import dns.exception
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from pyasn1.codec.ber import decoder, encoder
from pyasn1.error import PyAsn1Error
from pysnmp.proto import api

from itops.errors import ItopsError

logger = logging.getLogger(__name__)

_V2C = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
MAX_BULK = 64  # GETBULK repetitions answered at most (the response stays in one datagram)


def _value(tag: str, raw: str) -> Any:
    p = _V2C
    if tag == "4x":
        return p.OctetString(hexValue=raw)
    kinds: dict[str, Any] = {
        "2": lambda v: p.Integer(int(v)),
        "4": lambda v: p.OctetString(v.encode("utf-8")),
        "5": lambda v: p.Null(""),
        "6": lambda v: p.ObjectIdentifier(v),
        "64": lambda v: p.IpAddress(v),
        "65": lambda v: p.Counter32(int(v)),
        "66": lambda v: p.Gauge32(int(v)),
        "67": lambda v: p.TimeTicks(int(v)),
        "70": lambda v: p.Counter64(int(v)),
    }
    if tag not in kinds:
        raise ValueError(f"unsupported snmprec tag {tag!r}")
    return kinds[tag](raw)


@dataclass(frozen=True)
class Walk:
    """One device: OIDs in order and their values."""

    oids: list[tuple[int, ...]]
    values: list[Any]

    @classmethod
    def load(cls, path: Path) -> Walk:
        rows: list[tuple[tuple[int, ...], Any]] = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            try:
                oid, tag, raw = line.split("|", 2)
                rows.append((tuple(int(x) for x in oid.split(".")), _value(tag, raw)))
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: {exc}") from None
        rows.sort(key=lambda r: r[0])
        return cls([r[0] for r in rows], [r[1] for r in rows])

    def get(self, oid: tuple[int, ...]) -> Any:
        i = bisect.bisect_left(self.oids, oid)
        if i < len(self.oids) and self.oids[i] == oid:
            return self.values[i]
        return _V2C.NoSuchInstance("")

    def next(self, oid: tuple[int, ...]) -> tuple[tuple[int, ...], Any]:
        i = bisect.bisect_right(self.oids, oid)
        if i < len(self.oids):
            return self.oids[i], self.values[i]
        return oid, _V2C.EndOfMibView("")


def answer(walks: dict[str, Walk], data: bytes) -> bytes | None:
    """The encoded response to one request datagram, or None (unknown community, bad data)."""
    p = _V2C
    try:
        message, _ = decoder.decode(data, asn1Spec=p.Message())
    except PyAsn1Error:
        return None
    walk = walks.get(str(p.apiMessage.get_community(message)))
    if walk is None:
        return None
    request = p.apiMessage.get_pdu(message)
    response = p.apiPDU.get_response(request)
    p.apiPDU.set_error_status(response, 0)
    p.apiPDU.set_error_index(response, 0)
    asked = [tuple(oid) for oid, _ in p.apiPDU.get_varbinds(request)]
    out: list[tuple[Any, Any]] = []
    if request.isSameTypeWith(p.GetRequestPDU()):
        out = [(p.ObjectIdentifier(o), walk.get(o)) for o in asked]
    elif request.isSameTypeWith(p.GetNextRequestPDU()):
        for o in asked:
            found, value = walk.next(o)
            out.append((p.ObjectIdentifier(found), value))
    elif request.isSameTypeWith(p.GetBulkRequestPDU()):
        non_repeaters = int(p.apiBulkPDU.get_non_repeaters(request))
        repetitions = min(int(p.apiBulkPDU.get_max_repetitions(request)), MAX_BULK)
        for o in asked[:non_repeaters]:
            found, value = walk.next(o)
            out.append((p.ObjectIdentifier(found), value))
        cursors = asked[non_repeaters:]
        for _ in range(repetitions):
            if not cursors:
                break
            step = [walk.next(o) for o in cursors]
            out += [(p.ObjectIdentifier(found), value) for found, value in step]
            cursors = [found for found, _ in step]
            if all(isinstance(v, p.EndOfMibView) for _, v in step):
                break
    else:  # SET and anything else: read-only
        p.apiPDU.set_error_status(response, 17)  # notWritable
        out = [(p.ObjectIdentifier(o), p.Null("")) for o in asked]
    p.apiPDU.set_varbinds(response, out)
    p.apiMessage.set_pdu(message, response)
    return bytes(encoder.encode(message))


def dns_answer(names: dict[str, str], data: bytes) -> bytes | None:
    """The response to a DNS query for an A record of ``names`` (name -> IPv4 address);
    other names or types in the zone's view get NXDOMAIN / no answer, non-queries None."""
    try:
        query = dns.message.from_wire(data)
    except (dns.exception.DNSException, ValueError):
        return None
    if query.flags & dns.flags.QR or query.opcode() != dns.opcode.QUERY or len(query.question) != 1:
        return None
    (question,) = query.question
    response = dns.message.make_response(query)
    name = question.name.to_text().rstrip(".").lower()
    if name not in names:
        response.set_rcode(dns.rcode.NXDOMAIN)
    elif question.rdtype == dns.rdatatype.A:
        response.answer.append(
            dns.rrset.from_text(question.name, 60, dns.rdataclass.IN, dns.rdatatype.A, names[name])
        )
    return bytes(response.to_wire())


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, walks: dict[str, Walk], names: dict[str, str]) -> None:
        self.walks = walks
        self.names = names
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        try:
            reply = answer(self.walks, data)
            if reply is None and self.names:
                reply = dns_answer(self.names, data)
        except Exception:  # a malformed request must not stop the responder
            logger.exception("DEMO SNMP responder: request from %s not answered", addr)
            return
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)


class SnmpResponder:
    """v2c responder on 127.0.0.1; ``communities`` maps a community to its walk file,
    ``names`` a DNS name to the IPv4 address answered for it."""

    def __init__(
        self, communities: dict[str, Path], port: int = 0, names: dict[str, str] | None = None
    ) -> None:
        self.walks = {name: Walk.load(path) for name, path in communities.items()}
        self.names = {n.rstrip(".").lower(): a for n, a in (names or {}).items()}
        self.port = port
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> int:
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _Protocol(self.walks, self.names), local_addr=("127.0.0.1", self.port)
            )
        except OSError as exc:  # a second itops on the same bind: say so, not a traceback
            raise ItopsError(
                f"the DEMO devices cannot answer on 127.0.0.1:{self.port}/udp: "
                f"{exc.strerror or exc} (is another itops running? [web] bind sets the port; "
                "[demo] targets = false turns the DEMO devices off)"
            ) from exc
        self._transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])
        return self.port

    def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None


def working_days_back(now: datetime, days: int, tz: ZoneInfo, is_working: Any) -> datetime:
    """``now`` moved back by ``days`` days for which ``is_working(date)`` is true."""
    moment = now.astimezone(tz)
    left = days
    while left > 0:
        moment -= timedelta(days=1)
        if is_working(moment.date()):
            left -= 1
    return moment


def bip_page(newest: datetime, tz: ZoneInfo) -> str:
    """A BIP-like list of publications, newest first, dates written the Polish way."""
    items = "".join(
        f'<li class="publikacja"><a href="/bip/{n}">Zarządzenie nr {n}/DEMO Burmistrza</a> '
        f"<span>opublikowano: {(newest - timedelta(days=7 * i)).astimezone(tz):%d.%m.%Y %H:%M}"
        "</span></li>"
        for i, n in enumerate(range(41, 36, -1))
    )
    return (
        '<!doctype html><html lang="pl"><head><meta charset="utf-8">'
        "<title>BIP Urzędu Miejskiego w Przykładowie (DEMO)</title></head><body>"
        "<h1>Biuletyn Informacji Publicznej (DEMO)</h1>"
        f'<ul class="lista-publikacji">{items}</ul></body></html>'
    )


def statement_page(dated: datetime, tz: ZoneInfo) -> str:
    """A BIP-like accessibility statement (deklaracja dostępności) prepared on ``dated``."""
    day = f"{dated.astimezone(tz):%d.%m.%Y}"
    return (
        '<!doctype html><html lang="pl"><head><meta charset="utf-8">'
        "<title>Deklaracja dostępności (DEMO)</title></head><body>"
        "<h1>Deklaracja dostępności Biuletynu Informacji Publicznej (DEMO)</h1>"
        "<p>Urząd Miejski w Przykładowie (DEMO) zobowiązuje się zapewnić dostępność swojej "
        "strony internetowej zgodnie z ustawą z dnia 4 kwietnia 2019 r. o dostępności "
        "cyfrowej stron internetowych i aplikacji mobilnych podmiotów publicznych.</p>"
        f"<p>Data sporządzenia deklaracji: {day}. Data ostatniej aktualizacji: {day}.</p>"
        "</body></html>"
    )
