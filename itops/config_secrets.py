"""Secret files the config names: missing, unreadable, empty or too short is a load error."""

from __future__ import annotations

from pathlib import Path


def secret_file_problems(
    files: list[tuple[tuple[int | str, ...], Path]],
) -> list[tuple[tuple[int | str, ...], str]]:
    """A secret file that is missing, unreadable or empty is a config error at load.

    Why here and not at first use: ``itops run`` would otherwise create the database and
    then die with a traceback (session key, /metrics token), or run for days unable to
    send a single alert (SMTP password, webhook token).
    """
    problems: list[tuple[tuple[int | str, ...], str]] = []
    for loc, path in files:
        if _pseudo_file(path):
            # /proc/self/environ reads as a regular file full of text, and so is "a key"
            problems.append((loc, f"{path} is a kernel file (/proc, /sys, /dev), not a secret"))
            continue
        if path.exists() and not path.is_dir() and not path.is_file():
            # a FIFO or device would block or never end: refuse before opening it
            problems.append((loc, f"{path} is not a regular file"))
            continue
        try:
            with open(path, "rb") as fh:
                content = fh.read(65536)
        except FileNotFoundError:
            problems.append((loc, f"{path}: file not found"))
            continue
        except IsADirectoryError:
            problems.append((loc, f"{path} is a directory, not a file"))
            continue
        except PermissionError:
            problems.append((loc, f"{path}: not readable by this user (chmod 0400, owner itops)"))
            continue
        except OSError as exc:
            problems.append((loc, f"{path}: {exc.strerror or exc}"))
            continue
        if not content.strip():
            problems.append((loc, f"{path} is empty"))
            continue
        least = _MIN_SECRET_BYTES.get(loc)
        if least is not None and len(content.strip()) < least:
            problems.append(
                (
                    loc,
                    f"{path} holds {_bytes(len(content.strip()))}; this key needs at "
                    f"least {least} (e.g. head -c 48 /dev/urandom | base64 > {path})",
                )
            )
    return problems


# A session key shorter than this is guessable; other secrets are what their service says.
_MIN_SECRET_BYTES: dict[tuple[int | str, ...], int] = {("web", "secret_key_file"): 32}


def _bytes(count: int) -> str:
    return "1 byte" if count == 1 else f"{count} bytes"


def _pseudo_file(path: Path) -> bool:
    """Whether ``path`` (after symlinks) lies on /proc, /sys or /dev."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return False
    return len(resolved.parts) > 1 and resolved.parts[1] in ("proc", "sys", "dev")
