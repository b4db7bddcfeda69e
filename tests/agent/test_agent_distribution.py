"""The itops-agent distribution: built from agent/, it needs psutil and nothing else.

The wheel is built for real (pip, with build isolation), installed with ``--no-deps`` into a
fresh venv beside psutil only, and run there: it must import and report without
pydantic, SQLAlchemy or WeasyPrint, and its report must validate on the server side.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from inventory.payload import AgentReport

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(out),
            str(REPO / "agent"),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    (found,) = out.glob("itops_agent-*.whl")
    return found


def test_the_agent_wheel_ships_only_the_agent_and_requires_only_psutil(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(meta_name).decode())
        entry = zf.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    packages = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert packages == {"itops_agent"}
    assert meta["Name"] == "itops-agent"
    assert [r.split(";")[0].replace(" ", "") for r in meta.get_all("Requires-Dist")] == [
        "psutil>=5.9"
    ]
    assert "itops-agent = itops_agent.cli:main" in entry


def test_the_agent_runs_in_a_venv_with_psutil_only(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin/python"
    psutil_dir = Path(__import__("psutil").__file__).parent.parent
    subprocess.run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--find-links",
            str(wheel.parent),
            "itops-agent",
        ],
        check=True,
        timeout=300,
    )
    # psutil from this environment's own copy: no network, no other package with it.
    pth = next((venv / "lib").glob("python3*/site-packages"))
    (pth / "psutil-only.pth").write_text(str(tmp_path / "psutil") + "\n")
    (tmp_path / "psutil").mkdir()
    (tmp_path / "psutil/psutil").symlink_to(psutil_dir / "psutil")
    absent = subprocess.run(
        [
            str(py),
            "-c",
            "import importlib.util as u; print([m for m in ('pydantic', 'sqlalchemy',"
            " 'weasyprint', 'itops', 'inventory') if u.find_spec(m)])",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert absent.stdout.strip() == "[]"
    done = subprocess.run(
        [str(venv / "bin/itops-agent"), "--print", "--no-software"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    report = AgentReport.model_validate(json.loads(done.stdout))
    assert report.memory is not None and report.memory.total_bytes > 0
    assert report.uptime_seconds is not None
