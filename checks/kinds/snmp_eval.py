"""Pure judgement of SNMP readings: switch ports (IF-MIB), UPS (RFC 1628), printer supplies.

The probe hands over numbers keyed ``name`` or ``name:label`` (measurements carry numbers
only); these functions turn them into a status and a message code with parameters, whose
words (Polish and English) are in ``TEXTS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from itops.messages import COMMA_LIST, Summary, joined
from itops.status import Status, worst

TEXTS: Mapping[str, Mapping[str, str]] = {
    "snmp.ports_ok": {"pl": "{up} z {watched} portów działa", "en": "{up} of {watched} ports up"},
    "snmp.port_down": {"pl": "port {port} nie działa", "en": "port {port} down"},
    "snmp.port_errors": {
        "pl": "port {port}: {errors} nowych błędów",
        "en": "port {port}: {errors} new errors",
    },
    "snmp.port_missing": {"pl": "nie ma portu {port}", "en": "no port {port}"},
    "snmp.ups_online": {
        "pl": "UPS na zasilaniu sieciowym, bateria {charge}%, {minutes} min",
        "en": "UPS on mains, battery {charge}%, {minutes} min",
    },
    "snmp.ups_on_battery": {
        "pl": "UPS na baterii od {seconds} s, bateria {charge}%, zostało {minutes} min",
        "en": "UPS on battery for {seconds} s, battery {charge}%, {minutes} min left",
    },
    "snmp.ups_battery_low": {
        "pl": "bateria UPS słaba ({charge}%, {minutes} min)",
        "en": "UPS battery low ({charge}%, {minutes} min)",
    },
    "snmp.ups_output_off": {"pl": "UPS nie zasila wyjścia", "en": "UPS output is off"},
    "snmp.printer_ok": {"pl": "drukarka gotowa; {supplies}", "en": "printer ready; {supplies}"},
    "snmp.printer_down": {
        "pl": "drukarka nie działa ({errors}); {supplies}",
        "en": "printer down ({errors}); {supplies}",
    },
    "snmp.printer_warning": {
        "pl": "drukarka zgłasza: {errors}; {supplies}",
        "en": "printer reports: {errors}; {supplies}",
    },
    "snmp.supply": {"pl": "{name} {percent}%", "en": "{name} {percent}%"},
    "snmp.no_answer": {"pl": "{target}: brak odpowiedzi SNMP", "en": "{target}: no SNMP answer"},
    "snmp.refused_credentials": {
        "pl": "{target} odpowiada, ale odrzuca dane logowania SNMP ({reason})",
        "en": "{target} answers but refuses the SNMP credentials ({reason})",
    },
    "snmp.error": {"pl": "{target}: błąd SNMP {reason}", "en": "{target}: SNMP error {reason}"},
    "snmp.unreadable": {
        "pl": "nie można odczytać {path}: {reason}",
        "en": "cannot read {path}: {reason}",
    },
    "snmp.refused.auth_password": {
        "pl": "błędne hasło uwierzytelniania",
        "en": "wrong authentication password",
    },
    "snmp.refused.user": {"pl": "nieznany użytkownik", "en": "unknown user"},
    "snmp.refused.priv_password": {
        "pl": "błędne hasło szyfrowania",
        "en": "wrong privacy password",
    },
    "snmp.refused.security_level": {
        "pl": "nieobsługiwany poziom zabezpieczeń",
        "en": "security level",
    },
    "snmp.refused.time_window": {
        "pl": "zegar urządzenia poza oknem czasu",
        "en": "clock window",
    },
    "snmp.refused.authentication": {"pl": "uwierzytelnianie nieudane", "en": "authentication"},
    "snmp.refused.silent": {
        "pl": "brak odpowiedzi na te dane logowania",
        "en": "no answer to these credentials",
    },
}
# hrPrinterDetectedErrorState bits in words (the MIB's names are identifiers, not text).
BIT_TEXTS: Mapping[str, Mapping[str, str]] = {
    "snmp.bit.lowPaper": {"pl": "mało papieru", "en": "low paper"},
    "snmp.bit.noPaper": {"pl": "brak papieru", "en": "no paper"},
    "snmp.bit.lowToner": {"pl": "mało tonera", "en": "low toner"},
    "snmp.bit.noToner": {"pl": "brak tonera", "en": "no toner"},
    "snmp.bit.doorOpen": {"pl": "otwarta pokrywa", "en": "door open"},
    "snmp.bit.jammed": {"pl": "zacięty papier", "en": "paper jammed"},
    "snmp.bit.offline": {"pl": "drukarka wyłączona z pracy", "en": "offline"},
    "snmp.bit.serviceRequested": {"pl": "wymagany serwis", "en": "service requested"},
    "snmp.bit.inputTrayMissing": {"pl": "brak podajnika", "en": "input tray missing"},
    "snmp.bit.outputTrayMissing": {"pl": "brak tacy odbiorczej", "en": "output tray missing"},
    "snmp.bit.markerSupplyMissing": {
        "pl": "brak materiału eksploatacyjnego",
        "en": "marker supply missing",
    },
    "snmp.bit.outputNearFull": {"pl": "taca odbiorcza prawie pełna", "en": "output nearly full"},
    "snmp.bit.outputFull": {"pl": "taca odbiorcza pełna", "en": "output full"},
    "snmp.bit.inputTrayEmpty": {"pl": "pusty podajnik", "en": "input tray empty"},
    "snmp.bit.overduePreventMaint": {
        "pl": "zaległy przegląd okresowy",
        "en": "preventive maintenance overdue",
    },
}
TEXTS = {**TEXTS, **BIT_TEXTS}

# hrPrinterDetectedErrorState bits (RFC 3805 / HOST-RESOURCES-MIB), first byte high bit = 0.
ERROR_BITS = (
    "lowPaper",
    "noPaper",
    "lowToner",
    "noToner",
    "doorOpen",
    "jammed",
    "offline",
    "serviceRequested",
    "inputTrayMissing",
    "outputTrayMissing",
    "markerSupplyMissing",
    "outputNearFull",
    "outputFull",
    "inputTrayEmpty",
    "overduePreventMaint",
)
SEVERE_BITS = {
    "noPaper",
    "noToner",
    "doorOpen",
    "jammed",
    "offline",
    "markerSupplyMissing",
    "outputFull",
}
SUPPLY_TONER, SUPPLY_DRUM = 3, 9  # prtMarkerSuppliesType: toner, opc (drum)
UPS_ON_BATTERY, UPS_OUTPUT_NONE = 5, 2  # upsOutputSource
UPS_BATTERY_LOW, UPS_BATTERY_DEPLETED = 3, 4  # upsBatteryStatus


@dataclass(frozen=True)
class Verdict:
    status: Status
    code: str
    params: Mapping[str, object]


def labelled(values: Mapping[str, float], prefix: str) -> dict[str, float]:
    """``{"ifOper:Gi0/5": 2}`` → ``{"Gi0/5": 2}`` for one prefix."""
    start = prefix + ":"
    return {k[len(start) :]: v for k, v in values.items() if k.startswith(start)}


def judge_switch(values: Mapping[str, float], watched: list[str]) -> list[Verdict]:
    """A watched port (or any administratively up port) operationally down is CRITICAL;
    new input/output errors since the last probe are a WARNING."""
    admin, oper = labelled(values, "ifAdmin"), labelled(values, "ifOper")
    errors = labelled(values, "ifErrorsDelta")
    ports = watched or [p for p, a in admin.items() if a == 1]
    out = []
    for port in ports:
        if port not in oper:
            out.append(Verdict(Status.CRITICAL, "snmp.port_missing", {"port": port}))
        elif oper[port] != 1:
            out.append(Verdict(Status.CRITICAL, "snmp.port_down", {"port": port}))
        if errors.get(port, 0) > 0:
            out.append(
                Verdict(
                    Status.WARNING, "snmp.port_errors", {"port": port, "errors": int(errors[port])}
                )
            )
    up = sum(1 for p in ports if oper.get(p) == 1)
    out.append(Verdict(Status.OK, "snmp.ports_ok", {"up": up, "watched": len(ports)}))
    return out


def judge_ups(
    values: Mapping[str, float],
    warning_charge: float,
    critical_charge: float,
    critical_minutes: float,
) -> list[Verdict]:
    """On battery is a WARNING (the office still has power), CRITICAL when the battery is
    low or depleted, below the critical charge or runtime, or the output is off."""
    charge = int(values.get("ups_charge_percent", -1))
    minutes = int(values.get("ups_minutes_remaining", -1))
    params = {
        "charge": charge,
        "minutes": minutes,
        "seconds": int(values.get("ups_seconds_on_battery", 0)),
    }
    source = int(values.get("ups_output_source", 0))
    battery = int(values.get("ups_battery_status", 0))
    if source == UPS_OUTPUT_NONE:
        return [Verdict(Status.CRITICAL, "snmp.ups_output_off", params)]
    low = (
        battery in (UPS_BATTERY_LOW, UPS_BATTERY_DEPLETED)
        or 0 <= charge <= critical_charge
        or 0 <= minutes <= critical_minutes
    )
    if source == UPS_ON_BATTERY:
        status = Status.CRITICAL if low else Status.WARNING
        return [Verdict(status, "snmp.ups_on_battery", params)]
    if low or 0 <= charge <= warning_charge:
        return [Verdict(Status.WARNING, "snmp.ups_battery_low", params)]
    return [Verdict(Status.OK, "snmp.ups_online", params)]


def supply_percent(level: float, maximum: float) -> float | None:
    """A supply's remaining percent; None when the printer gives no number (-1, -2, -3)."""
    if level < 0 or maximum <= 0:
        return None
    return max(0.0, min(100.0, 100 * level / maximum))


def supplies(values: Mapping[str, float]) -> list[tuple[str, int, float | None]]:
    """(description, type, percent) of each toner and drum the printer lists."""
    kinds, levels, maxima = (
        labelled(values, p) for p in ("supply_type", "supply_level", "supply_max")
    )
    return [
        (name, int(kind), supply_percent(levels.get(name, -2), maxima.get(name, -2)))
        for name, kind in sorted(kinds.items())
        if int(kind) in (SUPPLY_TONER, SUPPLY_DRUM)
    ]


def judge_printer(
    values: Mapping[str, float], warning_percent: float, critical_percent: float
) -> tuple[Status, str, dict[str, object]]:
    """Toner or drum at the warning level is a WARNING, at the critical level CRITICAL;
    a printer down (hrDeviceStatus 5) or reporting a severe error bit is CRITICAL."""
    found = supplies(values)
    statuses = [Status.OK]
    listed = []
    for name, _kind, pct in found:
        if pct is None:
            continue
        listed.append(Summary("snmp.supply", {"name": name, "percent": round(pct)}))
        if pct <= critical_percent:
            statuses.append(Status.CRITICAL)
        elif pct <= warning_percent:
            statuses.append(Status.WARNING)
    bits = int(values.get("printer_error_bits", 0))
    width = 8 * max(1, int(values.get("printer_error_bytes", 1)))
    flagged = [
        name for i, name in enumerate(ERROR_BITS) if i < width and bits >> (width - 1 - i) & 1
    ]
    down = int(values.get("printer_device_status", 2)) == 5  # hrDeviceStatus down(5)
    params: dict[str, object] = {
        "supplies": joined(listed, COMMA_LIST),
        "errors": joined((Summary(f"snmp.bit.{name}") for name in flagged), COMMA_LIST),
    }
    if down or SEVERE_BITS & set(flagged):
        return Status.CRITICAL, "snmp.printer_down", params
    status = worst(statuses)
    if flagged:
        return max(status, Status.WARNING), "snmp.printer_warning", params
    return status, "snmp.printer_ok", params
