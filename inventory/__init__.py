"""Hardware inventory and lifecycle: assets, an append-only ledger, KPIs 2 and 3, agent."""
