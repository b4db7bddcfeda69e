"""What the daemon, the web app and the CLI share: settings, storage, clock, live state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from itops.clock import Clock, SystemClock
from itops.config import Settings
from itops.db.session import make_engine, make_sessionmaker, read_scope
from itops.events import EventBus
from itops.services import Services
from itops.state import LiveState


@dataclass
class AppContext:
    """One per process. ``settings`` is replaced (never mutated) on a config reload."""

    settings: Settings
    config_path: Path
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)
    state: LiveState = field(default_factory=LiveState)
    events: EventBus = field(default_factory=EventBus)
    services: Services = field(default_factory=Services)  # each feature's, see itops.services
    started_at: datetime | None = None
    storage_problem: str | None = None

    @classmethod
    def create(
        cls, settings: Settings, config_path: Path, clock: Clock | None = None
    ) -> AppContext:
        engine = make_engine(settings.storage.url)
        return cls(
            settings=settings,
            config_path=config_path,
            engine=engine,
            sessions=make_sessionmaker(engine),
            clock=clock or SystemClock(),
        )


def derive_settings(settings: Settings, sessions: sessionmaker[Session]) -> Settings:
    """The file's ``settings`` completed by every feature's ``derive`` hook.

    Applied where settings meet the database: the daemon (start, reload, every few
    minutes) and a CLI command opening the database. Always from the file's settings,
    never from derived ones, so a host that left the inventory loses its check.
    """
    from itops.plugins import DERIVE_FEATURES, feature

    hooks = [hook for path in DERIVE_FEATURES if (hook := feature(path).derive) is not None]
    if not hooks:
        return settings
    with read_scope(sessions) as db:
        for hook in hooks:
            settings = hook(settings, db)
    return settings
