"""Check kinds: one module per kind, each registered in ``itops.registry.CHECK_KINDS``."""
