"""The one typed layer every dashboard form field and query parameter goes through.

Why: hand-written parsing (``int(form.get("x"))``, ``str.isdigit()``, ``Decimal(text)``)
turned "abc", "²", "NaN", "1e400", 10**30 and 0001-01-01 into 500s or stored ``inf``
(issue 14.4). Each field type here is a pydantic ``Annotated`` type with its bounds; a
value outside them raises ``FormError``, a ``ValidationError`` whose message is Polish and
names the field, so every handler's existing ``except ValidationError`` answers 400 with
the form shown again, and nothing is written (parsing happens before the transaction).

Use a ``FormModel`` for a whole form (``Model.parse(form)``), or ``field(form, name,
Type)`` / ``query(request, name, Type, default)`` for one value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Self, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from starlette.requests import Request

from itops.errors import ValidationError
from itops.web import MAX_ID  # one bound for ids in paths and in forms

T = TypeVar("T")

MAX_COUNT = 1_000_000
MAX_MONEY = Decimal("100000000")  # 100 million zł: more than any office buys at once
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
FIRST_YEAR, LAST_YEAR = 1990, 2199
_DIGITS = re.compile(r"[0-9]{1,12}")


class FormError(ValidationError):
    """A form value outside its type: Polish, naming the field and the value."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"Pole „{name}”: {message}")
        self.field = name


class _Refused(ValueError):
    """Raised by the field types; carries the Polish reason."""


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _whole(value: object, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise _Refused(f"„{_short(value)}” nie jest liczbą całkowitą")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        # ASCII digits only: str.isdigit() accepts "²", which int() refuses
        if not _DIGITS.fullmatch(text):
            raise _Refused(f"„{_short(text)}” nie jest liczbą całkowitą (same cyfry 0–9)")
        number = int(text)
    if not low <= number <= high:
        raise _Refused(f"{_short(number)} jest poza zakresem {low}–{high}")
    return number


def _id(value: object) -> int:
    return _whole(value, 1, MAX_ID)


def _count(value: object) -> int:
    return _whole(value, 0, MAX_COUNT)


def _year(value: object) -> int:
    return _whole(value, FIRST_YEAR, LAST_YEAR)


def _money(value: object) -> Decimal:
    text = str(value).strip().replace(",", ".").replace(" ", "").replace("\u00a0", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _Refused(f"„{_short(text)}” nie jest kwotą (np. 1234,50)") from None
    if not number.is_finite():
        raise _Refused(f"„{_short(text)}” nie jest kwotą (np. 1234,50)")
    if not Decimal(0) <= number <= MAX_MONEY:
        raise _Refused(f"kwota musi mieścić się w zakresie 0–{MAX_MONEY} zł")
    if number != number.quantize(Decimal("0.01")):
        raise _Refused("kwota może mieć najwyżej dwa miejsca po przecinku")
    return number.quantize(Decimal("0.01"))


def _hours(value: object) -> float:
    text = str(value).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise _Refused(f"„{_short(text)}” nie jest liczbą godzin") from None
    if not math.isfinite(number) or not 0 <= number <= 24 * 366:
        raise _Refused(f"liczba godzin musi mieścić się w zakresie 0–{24 * 366}")
    return number


def _day(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise _Refused(f"„{_short(value)}” nie jest datą (RRRR-MM-DD)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _Refused(f"data {day.isoformat()} jest poza zakresem 1900–2199")
    return day


def _moment(value: object) -> datetime:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise _Refused(f"„{_short(value)}” nie jest datą i godziną (RRRR-MM-DD GG:MM)") from None
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        # 0001-01-01T00:00+14:00 is before datetime.min in UTC: converting it overflowed
        raise _Refused(f"data {moment.date().isoformat()} jest poza zakresem 1900–2199")
    return moment


def _text(limit: int, multiline: bool) -> Any:
    def check(value: object) -> str:
        text = str(value).strip()
        if len(text) > limit:
            raise _Refused(f"tekst ma {len(text)} znaków, najwyżej {limit}")
        allowed = "\n\r\t" if multiline else ""
        if any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in text):
            raise _Refused("tekst zawiera znaki sterujące")
        return text

    return BeforeValidator(check)


Id = Annotated[int, BeforeValidator(_id)]
Count = Annotated[int, BeforeValidator(_count)]
Year = Annotated[int, BeforeValidator(_year)]
Money = Annotated[Decimal, BeforeValidator(_money)]
Hours = Annotated[float, BeforeValidator(_hours)]
Day = Annotated[date, BeforeValidator(_day)]
Moment = Annotated[datetime, BeforeValidator(_moment)]
Line = Annotated[str, _text(200, multiline=False)]
Note = Annotated[str, _text(2000, multiline=True)]
Notice = Annotated[str, _text(500, multiline=False)]  # a short public note, one paragraph


def _first_error(exc: PydanticValidationError, fallback: str) -> FormError:
    error = exc.errors(include_url=False)[0]
    name = ".".join(str(p) for p in error["loc"]) or fallback
    cause = error.get("ctx", {}).get("error")
    message = str(cause) if isinstance(cause, _Refused) else "nieprawidłowa wartość"
    return FormError(name, message)


_adapters: dict[Any, TypeAdapter[Any]] = {}


def _adapter(kind: Any) -> TypeAdapter[Any]:
    found = _adapters.get(kind)
    if found is None:
        found = _adapters[kind] = TypeAdapter(kind)
    return found


def parse(kind: Any, value: object, name: str) -> Any:
    """``value`` as ``kind`` (one of the types above), else ``FormError`` naming ``name``."""
    try:
        return _adapter(kind).validate_python(value)
    except PydanticValidationError as exc:
        raise _first_error(exc, name) from None


def field(form: Mapping[str, Any], name: str, kind: Any, default: Any = None) -> Any:
    """One form field as ``kind``; ``default`` when absent or blank."""
    raw = form.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    if not isinstance(raw, str):
        raise FormError(name, "oczekiwano tekstu, nie pliku")
    return parse(kind, raw, name)


def query(request: Request, name: str, kind: Any, default: Any = None) -> Any:
    """One query parameter as ``kind``; ``default`` when absent or blank."""
    return field(request.query_params, name, kind, default)


class FormModel(BaseModel):
    """A whole form: declare its fields with the types above, then ``Model.parse(form)``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @classmethod
    def parse(cls, form: Mapping[str, Any]) -> Self:
        data: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = form.get(name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            if not isinstance(raw, str):
                raise FormError(name, "oczekiwano tekstu, nie pliku")
            data[name] = raw
        try:
            return cls.model_validate(data)
        except PydanticValidationError as exc:
            raise _first_error(exc, cls.__name__) from None
