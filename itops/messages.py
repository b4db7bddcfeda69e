"""Results carry a message code and parameters, not prose: ``Summary(code, params)``.

Why: a check, a backup engine or an importer knows *what* happened ("the connection was
refused by 10.0.0.5:443"); the reader's language decides *how it is said*. Each kind owns a
table ``{code: {"pl": "...", "en": "..."}}`` with ``{param}`` placeholders (Polish first:
the users are Polish officials) and hands it to :func:`register_texts`; :func:`render`
formats the parameters through the one formatter (:mod:`itops.formats`), so a number
reads "7,98" on a Polish page and "7.98" in English.

A parameter may itself be a ``Summary`` (a reason inside a sentence: "cannot connect to
{target}: {reason}"), rendered in the same language. A placeholder may carry a format
spec: ``{ms:.1f}`` (one decimal), ``{n:d}`` (integer), ``{seconds:g}`` (the digits it
has), ``{share:.1%}`` (a ratio as a percentage), ``{age:age}`` (seconds as "3 d 4 h"),
``{size:size}`` (bytes as "1,5 GiB"), ``{at:wall}`` (an ISO moment already in office
time as "10.03.2026 08:00"), ``{on:day}`` (an ISO day as "10.03.2026"). Text that is not
a message (rows written before codes existed, an operating-system error string) travels
as :func:`raw`, which renders as-is in every language.
"""

from __future__ import annotations

import importlib
import json
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from itops import formats

Param: TypeAlias = "str | int | float | Summary | None"
Texts = Mapping[str, Mapping[str, str]]
LANGS = ("pl", "en")
RAW = "text"  # a text that is not a message: shown as it is, in every language
LIST = "list"  # several summaries of one result, "; " between them
COMMA_LIST = "list.comma"  # several names in one sentence, ", " between them
_SEPARATORS = {LIST: "; ", COMMA_LIST: ", "}


@dataclass(frozen=True, slots=True)
class Summary:
    """What happened, as a code of some kind's text table and the values it names."""

    code: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __reduce__(self) -> tuple[type[Summary], tuple[str, Mapping[str, Param]]]:
        # The constructor's arguments (fast to unpickle, see ProbeResult.__reduce__).
        return Summary, (self.code, self.params)

    def to_json(self) -> dict[str, Any]:
        params = {k: v.to_json() if isinstance(v, Summary) else v for k, v in self.params.items()}
        return {"code": self.code, "params": params}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        params = {
            k: cls.from_json(v) if isinstance(v, dict) else v
            for k, v in (data.get("params") or {}).items()
        }
        return cls(str(data["code"]), params)

    def __str__(self) -> str:
        """English, for logs and the CLI: never for a page (pages call :func:`render`)."""
        return render(self, "en")


def raw(text: str) -> Summary:
    """A text that is not a message (an OS error string, a row stored before codes)."""
    return Summary(RAW, {"text": text})


def joined(items: Iterable[Summary | str], sep: str = LIST) -> Summary:
    """Several summaries (or plain names) as one: each rendered in the reader's language,
    in order, joined by "; " (``LIST``) or ", " (``COMMA_LIST``); one item stays itself."""
    listed = list(items)
    if len(listed) == 1 and isinstance(listed[0], Summary) and sep == LIST:
        return listed[0]
    return Summary(sep, {f"{i:03d}": item for i, item in enumerate(listed)})


# The core's own messages (the runner's verdicts on a probe that did not finish).
CORE_TEXTS: Texts = {
    RAW: {"pl": "{text}", "en": "{text}"},
    # rendered by render() itself (any number of items); the template names one for tests
    LIST: {"pl": "{items}", "en": "{items}"},
    COMMA_LIST: {"pl": "{items}", "en": "{items}"},
    "none": {"pl": "—", "en": "—"},
    "check.timeout": {
        "pl": "brak odpowiedzi w ciągu {seconds:g} s",
        "en": "no answer within {seconds:g} s",
    },
    "itops.gap": {
        "pl": "itops nie monitorował usług przez {seconds:.0f} s ({reason})",
        "en": "itops was not watching for {seconds:.0f} s ({reason})",
    },
    "notifications.test": {
        "pl": "Wiadomość testowa: powiadomienia itops działają.",
        "en": "Test message: itops notifications work.",
    },
    # why itops itself was not watching (heartbeat), stored in monitoring_gap.reason
    "itops.stopped": {"pl": "itops był zatrzymany", "en": "itops stopped"},
    "itops.crashed": {
        "pl": "itops nie działał: awaria lub przerwany proces",
        "en": "itops not running: crashed or killed",
    },
    "itops.before_start": {
        "pl": "przed pierwszym uruchomieniem itops",
        "en": "before itops was first started",
    },
    "check.internal_error": {
        "pl": "błąd wewnętrzny itops: {error}",
        "en": "internal error in itops: {error}",
    },
}
_texts: dict[str, dict[str, str]] = {code: dict(t) for code, t in CORE_TEXTS.items()}


def register_texts(table: Texts) -> None:
    """Add a kind's or feature's texts; a code registered twice must say the same."""
    for code, by_lang in table.items():
        known = _texts.get(code)
        if known is not None and known != dict(by_lang):
            raise ValueError(f"message code {code!r} is registered twice with other texts")
        _texts[code] = dict(by_lang)


_loaded = False


def load_feature_texts() -> None:
    """Register the texts of every feature's message module (``itops.plugins``), once:
    a CLI command or a page may render a stored code whose kind it never imported."""
    global _loaded
    if _loaded:
        return
    from itops.plugins import MESSAGE_MODULES

    for path in MESSAGE_MODULES:
        register_texts(importlib.import_module(path).TEXTS)
    _loaded = True


def texts() -> Mapping[str, Mapping[str, str]]:
    """Every code with its texts (for the test that renders them all)."""
    load_feature_texts()
    return _texts


def placeholders(template: str) -> set[str]:
    """The parameter names a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        return format_param(value, format_spec, self.lang)


def format_param(value: Any, spec: str, lang: str) -> str:
    """One parameter in the reader's language: numbers through Babel, None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, Summary):
        return render(value, lang)
    if spec in ("wall", "day") and isinstance(value, str):
        return _local_text(value, spec, lang)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return format(value, spec) if spec else str(value)
    if spec == "age":  # seconds → "3 d 4 h"
        return formats.age(float(value), lang)
    if spec == "size":  # bytes → "1,5 GiB"
        return formats.size(float(value), lang)
    if spec.endswith("%"):
        digits = int(spec[1:-1]) if spec.startswith(".") and len(spec) > 2 else 0
        return formats.percent(float(value), lang, digits)
    if spec.endswith("f"):
        digits = int(spec[1:-1]) if spec.startswith(".") else 6
        return formats.number(float(value), lang, digits)
    if spec == "g":
        return formats.number_g(float(value), lang)
    if spec == "d" or isinstance(value, int):
        return formats.number(int(value), lang, 0)
    return formats.number(float(value), lang)


def _local_text(value: str, spec: str, lang: str) -> str:
    """An ISO moment already in office time ("wall": "10.03.2026 08:00") or its day ("day":
    "10.03.2026"; "10/03/2026" in English); a text stored before the spec, already
    written out ("05.12.2025 14:00"), stays as it is."""
    from datetime import date, datetime

    try:
        if spec == "day":
            return formats.day(date.fromisoformat(value[:10]), lang)
        return formats.wall(datetime.fromisoformat(value), lang)
    except ValueError:
        return value


def render(summary: Summary, lang: str) -> str:
    """The summary in ``lang`` ("pl" or "en"); an unknown code is a bug, said plainly.

    A missing text or parameter raises: the test over every code catches it, and a page
    must not show a half-filled template.
    """
    by_lang = _texts.get(summary.code)
    if by_lang is None:
        load_feature_texts()
        by_lang = _texts.get(summary.code)
    if by_lang is None:
        raise KeyError(f"message code {summary.code!r} has no texts")
    sep = _SEPARATORS.get(summary.code)
    if sep is not None:
        items = [summary.params[k] for k in sorted(summary.params)]
        return sep.join(format_param(item, "", lang) for item in items) or "—"
    template = by_lang["en" if lang == "en" else "pl"]
    return _Formatter(lang).vformat(template, (), dict(summary.params))


def render_all(summaries: Iterable[Summary], lang: str) -> str:
    """Several summaries of one result, in order, "; " between them."""
    return "; ".join(render(s, lang) for s in summaries)


def dumps(summaries: Summary | Iterable[Summary]) -> str:
    """The stored form of one or more summaries (a JSON list)."""
    items = [summaries] if isinstance(summaries, Summary) else list(summaries)
    return json.dumps([s.to_json() for s in items], ensure_ascii=False, sort_keys=True)


def loads(stored: str | None, fallback: str = "") -> tuple[Summary, ...]:
    """Summaries read back from :func:`dumps`; a row without them renders its old text."""
    if not stored:
        return (raw(fallback),) if fallback else ()
    return tuple(Summary.from_json(item) for item in json.loads(stored))


def stored(summary: Summary) -> str:
    """The text column form of one summary (a list of one; see :func:`from_stored`)."""
    return dumps(summary)


def stored_within(summary: Summary | str, limit: int) -> str:
    """:func:`stored` for a column of ``limit`` characters: codes when they fit, else the
    English text cut to the limit (read back as that text, never as broken JSON). A plain
    string (a raw text) is stored as it is."""
    if not isinstance(summary, Summary):
        return str(summary)[:limit]
    text = stored(summary)
    return text if len(text) <= limit else str(summary)[:limit]


def from_stored(text: str | None) -> Summary:
    """A summary read back from a text column: the stored codes, or, for a row written
    before codes existed (or cut short), its text as it is."""
    if not text:
        return raw("")
    if text.startswith('[{"code"'):
        try:
            return joined(loads(text))
        except (ValueError, KeyError, TypeError):
            pass
    return raw(text)
