"""``freshness``: the BIP and the office website are current, not only up.

Mode ``publication``: the newest publication date on a page - found by a CSS selector
(selectolax/lexbor), a user regex (RE2: linear time, a hostile pattern cannot hang the
daemon), the RSS/Atom dates of a feed, or the ``Last-Modified`` header - must be at most
``max_working_days`` office working days old (weekends and Polish public holidays do
not age a BIP). Mode ``accessibility_statement``: the accessibility statement
(deklaracja dostępności, required by the act on digital accessibility of public bodies)
exists and its date of preparation or last update is at most ``statement_max_age_days``
old.

Reachability is the ``http`` kind's job: a page that cannot be fetched here is UNKNOWN
(freshness cannot be told), and freshness does not count for KPI 1 by default.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import aiohttp
from pydantic import Field, field_validator, model_validator

from checks.kinds import freshness_dates as dates
from checks.kinds import texts
from itops.check import Check, Options
from itops.errors import ProbeError
from itops.messages import Summary, raw
from itops.status import Measurement, Status

MAX_BODY_BYTES = 4 << 20
DEFAULT_LABELS = r"(?i)(opublikowan\w*|data publikacji|data wytworzenia|aktualizacj\w*|dodano)"
STATEMENT_LABELS = r"(?i)(sporządz\w*|aktualizacj\w*|opublikowan\w*)"

TEXTS = texts.FRESHNESS


def say(code: str, **params: Any) -> Summary:
    """A message of this kind's table."""
    if code not in TEXTS:
        raise KeyError(f"{code!r} is not in this kind's texts")
    return Summary(code, params)


def _re2(pattern: str) -> Any:
    import re2

    options = re2.Options()
    options.max_mem = 8 << 20
    return re2.compile(pattern, options)


class FreshnessOptions(Options):
    url: str
    mode: Literal["publication", "accessibility_statement"] = "publication"
    source: Literal["html", "feed", "last_modified"] = "html"
    selector: str | None = Field(default=None, max_length=500)
    regex: str | None = Field(default=None, max_length=500)
    max_working_days: int = Field(default=5, ge=1, le=365)
    critical_working_days: int | None = Field(default=None, ge=1, le=730)
    statement_max_age_days: int = Field(default=365, ge=1, le=3650)
    verify_tls: bool = True
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("url must be an http:// or https:// URL")
        return value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                _re2(value)
            except Exception as exc:  # re2.error
                raise ValueError(f"regex does not compile with RE2: {exc}") from None
        return value

    @field_validator("selector")
    @classmethod
    def _selects(cls, value: str | None) -> str | None:
        if value is not None:
            from selectolax.lexbor import LexborHTMLParser

            try:
                LexborHTMLParser("<p></p>").css(value)
            except Exception as exc:  # selectolax raises its own errors for bad selectors
                raise ValueError(f"selector is not valid CSS: {exc}") from None
        return value

    @model_validator(mode="after")
    def _order(self) -> FreshnessOptions:
        if self.critical_working_days is not None and (
            self.critical_working_days < self.max_working_days
        ):
            raise ValueError("critical_working_days must be at least max_working_days")
        return self


def texts_of(html: str, selector: str | None) -> list[str]:
    """The page's text, or the text of each element the selector matches."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    for junk in tree.css("script, style"):
        junk.decompose()
    if selector:
        return [node.text(separator=" ") for node in tree.css(selector)]
    body = tree.body
    return [body.text(separator=" ") if body is not None else ""]


def labelled_dates(text: str, labels: str, regex: str | None) -> list[datetime]:
    """Dates after a label ("opublikowano:") or captured by the user's RE2 pattern
    (group 1 if it has one); the label's window is the 80 characters after it."""
    if regex:
        found = []
        for m in _re2(regex).finditer(text):
            found += dates.polish_dates(m.group(1) if m.re.groups else m.group(0))
        return found
    out = []
    for m in _re2(labels).finditer(text):
        out += dates.polish_dates(text[m.end() : m.end() + 80])[:1]
    return out


class FreshnessCheck(Check[FreshnessOptions]):
    """Newest publication (or the accessibility statement's date) against its limit."""

    kind = "freshness"
    TEXTS = TEXTS
    Options = FreshnessOptions
    counts_for_kpi_default: ClassVar[bool] = False
    timeout_status: ClassVar[Status] = Status.UNKNOWN

    @property
    def target(self) -> str:
        return self.options.url

    async def _fetch(self) -> tuple[int, str, str | None]:
        o = self.options
        timeout = aiohttp.ClientTimeout(total=None)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(o.url, headers=o.headers, ssl=o.verify_tls) as resp,
            ):
                body = bytearray()
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    body += chunk
                    if len(body) >= MAX_BODY_BYTES:
                        break
                charset = resp.charset or "utf-8"
                return (
                    resp.status,
                    bytes(body).decode(charset, "replace"),
                    resp.headers.get("Last-Modified"),
                )
        except (aiohttp.ClientError, OSError, LookupError) as exc:
            reason = raw(str(exc) or type(exc).__name__)  # aiohttp's own text
            raise ProbeError.of(say("freshness.fetch_failed", url=o.url, reason=reason)) from None

    async def probe(self) -> Sequence[Measurement]:
        o = self.options
        status, body, last_modified = await self._fetch()
        now = datetime.fromtimestamp(time.time(), tz=UTC)
        out = [Measurement("checked_at", now.timestamp(), "ts"), Measurement("http_status", status)]
        if o.mode == "accessibility_statement":
            if status != 200:
                return out
            text = " ".join(texts_of(body, o.selector))
            found = dates.newest(labelled_dates(text, STATEMENT_LABELS, o.regex), now)
        elif status != 200:
            raise ProbeError.of(
                say("freshness.fetch_failed", url=o.url, reason=raw(f"HTTP {status}"))
            )
        elif o.source == "last_modified":
            found = dates.http_date(last_modified) if last_modified else None
        elif o.source == "feed":
            found = dates.newest(dates.feed_dates(body), now)
        else:
            text = " ".join(texts_of(body, o.selector))
            found = dates.newest(
                labelled_dates(text, DEFAULT_LABELS, o.regex)
                if o.regex or not o.selector
                else dates.polish_dates(text),
                now,
            )
        if found is None and o.mode == "publication":
            raise ProbeError.of(say("freshness.no_date", url=o.url))
        if found is not None:
            out.append(Measurement("newest_ts", found.timestamp(), "ts"))
        return out

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        v = {m.name: m.value for m in measurements}
        o = self.options
        now = datetime.fromtimestamp(v["checked_at"], tz=UTC)
        if o.mode == "accessibility_statement":
            if v["http_status"] != 200:
                return Status.CRITICAL, say(
                    "freshness.statement_missing", url=o.url, http=int(v["http_status"])
                )
            if "newest_ts" not in v:
                return Status.WARNING, say("freshness.statement_undated")
            dated = datetime.fromtimestamp(v["newest_ts"], tz=UTC)
            shown = dated.astimezone(dates.WARSAW).date().isoformat()  # {date:day}
            if (now - dated).days > o.statement_max_age_days:
                return Status.WARNING, say(
                    "freshness.statement_old", date=shown, limit=o.statement_max_age_days
                )
            return Status.OK, say("freshness.statement_ok", date=shown)
        newest = datetime.fromtimestamp(v["newest_ts"], tz=UTC)
        days = dates.working_days_between(newest, now)
        shown = newest.astimezone(dates.WARSAW).isoformat(timespec="minutes")  # {date:wall}
        if o.critical_working_days is not None and days > o.critical_working_days:
            return Status.CRITICAL, say(
                "freshness.stale", date=shown, days=days, limit=o.critical_working_days
            )
        if days > o.max_working_days:
            return Status.WARNING, say(
                "freshness.stale", date=shown, days=days, limit=o.max_working_days
            )
        return Status.OK, say("freshness.fresh", date=shown, days=days)
