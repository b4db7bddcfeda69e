"""The shaping of ``agent/windows/itops-agent.ps1`` in Python, driven by the same fields.json.

pwsh cannot be installed on this machine (no Debian package), so the script's collection
and its few lines of glue are not executed here. What is tested is the table both share:
this module applies it to recorded raw samples exactly as the script's
``ConvertTo-Report`` does, and the result must be a valid ``AgentReport``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TABLE: dict[str, Any] = json.loads((REPO / "agent/windows/fields.json").read_text("utf-8"))
EMPTY_AS_TEXT = {"string", "id", "id_lower", "caption"}


def _date(value: Any) -> str:
    match = re.fullmatch(r"/Date\((-?\d+)\)/", str(value))
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC).isoformat()
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def convert(value: Any, how: str) -> Any:
    if value is None or str(value) == "":
        return "" if how in EMPTY_AS_TEXT else None
    placeholders = TABLE["placeholder_ids"]
    match how:
        case "string":
            return str(value).strip()
        case "int":
            return int(value)
        case "kib":
            return int(value) * 1024
        case "mib":
            return int(value) * 1048576
        case "bool":
            return bool(value)
        case "date":
            return _date(value)
        case "id":
            text = str(value).strip()
            return "" if text.lower() in placeholders else text
        case "id_lower":
            text = str(value).strip().lower()
            return "" if text in placeholders else text
        case "first_int":
            return int(value[0] if isinstance(value, list) else value)
        case "mac":
            return str(value).replace("-", ":").lower()
        case "caption":
            return str(value).replace("Microsoft ", "").strip()
        case "service_state":
            found = TABLE["service_states"].get(str(value))
            return found or ("missing" if str(value) == "Missing" else "unknown")
        case "automatic":
            return str(value).startswith("Automatic")
    raise ValueError(f"unknown converter {how}")


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = doc
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def shape(raw: dict[str, Any], agent_version: str = "0.1.0") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": 1,
        "agent_version": agent_version,
        "hostname": raw["hostname"],
        "collected_at": raw["collected_at"],
        "os": {"system": "Windows", "name": "Windows"},
    }
    for path, source, prop, how in TABLE["fields"]:
        obj = raw.get(source)
        if obj is not None:
            _set(doc, path, convert(obj.get(prop), how))
    if raw.get("defender") is None:
        doc.pop("antivirus", None)
    else:
        doc["antivirus"]["product"] = "Microsoft Defender"
    for name, spec in TABLE["lists"].items():
        rows = []
        for obj in _listed(raw.get(spec["source"])):
            where = spec.get("where")
            if where and str(obj.get(where[0])) != str(where[1]):
                continue
            rows.append({f: convert(obj.get(p), how) for f, p, how in spec["fields"]})
        doc[name] = rows
    updates = raw["wu"]["Updates"]
    if updates is not None:
        rows = _listed(updates)
        doc["updates"]["pending"] = len(rows)
        doc["updates"]["security"] = sum(
            1
            for u in rows
            if TABLE["security_category"] in _listed(u.get("Categories")) or u.get("MsrcSeverity")
        )
        doc["os"]["pending_updates"] = doc["updates"]["pending"]
    doc["os"]["last_update"] = doc["updates"]["last_success"]
    if doc.get("boot_time"):
        delta = datetime.fromisoformat(_date(doc["collected_at"])) - datetime.fromisoformat(
            doc["boot_time"]
        )
        doc["uptime_seconds"] = round(delta.total_seconds(), 1)
    if raw.get("software") is not None:
        hidden = re.compile(TABLE["software_hidden"], re.IGNORECASE)
        kept = {
            (
                str(s["DisplayName"]).strip(),
                str(s.get("DisplayVersion") or "").strip(),
                str(s.get("Publisher") or "").strip(),
            )
            for s in raw["software"]
            if s.get("DisplayName")
            and str(s.get("SystemComponent")) != "1"
            and not s.get("ParentKeyName")
            and not hidden.search(s["DisplayName"])
            and s.get("ReleaseType") not in ("Update", "Hotfix", "Security Update")
        }
        doc["software"] = [
            {"name": n, "version": v, "publisher": p}
            for n, v, p in sorted(kept, key=lambda k: (k[0].lower(), k[1]))
        ]
    return doc
