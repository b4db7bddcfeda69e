"""One TOML file → frozen pydantic models.

Why pydantic with ``extra="forbid"``: a misspelt key in an office's config must be an
error that names the file, the key path and the reason (with the nearest known key),
never a silently ignored setting. ``load()`` is the only entry point; it raises
``ConfigError`` carrying every problem at once.

The core owns ``[office]``, ``[[units]]``, ``[storage]``, ``[web]`` and ``[daemon]``
(``itops.config_core``), the shared types (``itops.config_types``) and the one error
renderer (``itops.config_errors``). Every other top-level key is a ``Section`` declared
by the feature that owns it, in its own ``config.py``, and listed in the feature table
(``itops.plugins.CONFIG_MODULES``); the model of the whole file is built from them the
first time a file is validated. Code reads a feature's section with
``settings.section(SECTION)``, typed by the section.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

from pydantic import AfterValidator, BaseModel, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from itops.calendar import OfficeCalendar, Schedule
from itops.config_core import Daemon, Hours, Office, Storage, Unit, Web
from itops.config_depth import TOO_DEEP, deep_key, deep_value
from itops.config_errors import key_path, model_of, problems
from itops.config_path import DEFAULT_PATH, resolve_path
from itops.config_secrets import secret_file_problems
from itops.config_types import (
    OFFICE_UNIT,
    Duration,
    KindEntry,
    Model,
    PositiveDuration,
    Section,
    TimeRanges,
    format_duration,
    parse_duration,
)
from itops.errors import ConfigError, ConfigProblem

T = TypeVar("T")
_MISSING = object()

__all__ = [
    "DEFAULT_PATH",
    "OFFICE_UNIT",
    "Daemon",
    "Duration",
    "Hours",
    "KindEntry",
    "Model",
    "Office",
    "PositiveDuration",
    "Section",
    "Settings",
    "Storage",
    "TimeRanges",
    "Unit",
    "Web",
    "format_duration",
    "load",
    "parse_duration",
    "resolve_path",
    "sections",
    "settings_model",
    "validate",
]


class Settings(Model):
    """The whole config file: the core's sections here, the features' added by
    ``settings_model()``. Every section but ``[office]`` is optional."""

    office: Office
    units: list[Unit] = Field(default_factory=list)
    storage: Storage = Field(default_factory=Storage)
    web: Web = Field(default_factory=Web)
    daemon: Daemon = Field(default_factory=Daemon)

    # Cross-references are field validators (not one model validator) so that an error
    # names its section ("checks: duplicate check names …"), not "(top level)"; fields are
    # validated in declaration order, so ``info.data`` holds the sections declared above.
    @field_validator("units")
    @classmethod
    def _unique_units(cls, units: list[Unit]) -> list[Unit]:
        unit_ids = [u.id for u in units]
        if len(set(unit_ids)) != len(unit_ids) or OFFICE_UNIT in unit_ids:
            raise ValueError(f'unit ids must be unique and not "{OFFICE_UNIT}"')
        return units

    def section(self, section: Section[T]) -> T:
        """The value of a feature's section (its default when the file has none)."""
        value = getattr(self, section.key, _MISSING)
        return section.default() if value is _MISSING else cast(T, value)

    def summary(self) -> str:
        """What ``itops config check`` counts: "17 checks"."""
        return ", ".join(
            f"{len(cast(list[Any], self.section(s)))} {s.counted}" for s in sections() if s.counted
        )

    def schedule(self, unit: str = OFFICE_UNIT) -> Schedule:
        """The working-time rules of the office or of one unit (inheriting the office's)."""
        office = self.office
        hours, days_off, working = office.hours, office.extra_days_off, office.extra_working_days
        if unit != OFFICE_UNIT:
            found = next((u for u in self.units if u.id == unit), None)
            if found is None:
                raise KeyError(unit)
            hours = found.hours or hours
            days_off = found.extra_days_off if found.extra_days_off is not None else days_off
            if found.extra_working_days is not None:
                working = found.extra_working_days
        return Schedule(
            timezone=office.timezone,
            hours=hours.as_schedule_hours(),
            holidays=office.holidays,
            extra_days_off=frozenset(days_off),
            extra_working_days=frozenset(working),
        )

    def calendar(self, unit: str = OFFICE_UNIT) -> OfficeCalendar:
        return OfficeCalendar(self.schedule(unit))

    def unit_names(self) -> dict[str, str]:
        return {OFFICE_UNIT: self.office.name, **{u.id: u.name for u in self.units}}

    def bind_warning(self) -> str | None:
        """A listener other machines can reach, which ``config check`` and ``run`` name.

        Kept out of ``warnings()``: those are also shown on the (Polish) Pulpit, and an
        address the browser already reached needs no warning there.
        """
        if _loopback(self.web.host):
            return None
        return (
            f'web.bind: "{self.web.bind}" is reachable from other machines: logins, session '
            "cookies and agent tokens would cross the network without TLS; bind 127.0.0.1 "
            'and put nginx in front (README.md, "Behind nginx with TLS", and '
            "docs/dashboard-security.md)"
        )

    def warnings(self) -> list[str]:
        """Things that are valid but probably wrong, e.g. a Saturday holiday with no day off."""
        out: list[str] = []
        for unit in [OFFICE_UNIT, *(u.id for u in self.units)]:
            cal = self.calendar(unit)
            sched = self.schedule(unit)
            years = {d.year for d in sched.extra_days_off | sched.extra_working_days}
            years |= _config_years()
            label = "office" if unit == OFFICE_UNIT else f"units.{unit}"
            for day, name in cal.saturday_holidays_without_day_off(sorted(years)):
                out.append(
                    f"{label}.extra_days_off: the holiday {name} on Saturday {day.isoformat()} "
                    "has no extra day off declared (art. 130 § 2 Kodeks pracy)"
                )
        return out


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: whatever it resolves to, not known to be loopback


def _config_years() -> set[int]:
    from itops.clock import utcnow

    this_year = utcnow().year
    return {this_year}


@cache
def sections() -> tuple[Section[Any], ...]:
    """Every feature's sections, in the order of the feature table (validation order)."""
    import importlib

    from itops.plugins import CONFIG_MODULES

    found: list[Section[Any]] = []
    for module in CONFIG_MODULES:
        found.extend(importlib.import_module(module).SECTIONS)
    return tuple(found)


@cache
def settings_model() -> type[Settings]:
    """The model of the whole file: ``Settings`` plus one field per feature section."""
    from pydantic import create_model

    fields: dict[str, Any] = {}
    for section in sections():
        annotation = section.annotation
        if section.check is not None:
            annotation = Annotated[annotation, AfterValidator(section.check)]
        fields[section.key] = (annotation, Field(default_factory=section.default))
    model: type[Settings] = create_model("Settings", __base__=Settings, **fields)
    model.__doc__ = Settings.__doc__
    return model


def load(path: str | os.PathLike[str], *, environ: dict[str, str] | None = None) -> Settings:
    """Read, parse and validate one config file; ``ConfigError`` lists every problem."""
    env = os.environ if environ is None else environ
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError([ConfigProblem(file, "(file)", exc.strerror or str(exc))]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError([ConfigProblem(file, "(file)", "not valid UTF-8")]) from None
    deep = deep_value(text)
    if deep is not None:
        key, line = deep
        raise ConfigError([ConfigProblem(file, key, f"{TOO_DEEP} (line {line})")])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([ConfigProblem(file, "(syntax)", str(exc))]) from None
    except RecursionError:  # deep_value missed a way of nesting: still no traceback
        raise ConfigError([ConfigProblem(file, "(syntax)", TOO_DEEP)]) from None
    deep_loc = deep_key(data)
    if deep_loc is not None:
        raise ConfigError([ConfigProblem(file, key_path(deep_loc, data), TOO_DEEP)])
    url = env.get("ITOPS_DATABASE_URL")
    if url:
        data.setdefault("storage", {})
        if isinstance(data["storage"], dict):
            data["storage"]["url"] = url
    data = with_self_address(data)
    settings = validate(data, file)
    problems = [
        ConfigProblem(file, key_path(loc, data), reason)
        for loc, reason in secret_file_problems(_secret_files(settings))
    ]
    if problems:
        raise ConfigError(problems)
    return settings


SELF_PLACEHOLDERS = ("{web.bind}", "{web.host}", "{web.port}")


def with_self_address(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``{web.bind}``, ``{web.host}`` and ``{web.port}`` in any string outside
    ``[web]`` replaced by the address this itops's own dashboard answers on.

    Why: the DEMO office's and the self checks point at itops itself; written as
    ``port = "{web.port}"`` they follow a changed ``[web] bind`` instead of a hard-coded
    8080. A wildcard bind (``0.0.0.0``, ``::``) is reached on loopback. A value that is
    exactly ``"{web.port}"`` becomes the number. A bind that is not ``HOST:PORT`` is left
    to ``[web]``'s own validation (the placeholders stay and fail their keys' checks).
    """
    web = data.get("web")
    bind = web.get("bind", Web.model_fields["bind"].default) if isinstance(web, dict) else None
    if web is None:
        bind = Web.model_fields["bind"].default
    if not isinstance(bind, str):
        return data
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        return data
    host = host.strip("[]")
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    values = {"{web.bind}": address, "{web.host}": host, "{web.port}": port}

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            if value == "{web.port}":
                return int(port)
            for token, text in values.items():
                value = value.replace(token, text)
            return value
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return {key: (value if key == "web" else fill(value)) for key, value in data.items()}


def _secret_files(settings: Settings) -> list[tuple[tuple[int | str, ...], Path]]:
    """The secret files itops itself must read to start or to alert, with their key path.

    Backup password files are left to their checks (UNKNOWN with a hint, per backup): one
    missing backup secret must not stop the monitoring of everything else.
    """
    found: list[tuple[tuple[int | str, ...], Path]] = []
    for key in ("metrics_token_file", "secret_key_file"):
        value = getattr(settings.web, key)
        if value is not None:
            found.append((("web", key), value))
    for section in sections():
        if section.secret_files is not None:
            found.extend(section.secret_files(settings.section(section)))
    return found


def validate(data: dict[str, Any], file: str = "<config>") -> Settings:
    """Validate parsed TOML; the kind-specific keys of each kind entry are typed in a
    second pass."""
    model = settings_model()
    found: list[ConfigProblem] = []
    try:
        settings: Settings | None = model.model_validate(data)
    except PydanticValidationError as exc:
        found += problems(exc, data, file, model)
        settings = None
    for path, entry in _kind_entries(model):
        settings, more = _type_options(path, entry, data, settings, file)
        found += more
    if found or settings is None:
        raise ConfigError(found)
    return settings


def _kind_entries(
    model: type[BaseModel], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], type[KindEntry]]]:
    """Where the file holds arrays of kind entries (``checks``, ``antivirus.clamav`` …)."""
    for name, field in model.model_fields.items():
        sub = model_of(field.annotation)
        if sub is None:
            continue
        if issubclass(sub, KindEntry):
            yield (*prefix, name), sub
        else:
            yield from _kind_entries(sub, (*prefix, name))


def _type_options(
    path: tuple[str, ...],
    entry: type[KindEntry],
    data: dict[str, Any],
    settings: Settings | None,
    file: str,
) -> tuple[Settings | None, list[ConfigProblem]]:
    """The one "kind → options model" pass: type each entry's own keys at ``path``."""
    found: list[ConfigProblem] = []
    typed: list[KindEntry] = []
    raw_entries = _dig(data, path)
    common = set(entry.model_fields) - {"options"}
    for index, raw in enumerate(raw_entries if isinstance(raw_entries, list) else []):
        kind = entry.kind_of(raw) if isinstance(raw, dict) else None
        if kind is None:
            continue
        own = {k: v for k, v in raw.items() if k not in common}
        try:
            options = entry.options_model(kind).model_validate(own)
        except PydanticValidationError as exc:
            found += problems(exc, data, file, settings_model(), prefix=(*path, index))
            continue
        if settings is not None:
            typed.append(_attr(settings, path)[index].model_copy(update={"options": options}))
    if settings is None or found:
        return settings, found
    return cast(Settings, _replace(settings, path, typed)), found


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _attr(model: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        model = getattr(model, key)
    return model


def _replace(model: BaseModel, path: tuple[str, ...], value: Any) -> BaseModel:
    head, *rest = path
    if rest:
        value = _replace(getattr(model, head), tuple(rest), value)
    return model.model_copy(update={head: value})
