"""The inventory's event texts (a toner order, an agent's report), as message codes.

Why: the toner order's notification was Polish prose shown unchanged on an English page
and the agent report's event English prose on a Polish one (``raw``). The parameters are
data: a printer's name, its model, the stock items that would fit.
"""

from __future__ import annotations

from itops.messages import Texts

TEXTS: Texts = {
    "toner.order": {
        "pl": (
            "Zamów toner: drukarka {printer}{model}, {supply} {level:.0%}, "
            "brak pasującego wkładu w magazynie. {fitting}"
        ),
        "en": (
            "Order toner: printer {printer}{model}, {supply} at {level:.0%}, "
            "no fitting cartridge in stock. {fitting}"
        ),
    },
    "toner.model": {"pl": ", model {model}", "en": ", model {model}"},
    "toner.fitting": {
        "pl": "Pasujące pozycje magazynu, każda ze stanem 0: {items}.",
        "en": "Fitting stock items, each with 0 in stock: {items}.",
    },
    "toner.no_fitting": {
        "pl": "Żadna pozycja magazynu nie jest przypisana do tej drukarki.",
        "en": "No stock item is assigned to this printer.",
    },
    "inventory.agent_report": {"pl": "raport agenta", "en": "agent report"},
}
