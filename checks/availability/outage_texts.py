"""KPI 1's own messages: the DEMO office's probe results, and why a check is not known yet.

Why: these summaries are stored (``probe_result.summary``, ``outage.summary``) and were
English prose, shown unchanged on a Polish page and in a Polish notification. They are
codes now; a row written before reads back as its old text (``messages.from_stored``).
"""

from __future__ import annotations

from itops.messages import Summary, Texts

TEXTS: Texts = {
    # monitoring_gap.reason from a check's adding to its first result (watch.sync_checks)
    "availability.awaiting_first_result": {
        "pl": "dodany do konfiguracji, jeszcze bez pierwszego wyniku",
        "en": "added to the config, no first result yet",
    },
    "demo.ok": {"pl": "DEMO: działa", "en": "DEMO: ok"},
    "demo.refused": {"pl": "DEMO: połączenie odrzucone", "en": "DEMO: connection refused"},
    "demo.weekend": {
        "pl": "DEMO: brak odpowiedzi w weekend",
        "en": "DEMO: no reply (weekend)",
    },
    "demo.power_cut": {
        "pl": "DEMO: brak zasilania w budynku w dzień świąteczny",
        "en": "DEMO: power cut in the building (holiday)",
    },
    "demo.evening": {
        "pl": "DEMO: brak odpowiedzi w wyznaczonym czasie, wieczorem",
        "en": "DEMO: timeout (evening)",
    },
    "demo.unknown_dns": {
        "pl": "DEMO: sonda nie ustaliła stanu (błąd DNS)",
        "en": "DEMO: probe could not tell (DNS)",
    },
    "demo.unknown_probe": {
        "pl": "DEMO: sonda nie ustaliła stanu, bo sama przekroczyła czas",
        "en": "DEMO: probe could not tell (timeout of the probe itself)",
    },
}


def demo(code: str) -> Summary:
    """One DEMO probe result's summary (``demo.ok`` ...)."""
    return Summary(f"demo.{code}")


AWAITING_FIRST_RESULT = Summary("availability.awaiting_first_result")
