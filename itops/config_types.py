"""The config vocabulary every feature shares: durations, time ranges, the base model,
kind entries and sections.

Why a module of its own: feature config modules (``checks/config.py`` …) import these
types without importing the loader, and the loader imports the feature modules only
when it validates a file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from itops.calendar import parse_time_range

OFFICE_UNIT = "office"

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Longer than any retention or interval an office could mean (100 years); beyond it a
# duration is a typo, and far beyond it (timedelta's ~2.7 million years) Python overflows.
MAX_DURATION = timedelta(days=36500)
MAX_DURATION_TEXT = "36500d (100 years)"
# Shorter intervals hammer a target (a 1 ms check is 1,000 probes a second) for nothing.
MIN_INTERVAL = timedelta(seconds=1)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def parse_duration(value: object) -> timedelta:
    """Parse ``"90s"``, ``"5m"``, ``"26h"``, ``"1d"``, ``"1h30m"`` (or a number of seconds)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):  # TOML has nan and inf
            raise ValueError(f"duration must be a finite number of seconds, not {value}")
        if value < 0:
            raise ValueError("duration must not be negative")
        if value > MAX_DURATION.total_seconds():
            raise ValueError(f"duration {value!r}s is longer than {MAX_DURATION_TEXT}")
        return timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError('expected a duration such as "60s", "5m", "26h" or "1d"')
    text = value.strip().replace(" ", "")
    pos, total = 0, 0.0
    for match in _DURATION_RE.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise ValueError(f'"{value}" is not a duration such as "60s", "5m", "26h" or "1d"')
    if total > MAX_DURATION.total_seconds():  # also inf: "9" * 400 + "d" is a float overflow
        raise ValueError(f'"{value}" is longer than {MAX_DURATION_TEXT}')
    return timedelta(seconds=total)


def format_duration(value: timedelta) -> str:
    """The inverse of ``parse_duration`` (whole seconds stay integers: "2678400s")."""
    seconds = value.total_seconds()
    return f"{int(seconds)}s" if seconds == int(seconds) else f"{seconds!r}s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]


def _positive(value: timedelta) -> timedelta:
    if value.total_seconds() <= 0:
        raise ValueError("must be greater than zero")
    return value


PositiveDuration = Annotated[Duration, AfterValidator(_positive)]


def _at_least_min_interval(value: timedelta) -> timedelta:
    if value < MIN_INTERVAL:
        raise ValueError(f"{format_duration(value)} is too short: an interval is at least 1s")
    return value


# How often something runs (a check, a backup look …): at least ``MIN_INTERVAL``.
Interval = Annotated[PositiveDuration, AfterValidator(_at_least_min_interval)]


def check_timeout(entry: BaseModel, interval: str = "interval", timeout: str = "timeout") -> None:
    """Refuse a ``timeout`` longer than the ``interval`` it belongs to, naming ``timeout``.

    A timeout left at its default is lowered to the interval instead (a "5s" check with
    the default "10s" timeout is what the user meant, not an error); one written in the
    file is refused: the next probe would start before this one may end.
    Call from a ``model_validator(mode="after")``.
    """
    every: timedelta = getattr(entry, interval)
    limit: timedelta = getattr(entry, timeout)
    if limit <= every:
        return
    if timeout not in entry.model_fields_set:
        object.__setattr__(entry, timeout, every)  # frozen model, still being built
        return
    raise PydanticValidationError.from_exception_data(
        type(entry).__name__,
        [
            InitErrorDetails(
                type=PydanticCustomError(
                    "timeout_too_long",
                    "{timeout} ({limit}) is longer than {interval} ({every})",
                    {
                        "timeout": timeout,
                        "interval": interval,
                        "limit": format_duration(limit),
                        "every": format_duration(every),
                    },
                ),
                loc=(timeout,),
                input=format_duration(limit),
            )
        ],
    )


def _check_ranges(value: list[str]) -> list[str]:
    for text in value:
        parse_time_range(text)

    def minutes(t: time, is_end: bool) -> int:
        m = t.hour * 60 + t.minute
        return 24 * 60 if is_end and m == 0 else m

    ranges = sorted(
        (minutes(a, False), minutes(b, True)) for a, b in (parse_time_range(t) for t in value)
    )
    for (_, end), (start, _) in zip(ranges, ranges[1:], strict=False):
        if start < end:
            raise ValueError("time ranges overlap")
    return value


TimeRanges = Annotated[list[str], AfterValidator(_check_ranges)]


class Model(BaseModel):
    """Base of every config model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# The languages of the pages and reports (``[web] language``): Polish first, the default.
LANGUAGES = ("pl", "en")


class PerLanguage(Model):
    """A text the office writes in each language: ``{pl = "…", en = "…"}``."""

    pl: str | None = None
    en: str | None = None

    @model_validator(mode="after")
    def _one_at_least(self) -> PerLanguage:
        if self.pl is None and self.en is None:
            raise ValueError('give the text in at least one language: {pl = "…", en = "…"}')
        return self

    def text(self, lang: str) -> str:
        """The text in ``lang``; else the Polish one; else any."""
        found = getattr(self, lang, None) if lang in LANGUAGES else None
        if found is None:
            found = self.pl if self.pl is not None else self.en
        return found or ""


def _text_validator(min_length: int, max_length: int) -> Callable[[Any], str | PerLanguage]:
    def check(value: Any) -> str | PerLanguage:
        found: str | PerLanguage
        if isinstance(value, str):
            found, texts = value, {"": value}
        elif isinstance(value, PerLanguage | Mapping):
            found = PerLanguage.model_validate(value)
            texts = {f"{lang}: ": getattr(found, lang) for lang in LANGUAGES}
        else:
            raise ValueError('expected a text or a table {pl = "…", en = "…"}')
        for where, text in texts.items():
            if text is not None and not min_length <= len(text) <= max_length:
                raise ValueError(f"{where}{min_length} to {max_length} characters")
        return found

    return check


def _text_dump(value: str | PerLanguage) -> str | dict[str, str]:
    """As written: the string, or the table of the languages given."""
    if isinstance(value, str):
        return value
    return {lang: text for lang in LANGUAGES if (text := getattr(value, lang)) is not None}


def text_for(value: str | PerLanguage, lang: str) -> str:
    """A config text in ``lang``: a plain string reads the same in every language."""
    return value if isinstance(value, str) else value.text(lang)


# A text the office writes in the config: a plain string (the same in every language, as
# it is written) or a table per language, ``{pl = "…", en = "…"}`` (``text_for``).
Note = Annotated[
    str | PerLanguage, PlainValidator(_text_validator(0, 500)), PlainSerializer(_text_dump)
]
Title = Annotated[
    str | PerLanguage, PlainValidator(_text_validator(1, 200)), PlainSerializer(_text_dump)
]


def split_own_keys(
    model: type[BaseModel], data: Any, kinds: Collection[str] | None = None, what: str = ""
) -> Any:
    """Move the keys ``model`` does not declare into ``options``.

    ``validate()`` types them afterwards with the options model of the entry's kind, so a
    typo in a kind-specific key is still an error that names its key.
    """
    if not isinstance(data, dict):
        return data
    if kinds is not None:
        kind = data.get("kind")
        if not isinstance(kind, str) or kind not in kinds:
            known = ", ".join(sorted(kinds))
            raise ValueError(f'unknown {what} kind "{kind}" (known: {known})')
    common = set(model.model_fields) - {"options"}
    own = {k: v for k, v in data.items() if k in common}
    own["options"] = {k: v for k, v in data.items() if k not in common}
    return own


class KindEntry(Model):
    """A config entry whose kind brings keys of its own (``[[checks]]``, ``[[backups]]``,
    ``[[antivirus.clamav]]``).

    The common keys are the model's fields; every other key goes into ``options`` and is
    typed, in a second pass of ``validate()``, by the options model of the entry's kind
    (one generic pass for every such entry, wherever it sits in the file). A subclass
    declares ``options: Any = None`` as its last field and answers the three classmethods.
    """

    kind_label: ClassVar[str] = ""  # the word in 'unknown check kind "x"'

    @classmethod
    def kinds(cls) -> Collection[str] | None:
        """The known kind names; None when the entry has one fixed kind (no ``kind`` key)."""
        return None

    @classmethod
    def kind_of(cls, raw: Mapping[str, Any]) -> str | None:
        """The kind of a raw table, or None when it has no known kind (already an error)."""
        kinds = cls.kinds()
        kind = raw.get("kind")
        return kind if isinstance(kind, str) and kinds is not None and kind in kinds else None

    @classmethod
    def options_model(cls, kind: str) -> type[BaseModel]:
        """The pydantic model of ``kind``'s own keys."""
        raise NotImplementedError

    @model_validator(mode="before")
    @classmethod
    def _split_options(cls, data: Any) -> Any:
        return split_own_keys(cls, data, cls.kinds(), cls.kind_label)


SecretFiles = Iterable[tuple[tuple[int | str, ...], Path]]


@dataclass(frozen=True, eq=False)
class Section(Generic[T_co]):
    """One top-level key of the config file, owned by the feature that declares it.

    ``annotation`` is what pydantic validates (a model, or ``list[Model]`` for an array
    of tables); ``check`` cross-checks the value against the sections validated before it
    (``info.data``: units, check names); ``secret_files`` names the files itops must be
    able to read at load (key path, file); ``counted`` is the noun ``itops config check``
    prints with the number of entries ("17 checks").

    Read a section with ``settings.section(SECTION)``: typed, and the feature that owns
    the key is the one that names it.
    """

    key: str
    annotation: Any
    default: Callable[[], T_co]
    # Typed loosely so that ``Section`` is covariant (a ``Section[list[X]]`` reads where an
    # iterable of X is expected); each feature types its own functions exactly.
    check: Callable[[Any, ValidationInfo], Any] | None = None
    secret_files: Callable[[Any], SecretFiles] | None = None
    counted: str | None = None


def known_units(info: ValidationInfo) -> set[str] | None:
    """The unit ids declared before this field, or None when ``units`` itself was invalid."""
    if "units" not in info.data:
        return None
    return {OFFICE_UNIT, *(u.id for u in info.data["units"])}


def check_units(named: Iterable[tuple[str, str]], info: ValidationInfo) -> None:
    """``ValueError`` naming the first ``(name, unit)`` whose unit is not declared."""
    known = known_units(info)
    for name, unit in named:
        if known is not None and unit not in known:
            raise ValueError(f'"{name}": unknown unit "{unit}"')


def duplicates(names: Iterable[str]) -> list[str]:
    """The names that occur more than once, sorted."""
    seen: set[str] = set()
    twice: set[str] = set()
    for name in names:
        (twice if name in seen else seen).add(name)
    return sorted(twice)
