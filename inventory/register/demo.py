"""The §82 register's part of the DEMO office: a year of authorisations, notices, acts.

Everything goes through ``service`` (the same gates and hash chain as a real entry);
two DEMO accounts sign the entries and are disabled afterwards, so nobody can log in
with them.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from sqlalchemy.orm import Session

from inventory.register.config import EMPLOYEE_MONITORING
from itops.demo import DemoWorld, tables_in_use

ADMIN_LOGIN = "demo_admin"
INSPECTOR_LOGIN = "demo_inspektor"


def tables_with_data(db: Session) -> list[str]:
    """The register's table that marks a database as someone's office."""
    from inventory.register.models import RegisterEntry

    return tables_in_use(db, (RegisterEntry,))


# The two DEMO acts: month, employee (index into the codes), resource, scopes, purpose,
# the reason and the outcome.
ACTS = (
    (
        3,
        4,
        "DEMO poczta służbowa",
        ("work_email",),
        "proper_use",
        "DEMO: podejrzenie masowej wysyłki ofert zewnętrznych ze służbowej skrzynki",
        "DEMO: nie stwierdzono nadużyć; pracownika poinformowano o wyniku",
    ),
    (
        9,
        11,
        "DEMO komputer demo-pc-012",
        ("computer_content", "activity_logs"),
        "work_organisation",
        "DEMO: powtarzające się skargi na niezałatwione sprawy",
        "DEMO: nie stwierdzono prywatnego użytku; kierownik rozdzielił zadania na nowo",
    ),
)


def seed_demo(db: Session, world: DemoWorld, codes: list[str]) -> int:
    """Two users (disabled after use), an authorisation, notices, a correction, two acts.

    ``codes`` are the DEMO employees' codes (the inventory seed adds them); returns the
    number of register entries written.
    """
    from inventory.register import service
    from itops import auth

    at = world.local(date(world.year, 1, 2), 9)
    for login, role, name in (
        (ADMIN_LOGIN, auth.ADMIN, "DEMO Sekretarz Urzędu"),
        (INSPECTOR_LOGIN, auth.MONITORING_OFFICER, "DEMO Inspektor Monitoringu"),
    ):
        auth.add_user(db, login, role, secrets.token_urlsafe(24), at, name)
    db.flush()
    service.grant(
        db,
        world.local(date(world.year, 1, 3), 10),
        ADMIN_LOGIN,
        INSPECTOR_LOGIN,
        ("computer_content", "work_email", "it_resources", "activity_logs"),
        date(world.year, 1, 3),
    )
    entries = 1 + _notices(db, world, codes) + _acts(db, world, codes)
    # The demo accounts only signed the register; nobody can log in with them.
    for login in (ADMIN_LOGIN, INSPECTOR_LOGIN):
        user = auth.get_user(db, login)
        if user is not None:
            user.disabled = True
    return entries


def _notices(db: Session, world: DemoWorld, codes: list[str]) -> int:
    """Each employee's notice of the monitoring, the first one entered with a wrong date
    and corrected; the number of entries."""
    from inventory.register import service

    policy = world.settings.section(EMPLOYEE_MONITORING).policy_version
    jan = date(world.year, 1, 1)
    entries = 0
    first_notice: int | None = None
    for n, code in enumerate(codes, start=1):
        received = jan + timedelta(days=4 + n % 6)
        at = world.local(received, 14)
        if at > world.until:
            continue
        # The first notice is entered with a wrong date and corrected below.
        typed = received - timedelta(days=3) if n == 1 else received
        entry = service.record_notice(db, at, ADMIN_LOGIN, code, typed, policy, tz=world.tz)
        if n == 1:
            first_notice = entry.seq
        entries += 1
    correction_at = world.local(date(world.year, 1, 20), 9)
    if first_notice is not None and correction_at <= world.until:
        service.record_notice(
            db,
            correction_at,
            ADMIN_LOGIN,
            codes[0],
            jan + timedelta(days=5),
            policy,
            corrects=first_notice,
            reason="DEMO: błędna data przepisana z formularza potwierdzenia",
            tz=world.tz,
        )
        entries += 1
    return entries


def _acts(db: Session, world: DemoWorld, codes: list[str]) -> int:
    """The two acts of monitoring (``ACTS``) that fall by the seed's end; how many."""
    from inventory.register import service

    entries = 0
    for month, who, resource, scopes, purpose, why, outcome in ACTS:
        day = world.day_in(month, month)
        if day > world.last_day:
            continue
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        act_start, act_end = world.local(day, 10), world.local(day, 11, 30)
        if act_end + timedelta(hours=2) > world.until:
            continue
        service.record_act(
            db,
            act_end + timedelta(hours=2),
            world.tz,
            INSPECTOR_LOGIN,
            service.ActInput(
                codes[who], resource, scopes, purpose, why, act_start, act_end, outcome
            ),
        )
        entries += 1
    return entries
