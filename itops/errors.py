"""The itops exception tree.

Every error a user can cause or meet is an ``ItopsError``; the CLI turns them into a
message and an exit code instead of a traceback::

    ItopsError
    ├── ConfigError      the config file is unreadable or invalid (exit 2)
    ├── StorageError     the database is unreachable or not migrated (exit 3)
    ├── ProbeError       a check could not tell (status UNKNOWN, a monitoring gap)
    ├── ValidationError  bad input to a command or an API (nothing written)
    └── PermissionDenied the acting user lacks the role
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itops.messages import Summary


class ItopsError(Exception):
    """Base of every error itops raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in a config file, printed as ``FILE: key.path: reason``."""

    file: str
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.reason}"


class ConfigError(ItopsError):
    """The config file is unreadable or invalid; carries every problem found."""

    exit_code = 2

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class StorageError(ItopsError):
    """The database is unreachable, or its schema is not at the expected revision."""

    exit_code = 3


class ProbeError(ItopsError):
    """A probe could not tell the state of its target (UNKNOWN, never downtime).

    ``message`` (a ``itops.messages.Summary``) says why in the reader's language; without
    one the English text is shown as it is.
    """

    def __init__(self, text: str, message: Summary | None = None) -> None:
        super().__init__(text)
        self.message = message

    @classmethod
    def of(cls, message: Summary) -> ProbeError:
        """A probe error saying ``message`` (English in the log, the reader's language on
        pages)."""
        return cls(str(message), message)

    def summary(self) -> Summary:
        from itops.messages import raw

        return self.message if self.message is not None else raw(str(self))


class ValidationError(ItopsError):
    """Bad input to a command or an API; nothing was written.

    ``message`` (a ``itops.messages.Summary``) says what was wrong in the reader's
    language: a page renders it in its own, the CLI and the log read the English text.
    """

    exit_code = 2

    def __init__(self, text: str = "", message: Summary | None = None) -> None:
        super().__init__(text)
        self.message = message

    @classmethod
    def of(cls, message: Summary) -> ValidationError:
        """A refusal saying ``message`` (English in the CLI, the page's language on pages)."""
        return cls(str(message), message)

    def summary(self) -> Summary:
        from itops.messages import raw

        return self.message if self.message is not None else raw(str(self))


class PermissionDenied(ItopsError):
    """The acting user does not hold a role the action needs (or may not do it here).

    ``message`` as for ``ValidationError``: the page's language on a page, English in the CLI.
    """

    exit_code = 4

    def __init__(self, text: str = "", message: Summary | None = None) -> None:
        super().__init__(text)
        self.message = message

    @classmethod
    def of(cls, message: Summary) -> PermissionDenied:
        """A refusal saying ``message`` (English in the CLI, the page's language on pages)."""
        return cls(str(message), message)

    def summary(self) -> Summary:
        from itops.messages import raw

        return self.message if self.message is not None else raw(str(self))
