"""The backup pages' charts, drawn with the shared chart module (``itops.charts``): a
backup's size and its job's duration over its stored looks (``timeline``, with their
tables) and the list's size trend bars (``trend``, as the Pulpit tiles).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from markupsafe import Markup

from checks.backups.records import RunRecord
from itops import formats
from itops.charts import Chart, Point, fmt_number, timeline, trend
from itops.context import AppContext
from itops.i18n import translator


def size_chart(history: Sequence[RunRecord], ctx: AppContext, lang: str) -> Chart | None:
    """The backup's size at each stored look, oldest left; None below two sizes."""
    _ = translator(lang)
    runs = sorted((r for r in history if r.size is not None), key=lambda r: r.at)
    return _over_time(
        [(r.at, (r.size or 0) / 2**20) for r in runs],
        ctx,
        lang,
        title=_("Rozmiar kopii w czasie"),
        chart_id="backup-size",
        columns=(_("Kiedy"), _("Rozmiar") + " (MiB)", _("Rozmiar")),
        texts=[
            (
                formats.number_g(round((r.size or 0) / 2**20, 1), lang),
                formats.size(r.size or 0, lang),
            )
            for r in runs
        ],
        unit="MiB",
    )


def duration_chart(history: Sequence[RunRecord], ctx: AppContext, lang: str) -> Chart | None:
    """How long the backup job ran, at each look that knew it (restic >= 0.17, borg, push:
    see ``store.record_backup``), oldest left, in minutes (seconds for short jobs); None
    below two known durations (the page then says "brak danych", never 0)."""
    _ = translator(lang)
    decimal = "." if lang == "en" else ","
    runs = sorted((r for r in history if r.job_duration is not None), key=lambda r: r.at)
    seconds = [r.job_duration or 0.0 for r in runs]
    per, unit = (60.0, "min") if max(seconds, default=0.0) >= 120 else (1.0, "s")
    return _over_time(
        [(r.at, v / per) for r, v in zip(runs, seconds, strict=True)],
        ctx,
        lang,
        title=_("Czas trwania kopii w czasie"),
        chart_id="backup-duration",
        columns=(_("Kiedy"), f"{_('Czas trwania kopii')} ({unit})", _("Czas trwania kopii")),
        texts=[(fmt_number(round(v / per, 1), decimal), job_time(v, lang)) for v in seconds],
        unit=unit,
    )


def job_time(seconds: float | None, lang: str) -> str:
    """A backup job's duration as read on the page: "brak danych" where not known."""
    if seconds is None:
        return translator(lang)("brak danych")
    decimal = "." if lang == "en" else ","
    if seconds < 1:  # a tiny job measured is not "0 s"
        return fmt_number(round(seconds, 2), decimal, 2) + " s"
    if seconds < 60:
        return fmt_number(round(seconds, 1), decimal) + " s"
    return formats.age(seconds, lang)


def _over_time(
    points: Sequence[tuple[datetime, float]],
    ctx: AppContext,
    lang: str,
    *,
    title: str,
    chart_id: str,
    columns: tuple[str, ...],
    texts: Sequence[tuple[str, ...]],
    unit: str,
) -> Chart | None:
    """A timeline of one value per look (the line's band collapsed onto it) with the first
    and last look's time under it; None below two points."""
    if len(points) < 2:
        return None
    tz = ctx.settings.office.timezone
    label: Callable[[datetime], str] = lambda at: formats.moment(at, tz, lang, "short")  # noqa: E731
    start, end = points[0][0].timestamp(), points[-1][0].timestamp()
    return timeline(
        [Point(at.timestamp(), v, v, v, label(at)) for at, v in points],
        title=title,
        chart_id=chart_id,
        start=start,
        end=end,
        ticks=[(start, label(points[0][0])), (end, label(points[-1][0]))],
        columns=columns,
        value_text=texts,
        unit=unit,
        decimal="." if lang == "en" else ",",
    )


def size_trend(name: str, sizes: list[int], lang: str) -> Markup | None:
    """The list's size trend of the last looks (itops.charts.trend, as the Pulpit tiles):
    each bar's <title> gives its size; None below two sizes."""
    if len(sizes) < 2:
        return None
    _ = translator(lang)
    chart = trend(
        [str(i + 1) for i in range(len(sizes))],
        [float(v) for v in sizes],
        title=f"{_('Trend rozmiaru')}: {name}",
        chart_id=f"size-{name}",
        columns=("#", _("Rozmiar")),
        texts=[formats.size(v, lang) for v in sizes],
        width=120,
        height=32,
    )
    return Markup(chart.svg)  # noqa: S704 - every text in it went through escape()
