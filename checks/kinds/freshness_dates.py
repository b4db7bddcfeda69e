"""Dates as Polish offices write them, feed dates, and working days between two moments.

Pure functions for the ``freshness`` kind. A BIP writes "opublikowano: 12.11.2026 14:05",
"Data publikacji: 2026-11-12", "12 listopada 2026 r."; times without a zone are office
time (Europe/Warsaw). RSS uses RFC 822 dates, Atom ISO 8601.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from zoneinfo import ZoneInfo

import holidays

WARSAW = ZoneInfo("Europe/Warsaw")
MONTHS = {
    "stycznia": 1,
    "lutego": 2,
    "marca": 3,
    "kwietnia": 4,
    "maja": 5,
    "czerwca": 6,
    "lipca": 7,
    "sierpnia": 8,
    "września": 9,
    "wrzesnia": 9,
    "października": 10,
    "pazdziernika": 10,
    "listopada": 11,
    "grudnia": 12,
}
# Our own fixed patterns (no nested quantifiers); user patterns go through RE2.
_NUMERIC = re.compile(
    r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:\s*(?:r\.|roku)?\s*"
    r"(?:godz\.?\s*)?(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")
_WORDS = re.compile(
    r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})(?:\s*r\.)?"
    r"(?:,?\s*(?:godz\.?\s*)?(\d{1,2}):(\d{2}))?",
    re.IGNORECASE,
)
_FEED = re.compile(r"<(pubDate|updated|published|dc:date|lastBuildDate)>\s*([^<]{6,64}?)\s*</\1>")


def _local(
    y: int, m: int, d: int, hh: str | None, mm: str | None, ss: str | None = None
) -> datetime | None:
    try:
        moment = datetime(y, m, d, int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=WARSAW)
    except ValueError:
        return None
    return moment.astimezone(UTC)


def polish_dates(text: str) -> list[datetime]:
    """Every date in ``text`` (UTC), in the order found; impossible dates are skipped."""
    found: list[tuple[int, datetime]] = []
    for m in _NUMERIC.finditer(text):
        day = _local(int(m[3]), int(m[2]), int(m[1]), m[4], m[5], m[6])
        if day:
            found.append((m.start(), day))
    for m in _ISO.finditer(text):
        day = _local(int(m[1]), int(m[2]), int(m[3]), m[4], m[5], m[6])
        if day:
            found.append((m.start(), day))
    for m in _WORDS.finditer(text):
        day = _local(int(m[3]), MONTHS[m[2].lower()], int(m[1]), m[4], m[5])
        if day:
            found.append((m.start(), day))
    return [d for _, d in sorted(found, key=lambda p: p[0])]


def feed_dates(xml: str) -> list[datetime]:
    """Item and feed dates of an RSS 2.0 or Atom document (tags read as text, no XML
    parser: a hostile feed cannot expand entities)."""
    out = []
    for _tag, value in _FEED.findall(xml):
        parsed = http_date(value) or iso_date(value)
        if parsed:
            out.append(parsed)
    return out


def http_date(value: str) -> datetime | None:
    """An RFC 822/1123 date (``Last-Modified``, RSS ``pubDate``)."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def iso_date(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=WARSAW)).astimezone(UTC)


@cache
def _polish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("PL", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Polish public holiday."""
    return day.weekday() < 5 and day not in _polish_holidays(day.year)


def working_days_between(start: datetime, end: datetime) -> int:
    """Full office working days after ``start``'s local day up to and including ``end``'s.

    Published on Friday, checked on Monday: 1 working day. A weekend or a holiday never
    makes a BIP "older".
    """
    first, last = start.astimezone(WARSAW).date(), end.astimezone(WARSAW).date()
    count, day = 0, first + timedelta(days=1)
    while day <= last:
        count += is_working_day(day)
        day += timedelta(days=1)
    return count


def newest(dates: Iterable[datetime], not_after: datetime) -> datetime | None:
    """The newest date not in the future (a page announcing a session next week is not
    "published next week"); small clock skews (one hour) are tolerated."""
    fine = [d for d in dates if d <= not_after + timedelta(hours=1)]
    return max(fine, default=None)
