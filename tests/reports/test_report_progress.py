"""`itops report annual` on a terminal says which part it is on; WeasyPrint's INFO lines
stay out of the log (issue 13)."""

from __future__ import annotations

import io
import logging

import pytest

from reports.annual import PARTS
from reports.cli import progress_on
from reports.render import render_pdf


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_told_on_a_terminal_only_in_the_reports_language() -> None:
    assert progress_on(io.StringIO(), "pl") is None  # a pipe or a cron job: nothing
    for lang, expected in (("pl", "… plik PDF\n"), ("en", "… the PDF file\n")):
        stream = Terminal()
        tell = progress_on(stream, lang)
        assert tell is not None
        tell("pdf")
        assert stream.getvalue() == expected
    assert set(PARTS) == {"collect", "html", "json", "pdf"}


def test_weasyprint_and_fonttools_log_nothing_below_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("weasyprint", "weasyprint.progress", "fontTools"):
        logging.getLogger(name).setLevel(logging.NOTSET)  # as a fresh process starts
    pdf = render_pdf("<html><body><p>Zażółć gęślą jaźń</p></body></html>")
    assert pdf.startswith(b"%PDF")
    noisy = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith(("weasyprint", "fontTools")) and r.levelno < logging.WARNING
    ]
    assert noisy == []
