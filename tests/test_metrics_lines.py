"""SortedLines (the /metrics per-check line blocks)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from itops.metrics import check_exposition
from itops.metrics_lines import BLOCK, SortedLines
from itops.state import LiveState
from itops.status import ProbeResult, Status


def lines_of(name: str, version: int = 0) -> tuple[bytes, bytes]:
    return (f"a{{{name}}} {version}\n".encode(), f"b{{{name}}} {version}\n".encode())


def expected(model: dict[str, int], family: int) -> bytes:
    return b"".join(lines_of(name, model[name])[family] for name in sorted(model))


def test_lines_stay_in_name_order_through_inserts_updates_splits_and_removals() -> None:
    rng = random.Random(17)
    store, model = SortedLines(2), {}
    names = [f"Usługa {rng.randrange(10**6):06d} — Urząd" for _ in range(6 * BLOCK)]
    for step in range(20 * BLOCK):
        name = rng.choice(names)
        if rng.random() < 0.2:
            store.discard(name)
            model.pop(name, None)
        else:
            model[name] = step
            store.put(name, lines_of(name, step))
        if step % 97 == 0:  # read now and then: blocks joined, then changed again
            assert b"".join(store.chunks(0)) == expected(model, 0)
    assert store.names() == sorted(model)
    assert len(store) == len(model)
    assert len(store.chunks(1)) > 2  # more than one block was made
    assert b"".join(store.chunks(1)) == expected(model, 1)
    for name in list(model):
        store.discard(name)
    assert store.chunks(0) == [] and len(store) == 0


def test_a_read_block_is_joined_again_after_a_new_line() -> None:
    store = SortedLines(1)
    for i in range(3 * BLOCK):
        store.put(f"demo-{i:04d}", (f"x{i}\n".encode(),))
    before = store.chunks(0)
    store.put("demo-0005", (b"changed\n",))
    after = store.chunks(0)
    assert b"changed\n" in after[0] and b"x5\n" not in after[0]
    assert after[1:] == before[1:]
    assert after[1] is before[1]  # an untouched block is handed over as it was


def test_empty_lines_leave_no_chunk() -> None:
    store = SortedLines(1)
    store.put("demo-a", (b"",))
    assert store.chunks(0) == []
    store.put("demo-b", (b"line\n",))
    assert store.chunks(0) == [b"line\n"]


def test_many_checks_render_exactly_as_one_sorted_pass() -> None:
    state = LiveState()
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    names = [f"Usługa nr {i:05d}" for i in range(5 * BLOCK)]
    random.Random(3).shuffle(names)
    for i, name in enumerate(names):
        state.record(ProbeResult(name, "tcp", Status.OK, "", at, i / 8))
        if i % 50 == 0:
            check_exposition(state)  # checks arrive between scrapes, as at start
    text = check_exposition(state).decode()
    status_lines = [line for line in text.splitlines() if line.startswith("itops_check_status")]
    assert [line.split('"')[1] for line in status_lines] == sorted(names)


def test_put_many_into_an_empty_store_equals_one_put_at_a_time() -> None:
    rng = random.Random(5)
    items = {f"demo-{rng.randrange(10**6):06d}": lines_of(str(i), i) for i in range(7 * BLOCK)}
    bulk, single = SortedLines(2), SortedLines(2)
    bulk.put_many(items)
    for name, lines in items.items():
        single.put(name, lines)
    assert bulk.names() == single.names() == sorted(items)
    for family in (0, 1):
        assert b"".join(bulk.chunks(family)) == b"".join(single.chunks(family))
    more = {"demo-0": lines_of("x", 1), "demo-9": lines_of("y", 2)}  # into a filled store
    bulk.put_many(more)
    assert bulk.names() == sorted({**items, **more})
    bulk.put("demo-0", lines_of("x", 3))
    assert lines_of("x", 3)[0] in b"".join(bulk.chunks(0))
