"""Checks: the kinds (``checks.kinds``), backups and antivirus (``checks.backups``) and KPI 1
(``checks.availability``)."""
