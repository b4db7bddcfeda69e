"""Inventory: assets, ledger, KPIs 2 and 3, agent, exit clearance, and the §82 register."""
