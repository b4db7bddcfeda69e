"""PostgreSQL privileges of the register: the dashboard's role never deletes from it.

Three roles (docs/register.md): the owner of the tables (runs ``itops db upgrade``;
only it can drop a trigger), the service role the daemon and dashboard connect as
(everything it needs elsewhere, but on the register tables SELECT and INSERT only), and
the prune role (``[employee_monitoring] prune_url``), which may DELETE register entries,
and then only what the DELETE trigger accepts as a lawful prune.
"""

from __future__ import annotations

import re

from itops.errors import ValidationError

APPEND_ONLY = ("register_entry", "register_read_log", "register_checkpoint", "register_seal")
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _role(name: str) -> str:
    if not _ROLE.match(name):
        raise ValidationError(
            f'"{name}" is not a plain PostgreSQL role name (lower-case letters, digits, _)'
        )
    return name


_GRANTS = """-- itops: privileges of the service role "@SVC@" and the prune role "@PRUNE@".
-- Run as the owner of the itops tables (never as "@SVC@") after every itops db upgrade.
GRANT USAGE ON SCHEMA public TO @SVC@, @PRUNE@;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO @SVC@;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO @SVC@;
-- the §82 register: the service role reads and appends, nothing else
REVOKE ALL ON @TABLES@ FROM @SVC@, @PRUNE@, PUBLIC;
GRANT SELECT, INSERT ON register_entry, register_read_log, register_seal TO @SVC@;
GRANT SELECT ON register_checkpoint TO @SVC@;
-- the prune role: a signed checkpoint, then the DELETE the trigger judges
GRANT SELECT, INSERT, DELETE ON register_entry TO @PRUNE@;
GRANT SELECT, INSERT ON register_checkpoint TO @PRUNE@;
GRANT SELECT ON employee TO @PRUNE@;
"""


def grants_sql(service_role: str, prune_role: str) -> str:
    """The GRANT/REVOKE statements, run by the tables' owner after every ``db upgrade``."""
    svc, prune = _role(service_role), _role(prune_role)
    if svc == prune:
        raise ValidationError("the service role and the prune role must differ")
    return (
        _GRANTS.replace("@TABLES@", ", ".join(APPEND_ONLY))
        .replace("@PRUNE@", prune)
        .replace("@SVC@", svc)
    )
