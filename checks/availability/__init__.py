"""KPI 1: outages, monitoring gaps, maintenance windows and the availability figure."""
