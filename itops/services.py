"""Typed per-process service objects of the features (no string-keyed shared state).

A feature declares one ``Service`` (its key and its factory) and passes ``SERVICE.of`` as
``Feature.build``: the object is built once per :class:`~itops.context.AppContext`, with
its own type. The core hands it to the hooks that register jobs, sinks, subscribers,
collectors and report parts (``Feature.service``); a web handler or a one-off hook (a
tile, start, stop) asks ``SERVICE.of(ctx)``. The key is the
``Service`` object itself, so two features can never collide on a name and nothing is
re-checked with ``isinstance``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from itops.context import AppContext

S = TypeVar("S")


class Service(Generic[S]):
    """One feature's service: a name for logs and reprs, and how to build it."""

    def __init__(self, name: str, build: Callable[[AppContext], S]) -> None:
        self.name = name
        self.build = build

    def of(self, ctx: AppContext) -> S:
        """This context's service object, built on first use."""
        return ctx.services.get(self, ctx)

    def __repr__(self) -> str:
        return f"Service({self.name!r})"


class Services:
    """The service objects of one context, keyed by their :class:`Service`."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # a service's factory may ask for another service
        self._built: dict[Service[Any], object] = {}

    def get(self, key: Service[S], ctx: AppContext) -> S:
        with self._lock:
            if key not in self._built:
                self._built[key] = key.build(ctx)
            return cast(S, self._built[key])

    def built(self, key: Service[S]) -> S | None:
        """The object if it was built already (None: not yet), without building it."""
        with self._lock:
            return cast("S | None", self._built.get(key))

    def drop(self, key: Service[S]) -> None:
        """Forget the object (a stopped service), so the next ``get`` builds a fresh one."""
        with self._lock:
            self._built.pop(key, None)
