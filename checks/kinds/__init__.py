"""Check kinds: one module per kind (checks, backup engines, antivirus engines)."""
