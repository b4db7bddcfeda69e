"""The running notifier: queue → route by rules → de-duplicate → deliver with retries.

1. ``publish`` (the event-bus subscriber) may be called from any thread; it hands the event
   to the event loop with ``call_soon_threadsafe`` and returns at once. A full queue drops
   the event (counted and logged), it never blocks the producer.
2. The worker matches rules (kinds, subject patterns, working-hours policy) and suppresses
   duplicates: the same problem for the same subject and rule is not sent again within
   ``repeat_after``; a recovery is sent once, and outside working hours only if its problem
   was notified. Events marked ``data["silenced"]`` (maintenance windows) are not sent.
3. Each delivery runs as its own task and retries with exponential back-off; a final failure
   is logged and counted, never raised.

De-duplication state lives in memory and is written through to ``notification_state``
(one short transaction per routed event, in a worker thread) and read back at start, so a
restart neither repeats a problem nor loses the right to send its recovery. If the database
is unavailable, routing carries on from memory and the failure is logged.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp
from sqlalchemy import select

from itops.db.session import session_scope
from itops.events import MONITORING_GAP, REGISTER_ANCHOR, Event
from itops.notifications.channels import send_email, send_webhook
from itops.notifications.config import (
    EVENT_KINDS,
    NOTIFICATIONS,
    EmailChannel,
    NotificationRule,
    Notifications,
    WebhookChannel,
)
from itops.notifications.message import (
    RECOVERY_KINDS,
    Message,
    build_message,
    event_unit,
    family,
)
from itops.notifications.models import SUBJECT_MAX, NotificationState
from itops.status import Status

if TYPE_CHECKING:
    from itops.context import AppContext

logger = logging.getLogger(__name__)

MAX_RETRY_DELAY = 3600.0
ONE_OFF_KINDS = frozenset({MONITORING_GAP, REGISTER_ANCHOR})
"""Each event of these kinds reports a distinct, already closed interval or a new signed
head: never a duplicate."""
EXPLICIT_KINDS = frozenset({REGISTER_ANCHOR})
"""Sent only to rules that name them (the daily register anchor is for the auditor's rule,
not for every catch-all rule), at any hour: a record to keep, not an alarm."""


@dataclass
class _Sent:
    """What a rule last sent about one subject of one family."""

    kind: str
    status: Status
    at: datetime
    recovery: bool


@dataclass(frozen=True)
class Delivery:
    """One message for one channel (and, for e-mail, its recipients)."""

    rule: str
    channel: EmailChannel | WebhookChannel
    recipients: tuple[str, ...]
    message: Message


class NotificationService:
    """One per daemon; started and stopped by the plugin's hooks."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[Event] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None
        self._sent: dict[tuple[str, str, str], _Sent] = {}
        self._dirty: dict[tuple[str, str, str], _Sent] = {}
        self.sent: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.dropped = 0
        self.suppressed = 0

    @property
    def config(self) -> Notifications:
        return self.ctx.settings.section(NOTIFICATIONS)

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        try:
            self._sent = await asyncio.to_thread(self._load)
        except Exception as exc:
            logger.warning("notification history not loaded, duplicates possible: %s", exc)
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue(maxsize=self.config.queue_size)
        self._worker = asyncio.create_task(self._work(), name="itops-notifications")

    async def stop(self, grace: float = 5.0) -> None:
        """Let queued and in-flight deliveries finish for ``grace`` seconds, then cancel."""
        if self._worker is None:
            return
        try:
            await asyncio.wait_for(self.join(), timeout=grace)
        except TimeoutError:
            pending = len(self._deliveries) + (self._queue.qsize() if self._queue else 0)
            logger.warning("stopping with %d notifications undelivered", pending)
        self._worker.cancel()
        for task in list(self._deliveries):
            task.cancel()
        await asyncio.gather(self._worker, *self._deliveries, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None
        self._worker = None
        self._loop = None

    async def join(self) -> None:
        """Wait until the queue is empty and no delivery is in flight (tests, shutdown)."""
        while True:
            if self._queue is not None:
                await self._queue.join()
            if not self._deliveries:
                return
            await asyncio.gather(*list(self._deliveries), return_exceptions=True)

    # -- the event-bus side (any thread) -------------------------------------------------

    def publish(self, event: Event) -> None:
        """Subscriber for ``ctx.events``: enqueue and return, whatever thread calls it."""
        loop = self._loop
        if loop is None or loop.is_closed() or not self.config.enabled:
            return
        try:
            if _in_loop(loop):
                self._enqueue(event)
            else:
                loop.call_soon_threadsafe(self._enqueue, event)
        except RuntimeError:
            logger.warning("notification lost, notifier stopped: %s %s", event.kind, event.subject)

    def _enqueue(self, event: Event) -> None:
        assert self._queue is not None  # noqa: S101 - set in start(), before the loop is known
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            logger.error(
                "notification queue full (%d): dropped %s %s",
                self.config.queue_size,
                event.kind,
                event.subject,
            )

    # -- routing -------------------------------------------------------------------------

    async def _work(self) -> None:
        assert self._queue is not None  # noqa: S101
        while True:
            event = await self._queue.get()
            try:
                for delivery in self.route(event):
                    task = asyncio.create_task(self._deliver(delivery))
                    self._deliveries.add(task)
                    task.add_done_callback(self._deliveries.discard)
            except Exception:
                logger.exception("cannot route notification for %s %s", event.kind, event.subject)
            try:
                if self._dirty:
                    dirty, self._dirty = self._dirty, {}
                    await asyncio.to_thread(self._save, dirty)
            except Exception as exc:
                logger.warning("notification history not saved, duplicates possible: %s", exc)
            finally:
                self._queue.task_done()

    def route(self, event: Event) -> list[Delivery]:
        """The deliveries ``event`` calls for now; records what was sent for de-duplication."""
        config = self.config
        settings = self.ctx.settings
        is_open = settings.calendar(event_unit(event, settings)).is_open(event.at)
        channels: dict[str, EmailChannel | WebhookChannel] = {c.name: c for c in config.email}
        channels.update((c.name, c) for c in config.webhook)
        message: Message | None = None
        out: list[Delivery] = []
        for rule in config.rules:
            if not _matches(rule, event) or not self._wanted(rule, event, is_open):
                continue
            message = message or build_message(event, settings)
            for name in rule.channels:
                out.append(Delivery(rule.name, channels[name], tuple(rule.recipients), message))
        return out

    def _wanted(self, rule: NotificationRule, event: Event, is_open: bool) -> bool:
        key = (rule.name, family(event.kind), event.subject[:SUBJECT_MAX])
        last = self._sent.get(key)
        now = self.ctx.clock.now()
        recovery = event.kind in RECOVERY_KINDS
        status = Status(event.status)
        if event.data.get("silenced") is True:
            return self._suppress(rule, event, "silenced by a maintenance window")
        explicit = event.kind in EXPLICIT_KINDS  # any hour, never a duplicate
        if recovery and not explicit:
            if last is not None and last.recovery:
                return self._suppress(rule, event, "recovery already sent")
            if not is_open and rule.outside_hours != "all" and last is None:
                return self._suppress(rule, event, "outside working hours, problem not notified")
            if not is_open and rule.outside_hours == "none":
                return self._suppress(rule, event, "outside working hours")
        elif not explicit:
            if not is_open and rule.outside_hours == "none":
                return self._suppress(rule, event, "outside working hours")
            if not is_open and rule.outside_hours == "critical" and status != Status.CRITICAL:
                return self._suppress(rule, event, "outside working hours, not critical")
            repeat = self.config.repeat_after.total_seconds()
            if (
                event.kind not in ONE_OFF_KINDS
                and last is not None
                and not last.recovery
                and last.kind == event.kind
                and last.status == status
                and (now - last.at).total_seconds() < repeat
            ):
                return self._suppress(rule, event, "duplicate")
        self._sent[key] = self._dirty[key] = _Sent(event.kind, status, now, recovery)
        return True

    def _suppress(self, rule: NotificationRule, event: Event, why: str) -> bool:
        self.suppressed += 1
        logger.debug("rule %s: %s %s not sent (%s)", rule.name, event.kind, event.subject, why)
        return False

    # -- persistence (worker threads) -------------------------------------------------

    def _load(self) -> dict[tuple[str, str, str], _Sent]:
        with session_scope(self.ctx.sessions) as db:
            rows = db.scalars(select(NotificationState)).all()
            return {
                (r.rule, r.family, r.subject): _Sent(
                    r.kind, Status(r.status), r.sent_at, r.recovery
                )
                for r in rows
            }

    def _save(self, dirty: dict[tuple[str, str, str], _Sent]) -> None:
        with session_scope(self.ctx.sessions) as db:
            for (rule, fam, subject), sent in dirty.items():
                db.merge(
                    NotificationState(
                        rule=rule,
                        family=fam,
                        subject=subject,
                        kind=sent.kind,
                        status=int(sent.status),
                        sent_at=sent.at,
                        recovery=sent.recovery,
                    )
                )

    # -- delivery ------------------------------------------------------------------------

    async def _deliver(self, delivery: Delivery) -> None:
        attempts = self.config.retries + 1
        delay = self.config.retry_delay.total_seconds()
        name = delivery.channel.name
        for attempt in range(1, attempts + 1):
            try:
                await self._send(delivery)
            except Exception as exc:  # a channel's own bug must not kill the notifier either
                if attempt == attempts:
                    self.failed[name] += 1
                    logger.error(
                        "notification %r via %s failed after %d attempts: %s",
                        delivery.message.subject,
                        name,
                        attempts,
                        exc,
                    )
                    return
                logger.warning(
                    "notification via %s failed (attempt %d of %d), retrying in %.0f s: %s",
                    name,
                    attempt,
                    attempts,
                    delay,
                    exc,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_DELAY)
            else:
                self.sent[name] += 1
                logger.info("notification %r sent via %s", delivery.message.subject, name)
                return

    async def _send(self, delivery: Delivery) -> None:
        channel = delivery.channel
        if isinstance(channel, EmailChannel):
            await send_email(channel, list(delivery.recipients), delivery.message)
            return
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        await send_webhook(self._http, channel, delivery.message)

    def pending(self) -> int:
        return len(self._deliveries) + (self._queue.qsize() if self._queue else 0)

    def stats(self) -> dict[str, Any]:
        return {"sent": dict(self.sent), "failed": dict(self.failed), "dropped": self.dropped}


DEFAULT_KINDS = tuple(k for k in EVENT_KINDS if k not in EXPLICIT_KINDS)


def _matches(rule: NotificationRule, event: Event) -> bool:
    """Kinds and subject patterns; an empty ``events`` means every notifiable kind (other
    kinds on the bus, such as agent reports, are never notified)."""
    if event.kind not in (rule.events or DEFAULT_KINDS):
        return False
    return not rule.subjects or any(fnmatch.fnmatchcase(event.subject, p) for p in rule.subjects)


def _in_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
