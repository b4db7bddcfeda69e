"""Pages of a long list: which page the request asks for and links that keep its filters.

Why: "Awarie" and "Ewidencja" grew to 10,800 and 18,600 px (issue 13). A list shows
``size`` rows a page, newest first; ``strona`` goes through the typed form layer (a page
out of range is the last one, a malformed number the first, never a 500), and each page
link carries the other filters of the request so paging never drops the search.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request

from itops.web import forms

PAGE_SIZE = 50
PARAM = "strona"


@dataclass(frozen=True)
class Page:
    """Page ``number`` of ``pages`` over ``total`` rows, ``size`` rows a page."""

    number: int
    pages: int
    total: int
    size: int
    keep: tuple[tuple[str, str], ...] = ()

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first_row(self) -> int:
        """The 1-based number of the page's first row (0 for an empty list)."""
        return 0 if self.total == 0 else self.offset + 1

    @property
    def last_row(self) -> int:
        return min(self.total, self.offset + self.size)

    def link(self, number: int) -> str:
        """``?…&strona=N``: the same filters, another page."""
        return "?" + urlencode([*self.keep, (PARAM, str(number))])

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and ``around`` either side of this
        one; None where numbers are left out (shown as "…")."""
        wanted = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        shown = sorted(n for n in wanted if 1 <= n <= self.pages)
        out: list[int | None] = []
        previous = 0
        for n in shown:
            if previous and n - previous > 1:
                out.append(None)
            out.append(n)
            previous = n
        return out


def requested(request: Request) -> int:
    """The page number the request asks for (1 when absent or malformed)."""
    try:
        number = forms.query(request, PARAM, forms.Count, 1)
    except forms.FormError:
        return 1
    return max(1, int(number))


def page_of(request: Request, total: int, keep: Mapping[str, str], size: int = PAGE_SIZE) -> Page:
    """The requested page of ``total`` rows; ``keep`` are the filters its links carry
    (empty values are left out)."""
    pages = max(1, -(-total // size))
    number = min(requested(request), pages)
    kept = tuple((k, v) for k, v in keep.items() if v)
    return Page(number, pages, total, size, kept)
