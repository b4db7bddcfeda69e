"""Backups and antivirus compliance: storage, pages, CLI and the annual-report API.

The kinds themselves (``checks.kinds.backup_*``, ``clamav``, ``defender``) follow
the core Check contract; this package wires them to the daemon, the database and the web.
"""
