"""The check kinds' messages: one table per kind, ``{code: {"pl": ..., "en": ...}}``.

Kept apart from the kind modules so a page or a CLI command can render a stored or live
summary without importing aiohttp, dnspython or cryptography. Codes are ``<kind>.<what>``;
both languages name the same parameters (a test renders every code in both). Numbers
carry a format spec (``{ms:.1f}``) and are written by ``itops.formats``.
"""

from __future__ import annotations

import errno as errnos
from collections.abc import Mapping

from checks.kinds.snmp_eval import TEXTS as SNMP
from itops.messages import Summary

Table = Mapping[str, Mapping[str, str]]

# Socket errors a probe names in words; any other errno is shown by its symbol.
ERRNO: Table = {
    "net.refused": {"pl": "połączenie odrzucone", "en": "connection refused"},
    "net.host_unreachable": {"pl": "host nieosiągalny", "en": "host unreachable"},
    "net.network_unreachable": {"pl": "sieć nieosiągalna", "en": "network unreachable"},
    "net.timed_out": {"pl": "przekroczony czas połączenia", "en": "connection timed out"},
    "net.reset": {"pl": "połączenie zerwane", "en": "connection reset"},
    "net.no_name": {"pl": "nazwa nie daje się rozwiązać", "en": "name does not resolve"},
    "net.errno": {"pl": "błąd systemu {symbol}", "en": "system error {symbol}"},
    "net.failed": {"pl": "połączenie nieudane", "en": "connection failed"},
    "os.not_found": {"pl": "nie istnieje", "en": "does not exist"},
    "os.permission": {"pl": "brak uprawnień", "en": "permission denied"},
}

_ERRNO_CODES = {
    errnos.ECONNREFUSED: "net.refused",
    errnos.EHOSTUNREACH: "net.host_unreachable",
    errnos.ENETUNREACH: "net.network_unreachable",
    errnos.ETIMEDOUT: "net.timed_out",
    errnos.ECONNRESET: "net.reset",
    errnos.ENOENT: "os.not_found",
    errnos.EACCES: "os.permission",
    errnos.EPERM: "os.permission",
    -2: "net.no_name",  # socket.EAI_NONAME: getaddrinfo found no such name
    -3: "net.no_name",  # socket.EAI_AGAIN: no resolver answered for it
    -5: "net.no_name",  # socket.EAI_NODATA
}


def errno_reason(errno: int) -> Summary:
    """Why a connection or a read failed, in words; an errno without words by its symbol
    (the operating system's own text is English and would reach Polish pages)."""
    if not errno:
        return Summary("net.failed")
    code = _ERRNO_CODES.get(errno)
    if code is not None:
        return Summary(code)
    return Summary("net.errno", {"symbol": errnos.errorcode.get(errno, str(errno))})


TCP: Table = {
    "tcp.connected": {"pl": "połączono w {ms:.1f} ms", "en": "connected in {ms:.1f} ms"},
    "tcp.cannot_connect": {
        "pl": "brak połączenia z {target}: {reason}",
        "en": "cannot connect to {target}: {reason}",
    },
}

# OpenSSL X509_V_ERR_* codes named in words (shared by tls and https checks).
VERIFY: Table = {
    "tls.verify.10": {"pl": "certyfikat wygasł", "en": "the certificate has expired"},
    "tls.verify.9": {
        "pl": "certyfikat nie jest jeszcze ważny",
        "en": "the certificate is not yet valid",
    },
    "tls.verify.18": {
        "pl": "certyfikat jest samopodpisany i niezaufany",
        "en": "the certificate is self-signed and not trusted",
    },
    "tls.verify.19": {
        "pl": "samopodpisany certyfikat w łańcuchu jest niezaufany",
        "en": "a self-signed certificate in the chain is not trusted",
    },
    "tls.verify.20": {
        "pl": "wystawca jest niezaufany – brak certyfikatu pośredniego lub głównego",
        "en": "the issuer is not trusted: missing intermediate or CA",
    },
    "tls.verify.21": {
        "pl": "wystawca jest niezaufany – brak certyfikatu pośredniego lub głównego",
        "en": "the issuer is not trusted: missing intermediate or CA",
    },
    "tls.verify.62": {
        "pl": "certyfikat nie pasuje do nazwy hosta",
        "en": "the certificate does not match the host name",
    },
    "tls.verify.64": {
        "pl": "certyfikat nie pasuje do adresu IP",
        "en": "the certificate does not match the IP address",
    },
    "tls.verify.other": {
        "pl": "weryfikacja certyfikatu nieudana (kod OpenSSL {code})",
        "en": "certificate verification failed (OpenSSL code {code})",
    },
}

TLS: Table = {
    "tls.cannot_connect": {
        "pl": "brak połączenia z {target}",
        "en": "cannot connect to {target}",
    },
    "tls.not_verified": {"pl": "{target}: {reason}", "en": "{target}: {reason}"},
    "tls.no_certificate": {
        "pl": "{target}: nie otrzymano certyfikatu",
        "en": "{target}: no certificate received",
    },
    "tls.expires": {
        "pl": "certyfikat wygasa za {days:.1f} dni",
        "en": "certificate expires in {days:.1f} days",
    },
    "tls.valid": {
        "pl": "certyfikat ważny jeszcze {days:.0f} dni",
        "en": "certificate valid for {days:.0f} more days",
    },
}

HTTP: Table = {
    "http.error.1": {
        "pl": "{target}: połączenie odrzucone lub host nieosiągalny",
        "en": "{target}: connection refused or unreachable",
    },
    "http.error.2": {
        "pl": "{target}: nieudane nawiązanie połączenia TLS",
        "en": "{target}: TLS handshake failed",
    },
    "http.error.3": {
        "pl": "{target}: nieprawidłowa odpowiedź HTTP",
        "en": "{target}: invalid HTTP response",
    },
    "http.error.4": {
        "pl": "{target}: zbyt wiele przekierowań",
        "en": "{target}: too many redirects",
    },
    "http.error.5": {
        "pl": "{target}: nazwa nie daje się rozwiązać",
        "en": "{target}: name does not resolve",
    },
    "http.error.other": {"pl": "{target}: żądanie nieudane", "en": "{target}: request failed"},
    "http.not_verified": {"pl": "{target}: {reason}", "en": "{target}: {reason}"},
    "http.unexpected_status": {
        "pl": "HTTP {code} – oczekiwano: {expected}",
        "en": "HTTP {code}, expected {expected}",
    },
    "http.text_missing": {
        "pl": "HTTP {code}, ale brak oczekiwanego tekstu",
        "en": "HTTP {code} but the expected text is missing",
    },
    "http.text_missing_capped": {
        "pl": "HTTP {code}, ale brak oczekiwanego tekstu w pierwszych {kib} KiB treści",
        "en": "HTTP {code} but the expected text is missing in the first {kib} KiB of the body",
    },
    "http.ok": {"pl": "HTTP {code} w {ms:.0f} ms", "en": "HTTP {code} in {ms:.0f} ms"},
}

DNS: Table = {
    "dns.error.1": {
        "pl": "{target}: nazwa nie istnieje (NXDOMAIN)",
        "en": "{target}: the name does not exist (NXDOMAIN)",
    },
    "dns.error.2": {
        "pl": "{target}: brak odpowiedzi tego typu",
        "en": "{target}: no answer of that type",
    },
    "dns.error.3": {
        "pl": "{target}: żaden serwer nie odpowiedział",
        "en": "{target}: no server answered",
    },
    "dns.error.other": {"pl": "{target}: zapytanie nieudane", "en": "{target}: query failed"},
    "dns.missing": {
        "pl": "{target}: w odpowiedzi brak oczekiwanych adresów {expected}",
        "en": "{target}: answer lacks expected {expected}",
    },
    "dns.ok": {"pl": "odpowiedzi: {n:d}, w {ms:.0f} ms", "en": "{n:d} answers in {ms:.0f} ms"},
}

ICMP: Table = {
    "icmp.no_name": {
        "pl": "{target}: nazwa nie daje się rozwiązać",
        "en": "{target}: name does not resolve",
    },
    "icmp.result": {
        "pl": "{target}: utracone pakiety {loss:.0f}%, czas odpowiedzi {rtt:.1f} ms",
        "en": "{target}: loss {loss:.0f}%, rtt {rtt:.1f} ms",
    },
}

DISK: Table = {
    "disk.free": {
        "pl": "{path}: wolne {gib:.1f} GiB ({pct:.1f}%)",
        "en": "{path}: {gib:.1f} GiB free ({pct:.1f}%)",
    },
    "disk.unreadable": {
        "pl": "nie można odczytać {path}: {reason}",
        "en": "cannot read {path}: {reason}",
    },
}

MEMORY: Table = {
    "memory.used": {
        "pl": "pamięć zajęta w {used:.1f}%, pamięć wymiany w {swap:.1f}%",
        "en": "memory {used:.1f}% used, swap {swap:.1f}% used",
    },
}

LOAD: Table = {
    "load.average": {
        "pl": "obciążenie ({average}) {load:.2f}, na procesor {per_cpu:.2f}",
        "en": "load {average} {load:.2f}, {per_cpu:.2f} per CPU",
    },
}

PROCESS: Table = {
    "process.running": {
        "pl": "{name}: uruchomionych procesów: {n:d}",
        "en": "{name}: {n:d} running",
    },
    "process.too_few": {
        "pl": "{name}: uruchomionych procesów: {n:d}, wymagane co najmniej {need:d}",
        "en": "{name}: {n:d} running, need {need:d}",
    },
}

FRESHNESS: Table = {
    "freshness.fresh": {
        "pl": "najnowsza publikacja {date:wall} ({days} dni roboczych temu)",
        "en": "newest publication {date:wall} ({days} working days ago)",
    },
    "freshness.stale": {
        "pl": "brak nowych publikacji od {date:wall} ({days} dni roboczych, limit {limit})",
        "en": "nothing published since {date:wall} ({days} working days, limit {limit})",
    },
    "freshness.no_date": {
        "pl": "{url}: nie znaleziono daty publikacji",
        "en": "{url}: no publication date found",
    },
    "freshness.fetch_failed": {
        "pl": "{url}: nie można pobrać strony ({reason})",
        "en": "{url}: cannot fetch the page ({reason})",
    },
    "freshness.statement_ok": {
        "pl": "deklaracja dostępności z {date:day}",
        "en": "accessibility statement dated {date:day}",
    },
    "freshness.statement_old": {
        "pl": "deklaracja dostępności z {date:day} jest starsza niż {limit} dni",
        "en": "accessibility statement dated {date:day} is older than {limit} days",
    },
    "freshness.statement_missing": {
        "pl": "{url}: brak deklaracji dostępności (HTTP {http})",
        "en": "{url}: no accessibility statement (HTTP {http})",
    },
    "freshness.statement_undated": {
        "pl": "deklaracja dostępności bez daty sporządzenia ani aktualizacji",
        "en": "accessibility statement without a date of preparation or update",
    },
}

HOST: Table = {
    "host.ok": {
        "pl": "{host}: raport sprzed {age}, wszystko w normie",
        "en": "{host}: report {age} old, all within limits",
    },
    "host.silent": {
        "pl": "{host}: brak raportu agenta od {age} (luka w monitorowaniu)",
        "en": "{host}: no agent report for {age} (monitoring gap)",
    },
    "host.never": {
        "pl": "{host}: agent jeszcze nie raportował",
        "en": "{host}: no agent report yet",
    },
    "host.disk": {"pl": "{mount}: wolne {pct:.1f}%", "en": "{mount}: {pct:.1f}% free"},
    "host.memory": {"pl": "pamięć zajęta w {pct:.0f}%", "en": "memory {pct:.0f}% used"},
    "host.swap": {"pl": "pamięć wymiany zajęta w {pct:.0f}%", "en": "swap {pct:.0f}% used"},
    "host.load": {"pl": "obciążenie {load:.2f} na procesor", "en": "load {load:.2f} per CPU"},
    "host.service": {"pl": "usługa {name}: {state}", "en": "service {name}: {state}"},
    "host.state.running": {"pl": "działa", "en": "running"},
    "host.state.stopped": {"pl": "zatrzymana", "en": "stopped"},
    "host.state.failed": {"pl": "błąd", "en": "failed"},
    "host.state.starting": {"pl": "uruchamia się", "en": "starting"},
    "host.state.stopping": {"pl": "zatrzymuje się", "en": "stopping"},
    "host.state.missing": {"pl": "brak usługi", "en": "missing"},
    "host.state.unknown": {"pl": "stan nieznany", "en": "unknown"},
    "host.problems": {"pl": "{host}: {problems}", "en": "{host}: {problems}"},
    "host.needs_daemon": {
        "pl": "{name}: sprawdzenie hosta wymaga bazy danych demona itops",
        "en": "{name}: host checks need the itops daemon's database",
    },
    "host.security_updates": {
        "pl": "{count} aktualizacji bezpieczeństwa czeka",
        "en": "{count} security updates pending",
    },
    "host.reboot": {"pl": "wymagany restart", "en": "reboot required"},
    "host.last_update": {
        "pl": "ostatnia aktualizacja {days} dni temu",
        "en": "last update {days} days ago",
    },
}

TEXTS: Table = {
    **ERRNO,
    **TCP,
    **VERIFY,
    **TLS,
    **HTTP,
    **DNS,
    **ICMP,
    **DISK,
    **MEMORY,
    **LOAD,
    **PROCESS,
    **FRESHNESS,
    **HOST,
    **SNMP,
}
