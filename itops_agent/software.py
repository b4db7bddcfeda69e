"""Installed software: dpkg's status file, rpm's database, Windows' uninstall registry keys.

Each source is shaped into the same ``{"name", "version", "publisher"}`` rows, sorted and
de-duplicated, so the server can answer "which computers still run 7-Zip 19?" the same
way for every system.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from itops_agent.linux import read
from itops_agent.run import Runner

MAX_PACKAGES = 10_000
RPM_QUERY = ["rpm", "-qa", "--qf", r"%{NAME}\t%{VERSION}-%{RELEASE}\t%{VENDOR}\n"]
# Windows: both views of the registry (64-bit, 32-bit programs) and the user's own.
UNINSTALL_KEYS = (
    r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
    r"SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall",
)
_KB = re.compile(r"\(KB\d+\)|^Security Update for|^Update for Microsoft", re.IGNORECASE)


def _row(name: str, version: str, publisher: str) -> dict[str, str]:
    return {
        "name": name.strip()[:255],
        "version": version.strip()[:128],
        "publisher": publisher.strip()[:255],
    }


def finish(rows: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    unique = {(r["name"], r["version"], r["publisher"]): r for r in rows if r["name"]}
    return [unique[k] for k in sorted(unique, key=lambda k: (k[0].lower(), k[1]))][:MAX_PACKAGES]


def parse_dpkg_status(text: str) -> list[dict[str, str]]:
    """Installed packages from ``/var/lib/dpkg/status`` (``Status: install ok installed``).

    The publisher is the ``Maintainer`` without the e-mail address.
    """
    rows = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line[:1].isspace():
                continue  # continuation of a multi-line field (Description, Conffiles)
            key, sep, value = line.partition(":")
            if sep:
                fields[key] = value.strip()
        if fields.get("Status", "").endswith(" installed") and "Package" in fields:
            maintainer = re.sub(r"\s*<[^>]*>", "", fields.get("Maintainer", ""))
            rows.append(_row(fields["Package"], fields.get("Version", ""), maintainer))
    return finish(rows)


def parse_rpm_query(stdout: str) -> list[dict[str, str]]:
    rows = []
    for line in stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] and not parts[0].startswith("gpg-pubkey"):
            vendor = "" if parts[2] == "(none)" else parts[2]
            rows.append(_row(parts[0], parts[1], vendor))
    return finish(rows)


def linux_software(root: Path, run: Runner, commands: bool) -> list[dict[str, str]] | None:
    """dpkg's status file, else (real root only) ``rpm -qa``; None = cannot tell."""
    status = read(root / "var/lib/dpkg/status")
    if status:
        return parse_dpkg_status(status)
    if not commands:
        return None
    code, text = run(RPM_QUERY, 60)
    return parse_rpm_query(text) if code == 0 else None


def shape_uninstall_entries(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Programs from uninstall registry values (DisplayName, DisplayVersion, Publisher).

    Entries without a DisplayName, system components, child entries of another product
    (``ParentKeyName``) and Windows update packages are what "Programs and Features"
    hides too.
    """
    rows = []
    for entry in entries:
        name = str(entry.get("DisplayName") or "").strip()
        if not name or entry.get("SystemComponent") in (1, "1") or entry.get("ParentKeyName"):
            continue
        if _KB.search(name) or entry.get("ReleaseType") in ("Update", "Hotfix", "Security Update"):
            continue
        rows.append(
            _row(name, str(entry.get("DisplayVersion") or ""), str(entry.get("Publisher") or ""))
        )
    return finish(rows)


def windows_registry_entries() -> list[dict[str, Any]]:  # pragma: no cover - Windows only
    """Read the uninstall keys with ``winreg`` (standard library, Windows only)."""
    import importlib

    winreg: Any = importlib.import_module("winreg")

    wanted = (
        "DisplayName",
        "DisplayVersion",
        "Publisher",
        "SystemComponent",
        "ParentKeyName",
        "ReleaseType",
    )
    out: list[dict[str, Any]] = []
    for hive in (winreg.HKEY_LOCAL_MACHINE, winreg.HKEY_CURRENT_USER):
        for path in UNINSTALL_KEYS:
            try:
                key = winreg.OpenKey(hive, path)
            except OSError:
                continue
            with key:
                for i in range(winreg.QueryInfoKey(key)[0]):
                    try:
                        with winreg.OpenKey(key, winreg.EnumKey(key, i)) as sub:
                            entry = {}
                            for value in wanted:
                                try:
                                    entry[value] = winreg.QueryValueEx(sub, value)[0]
                                except OSError:
                                    pass
                            out.append(entry)
                    except OSError:
                        continue
    return out
