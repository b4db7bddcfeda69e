"""Inventory: assets, employees and the §82 monitoring register."""
