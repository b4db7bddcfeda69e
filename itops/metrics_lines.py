"""Per-name sample lines kept in name order, joined in small blocks that survive scrapes.

Why: with 10,000 checks a scrape joined 30,000 cached lines into a fresh 1.5 MB buffer (and
that into the 2.2 MB body): ~4–7 ms of CPU per scrape, mostly page faults of the new big
buffers, however few checks had changed; and when a check came or went the 10,000 names
were sorted again. Here the names live in sorted blocks of about ``BLOCK`` names; a block
keeps its lines joined (one ``bytes`` per family) until one of its names changes, so a
scrape joins only the blocks that changed and hands the rest over as they are. A new name
goes into its block by bisection (no re-sort); a block that grows past ``2 * BLOCK`` is
split. The order is exactly ``sorted(names)`` (code points), as before.
"""

from __future__ import annotations

from bisect import bisect_left

BLOCK = 64


class _Block:
    """Up to ``2 * BLOCK`` names in order, their lines as one list per family."""

    __slots__ = ("_place", "joined", "names", "rows")

    def __init__(self, names: list[str], rows: list[list[bytes]]) -> None:
        self.names = names  # sorted
        self.rows = rows  # per family, the lines in the order of ``names``
        self._place: dict[str, int] | None = None  # name -> index, made when first needed
        self.joined: list[bytes] | None = None  # per family; None when a line changed

    def family(self, index: int) -> bytes:
        if self.joined is None:
            self.joined = [b"".join(row) for row in self.rows]
        return self.joined[index]

    def index(self, name: str) -> int:
        place = self._place
        if place is None:  # names were inserted or removed since: once per change of names
            place = self._place = {n: k for k, n in enumerate(self.names)}
        return place[name]

    def set(self, name: str, lines: tuple[bytes, ...]) -> None:
        i, rows = self.index(name), self.rows
        for family, line in enumerate(lines):
            rows[family][i] = line
        self.joined = None

    def insert(self, name: str, lines: tuple[bytes, ...]) -> None:
        i = bisect_left(self.names, name)
        self.names.insert(i, name)
        for row, line in zip(self.rows, lines, strict=True):
            row.insert(i, line)
        self._place = None
        self.joined = None

    def remove(self, name: str) -> None:
        i = self.index(name)
        del self.names[i]
        for row in self.rows:
            del row[i]
        self._place = None
        self.joined = None

    def cut(self, at: int) -> tuple[_Block, _Block]:
        return (
            _Block(self.names[:at], [row[:at] for row in self.rows]),
            _Block(self.names[at:], [row[at:] for row in self.rows]),
        )


class SortedLines:
    """``name -> lines`` (one per family) with each family's lines in name order."""

    def __init__(self, families: int) -> None:
        self.families = families
        self._blocks: list[_Block] = []
        self._lasts: list[str] = []  # the last (greatest) name of each block
        self._of: dict[str, _Block] = {}  # name -> its block

    def __len__(self) -> int:
        return len(self._of)

    def __contains__(self, name: str) -> bool:
        return name in self._of

    def names(self) -> list[str]:
        return [name for block in self._blocks for name in block.names]

    def _where(self, name: str) -> int:
        """The index of the block that holds ``name`` or would take it."""
        return min(bisect_left(self._lasts, name), len(self._blocks) - 1)

    def put(self, name: str, lines: tuple[bytes, ...]) -> None:
        """Set the lines of ``name`` (new or not); its block is joined again when read."""
        if len(lines) != self.families:
            raise ValueError(f"{len(lines)} lines for {self.families} families")
        block = self._of.get(name)
        if block is not None:  # the usual case: a new result of a known check
            block.set(name, lines)
            return
        if not self._blocks:
            block = _Block([name], [[line] for line in lines])
            self._blocks.append(block)
            self._lasts.append(name)
            self._of[name] = block
            return
        i = self._where(name)
        block = self._blocks[i]
        block.insert(name, lines)
        self._lasts[i] = block.names[-1]
        self._of[name] = block
        if len(block.names) > 2 * BLOCK:
            first, second = block.cut(BLOCK)
            self._blocks[i : i + 1] = [first, second]
            self._lasts[i : i + 1] = [first.names[-1], second.names[-1]]
            for moved in (first, second):
                for each in moved.names:
                    self._of[each] = moved

    def put_many(self, items: dict[str, tuple[bytes, ...]]) -> None:
        """``put`` of each item; into an empty store as one sort cut into blocks (the first
        scrape of a running daemon: 10,000 bisections and inserts took twice as long)."""
        if self._blocks:
            for name, lines in items.items():
                self.put(name, lines)
            return
        names = sorted(items)
        for start in range(0, len(names), BLOCK):
            part = names[start : start + BLOCK]
            block = _Block(part, [[items[n][f] for n in part] for f in range(self.families)])
            self._blocks.append(block)
            self._lasts.append(part[-1])
            for name in part:
                self._of[name] = block

    def discard(self, name: str) -> None:
        """Forget ``name`` (nothing happens when it is not here)."""
        block = self._of.pop(name, None)
        if block is None:
            return
        i = self._where(name)  # the block that held it: its last name is still in _lasts
        block.remove(name)
        if not block.names:
            del self._blocks[i], self._lasts[i]
        else:
            self._lasts[i] = block.names[-1]

    def chunks(self, family: int) -> list[bytes]:
        """The family's lines in name order, as one ``bytes`` per block (empty ones left out)."""
        out = []
        for block in self._blocks:
            joined = block.family(family)
            if joined:
                out.append(joined)
        return out
