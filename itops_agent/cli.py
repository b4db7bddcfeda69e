"""``itops-agent``: collect this computer and send (or print) the report; argparse only."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from itops_agent import __version__
from itops_agent.collect import collect
from itops_agent.send import AgentError, read_token, send


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="itops-agent", description=__doc__)
    p.add_argument("--server", help="itops URL, e.g. https://itops.urzad.local")
    p.add_argument("--token-file", type=Path, help="file holding this host's token")
    p.add_argument(
        "--service",
        action="append",
        default=[],
        metavar="NAME",
        help="a service whose state to report (systemd unit or Windows service); repeatable",
    )
    p.add_argument("--no-software", action="store_true", help="leave out installed software")
    p.add_argument(
        "--print", dest="print_only", action="store_true", help="print the report; send nothing"
    )
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--root", type=Path, default=Path("/"), help=argparse.SUPPRESS)
    p.add_argument("--version", action="version", version=f"itops-agent {__version__}")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    report = collect(args.root, services=args.service, with_software=not args.no_software)
    body = json.dumps(report, ensure_ascii=False).encode()
    if args.print_only:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not args.server or args.token_file is None:
        sys.stderr.write("itops-agent: --server and --token-file are required\n")
        return 2
    try:
        answer = send(args.server, read_token(args.token_file), body, args.timeout)
    except AgentError as exc:
        sys.stderr.write(f"itops-agent: {exc}\n")
        return 1
    sys.stdout.write(f"{report['hostname']}: reported (asset #{answer.get('asset_id')})\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
