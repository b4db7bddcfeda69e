"""The ``itops`` command. Known errors become a message and an exit code, no traceback.

Exit codes: 0 ok, 1 failure, 2 bad config or bad input, 3 storage problem, 4 not allowed.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from itops import __version__
from itops.config_path import resolve_path
from itops.errors import ConfigError, ItopsError

if TYPE_CHECKING:
    from itops.clock import Clock
    from itops.config import Settings

logger = logging.getLogger("itops")


class Ctx:
    """Lazily loaded settings and context for subcommands.

    ``clock`` is the one "now" of every command (None: the wall clock); tests pass a
    fixed clock through ``main(..., clock=...)`` instead of patching time.
    """

    def __init__(self, config_path: Path, clock: Clock | None = None) -> None:
        self.config_path = config_path
        self.clock = clock
        self._app: Any = None

    @property
    def settings(self) -> Settings:
        from itops.config import load

        return load(self.config_path)

    def app(self) -> Any:
        """The AppContext (engine, sessions …), refusing an unmigrated database."""
        if self._app is None:
            from itops.context import AppContext, derive_settings
            from itops.db.session import ensure_current, require_database

            settings = self.settings
            require_database(settings.storage.url)
            self._app = AppContext.create(settings, self.config_path, self.clock)
            ensure_current(self._app.engine)
            from itops.units import sync_units

            sync_units(self._app.sessions, self._app.settings)
            self._app.settings = derive_settings(self._app.settings, self._app.sessions)
        return self._app

    def close(self) -> None:
        """Release database connections when the command ends (PostgreSQL counts them)."""
        if self._app is not None:
            self._app.engine.dispose()


pass_ctx = click.make_pass_decorator(Ctx)


def setup_logging(level: str = "INFO") -> None:
    """One line per record on stderr; journald adds its own timestamp."""
    under_journald = bool(os.environ.get("JOURNAL_STREAM"))
    fmt = "%(levelname)s %(name)s: %(message)s"
    if not under_journald:
        fmt = "%(asctime)s " + fmt
    logging.basicConfig(level=level, format=fmt, stream=sys.stderr, force=True)
    for noisy in ("alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


class FeatureGroup(click.Group):
    """The root group: a feature's commands are imported when named, all when listed.

    ``itops kpi`` imports the reports feature only (``itops.plugins.FEATURE_COMMANDS``
    says which feature adds which command); ``itops --help`` still lists every command.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loaded: set[str] = set()

    def load(self, path: str) -> None:
        from itops.plugins import feature

        if path not in self.loaded:
            self.loaded.add(path)
            feat = feature(path)
            if feat.cli:
                feat.cli(self)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from itops.plugins import command_owner

        if cmd_name not in self.commands:
            owner = command_owner(cmd_name)
            if owner is not None:
                self.load(owner)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        from itops.plugins import FEATURES

        for path in FEATURES:
            self.load(path)
        return super().list_commands(ctx)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``itops --help``: a feature's commands from ``COMMAND_HELP``, none imported.

        Stand-ins carrying each command's one-line help, so the listing is click's own
        (same rows, same truncation) at a tenth of the start-up time.
        """
        from itops.plugins import COMMAND_HELP, FEATURE_COMMANDS

        stand_ins = {
            name: click.Command(name, help=COMMAND_HELP[name])
            for path, names in FEATURE_COMMANDS.items()
            if path not in self.loaded
            for name in names
        }
        commands = {**stand_ins, **self.commands}
        rows = [(name, commands[name]) for name in sorted(commands) if not commands[name].hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])


@click.group(cls=FeatureGroup)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (default: $ITOPS_CONFIG, then /etc/itops/itops.toml).",
)
@click.version_option(__version__, prog_name="itops")
@click.pass_context
def cli(click_ctx: click.Context, config_path: str | None) -> None:
    """itops: IT operations and compliance monitoring for a municipal office."""
    # ``main(clock=...)`` hands a clock in as the context object (tests only).
    click_ctx.obj = Ctx(resolve_path(config_path), clock=click_ctx.obj)
    click_ctx.call_on_close(click_ctx.obj.close)


@cli.command()
@pass_ctx
def run(ctx: Ctx) -> None:
    """Run the daemon: checks, jobs, dashboard, /metrics."""
    import gc

    gc.disable()  # until the daemon is ready: one collection then, and a freeze (Daemon.run)
    settings = ctx.settings
    setup_logging(settings.daemon.log_level)
    exposed = settings.bind_warning()
    if exposed:
        logging.getLogger("itops.daemon").warning("%s: %s", ctx.config_path, exposed)
    from itops.context import AppContext
    from itops.daemon import Daemon
    from itops.db.session import require_database

    require_database(settings.storage.url)

    app = AppContext.create(settings, ctx.config_path, ctx.clock)
    daemon = Daemon(app, freeze_gc=True)
    import asyncio

    runner = asyncio.Runner()
    code = runner.run(daemon.run())
    if daemon.abandoned:
        # A blocking job (e.g. `apt-get -s upgrade` of the self-inventory) outlived the
        # drain deadline in a worker thread; waiting for it would keep SIGTERM from
        # ending the process until systemd kills it. Its transaction simply rolls back.
        logging.getLogger("itops.daemon").warning(
            "exiting without waiting for %d jobs still running in threads", daemon.abandoned
        )
        logging.shutdown()
        os._exit(code)
    runner.close()
    sys.exit(code)


@cli.group("config")
def config_group() -> None:
    """Inspect the config file."""


@config_group.command("check")
@pass_ctx
def config_check(ctx: Ctx) -> None:
    """Validate the config: exit 0 when valid, 2 with every problem when not."""
    settings = ctx.settings
    exposed = settings.bind_warning()
    for warning in ([exposed] if exposed else []) + settings.warnings():
        click.echo(f"{ctx.config_path}: warning: {warning}", err=True)
    click.echo(f"{ctx.config_path}: ok ({settings.summary()})")


@cli.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Ctx) -> None:
    """Apply the migrations up to the newest revision."""
    from itops.db.session import upgrade

    setup_logging("WARNING")
    settings = ctx.settings
    upgrade(settings.storage.url)
    from itops.db.session import make_engine, make_sessionmaker
    from itops.units import sync_units

    engine = make_engine(settings.storage.url)
    try:
        sync_units(make_sessionmaker(engine), settings)
    finally:
        engine.dispose()
    click.echo("database schema is current")


@db_group.command("current")
@pass_ctx
def db_current(ctx: Ctx) -> None:
    """Print the database's schema revision and the code's."""
    from itops.db.session import current_revision, head_revision, make_engine, require_database

    require_database(ctx.settings.storage.url)
    engine = make_engine(ctx.settings.storage.url)
    click.echo(f"database: {current_revision(engine) or '(none)'}  code: {head_revision()}")


@cli.group("user")
def user_group() -> None:
    """Dashboard users."""


def _read_password(password_file: str | None, confirm: bool = True) -> str:
    import getpass

    if password_file:
        return Path(password_file).read_text(encoding="utf-8").strip()
    first = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Repeat: ") != first:
        raise click.UsageError("the passwords differ")
    return first


@user_group.command("add")
@click.argument("login")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "it_officer", "auditor", "monitoring_officer"]),
)
@click.option("--name", "full_name", default="", help="Full name shown in documents.")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False))
@pass_ctx
def user_add(ctx: Ctx, login: str, role: str, full_name: str, password_file: str | None) -> None:
    """Create a user (password prompted, or read from a file)."""
    from itops import auth
    from itops.db.session import session_scope

    app = ctx.app()
    password = _read_password(password_file)
    with session_scope(app.sessions) as db:
        auth.add_user(db, login, role, password, app.clock.now(), full_name)
        auth.audit(db, app.clock.now(), None, "user_added", f"{login} role={role}")
    click.echo(f"user {login} ({role}) created")


@user_group.command("passwd")
@click.argument("login")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False))
@pass_ctx
def user_passwd(ctx: Ctx, login: str, password_file: str | None) -> None:
    """Set a user's password."""
    from itops import auth
    from itops.db.session import session_scope
    from itops.errors import ValidationError

    app = ctx.app()
    password = _read_password(password_file)
    with session_scope(app.sessions) as db:
        user = auth.get_user(db, login)
        if user is None:
            raise ValidationError(f'no user "{login}"')
        user.password_hash = auth.hash_password(password)
        user.password_changed_at = app.clock.now()
        auth.revoke_sessions(db, user.id, app.clock.now())
        auth.audit(db, app.clock.now(), None, "password_changed", login)
    click.echo(f"password of {login} changed")


@user_group.command("disable")
@click.argument("login")
@pass_ctx
def user_disable(ctx: Ctx, login: str) -> None:
    """Disable a user (kept for the audit trail, never deleted)."""
    from itops import auth
    from itops.db.session import session_scope
    from itops.errors import ValidationError

    app = ctx.app()
    with session_scope(app.sessions) as db:
        user = auth.get_user(db, login)
        if user is None:
            raise ValidationError(f'no user "{login}"')
        user.disabled = True
        auth.audit(db, app.clock.now(), None, "user_disabled", login)
    click.echo(f"user {login} disabled")


@user_group.command("enable")
@click.argument("login")
@pass_ctx
def user_enable(ctx: Ctx, login: str) -> None:
    """Enable a disabled user again."""
    _change_user(ctx, login, "user_enabled", disabled=False)
    click.echo(f"user {login} enabled")


@user_group.command("role")
@click.argument("login")
@click.argument("role", type=click.Choice(["admin", "it_officer", "auditor", "monitoring_officer"]))
@pass_ctx
def user_role(ctx: Ctx, login: str, role: str) -> None:
    """Change a user's role (audited; effective on the user's next request)."""
    _change_user(ctx, login, "user_role", role=role)
    click.echo(f"user {login} now has role {role}")


@user_group.command("unlock")
@click.argument("login")
@pass_ctx
def user_unlock(ctx: Ctx, login: str) -> None:
    """Lift a lockout after failed logins before it expires by itself."""
    from itops import auth
    from itops.db.session import session_scope
    from itops.web import throttle

    app = ctx.app()
    with session_scope(app.sessions) as db:
        cleared = throttle.clear(db, throttle.login_key(login))
        auth.audit(db, app.clock.now(), None, "user_unlock", login)
    click.echo(f"user {login} unlocked" if cleared else f"user {login} was not locked")


@user_group.command("list")
@pass_ctx
def user_list(ctx: Ctx) -> None:
    """List users: login, role, state, full name."""
    from sqlalchemy import select

    from itops.db.models import User
    from itops.db.session import session_scope

    app = ctx.app()
    with session_scope(app.sessions) as db:
        for user in db.scalars(select(User).order_by(User.login)):
            state = "disabled" if user.disabled else "enabled"
            click.echo(f"{user.login}\t{user.role}\t{state}\t{user.full_name}")


def _change_user(
    ctx: Ctx, login: str, action: str, disabled: bool | None = None, role: str | None = None
) -> None:
    from itops import auth
    from itops.db.session import session_scope
    from itops.errors import ValidationError

    app = ctx.app()
    with session_scope(app.sessions) as db:
        user = auth.get_user(db, login)
        if user is None:
            raise ValidationError(f'no user "{login}"')
        detail = login
        if disabled is not None:
            user.disabled = disabled
        if role is not None:
            detail = f"{login} role {user.role} -> {role}"
            user.role = role
        auth.audit(db, app.clock.now(), None, action, detail)


def main(argv: list[str] | None = None, *, clock: Clock | None = None) -> None:
    """Entry point: run the CLI, turning ``ItopsError`` into message + exit code.

    ``clock`` replaces the wall clock for every command (tests run the real CLI at a
    fixed time this way; the installed ``itops`` script never passes one).
    """
    try:
        cli.main(args=argv, prog_name="itops", standalone_mode=False, obj=clock)
    except ItopsError as exc:
        click.echo(str(exc) if isinstance(exc, ConfigError) else f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
