"""Printers watched over SNMP: their toner and drum levels handed to the consumables stock."""
