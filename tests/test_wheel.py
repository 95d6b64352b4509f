"""The package as a newcomer gets it: a wheel built from this checkout, installed into a fresh virtual
environment outside the repository, runs a shipped scenario by name, passes ``validate --quick`` and lists
the dashboard's scenarios, with nothing read from the source tree.

The fresh environment takes simcommerce's dependencies from this test's environment (a path file, so
nothing is downloaded), but not simcommerce itself: that comes from the wheel alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin folder of a fresh venv with the wheel installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # a copy of what the wheel is built from, so that the build leaves nothing in the checkout
    shutil.copytree(ROOT / "simcommerce", src / "simcommerce", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(tmp / "dist")], check=True, capture_output=True, text=True)
    wheel = next((tmp / "dist").glob("simcommerce-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "simcommerce/data/scenarios/baseline.yaml" in names and "simcommerce/data/validation/viral.yaml" in names
    assert not any(n.startswith(("tests/", "scenarios/", "experiments/")) for n in names)
    venv = tmp / "venv"
    subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)],
                   check=True)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"], check=True, capture_output=True,
                               text=True).stdout.strip())
    deps = sysconfig.get_paths()["purelib"]  # this environment's packages, without their .pth files
    (site / "deps.pth").write_text(deps + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps",
                    "--no-index", "--quiet", str(wheel)], check=True, capture_output=True, text=True)
    return venv / "bin"


def run(bin_dir: Path, cwd: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.slow
def test_the_wheel_runs_a_shipped_scenario_by_name_outside_the_repository(installed, tmp_path):
    where = run(installed, tmp_path, "python", "-c", "import simcommerce; print(simcommerce.__file__)")
    assert where.returncode == 0 and not where.stdout.strip().startswith(str(ROOT)), where.stdout
    proc = run(installed, tmp_path, "simcommerce", "run", "baseline", "--out", "results/baseline")
    assert proc.returncode == 0, proc.stderr
    assert "baseline: 1 run(s)" in proc.stdout
    assert {p.name for p in (tmp_path / "results" / "baseline").iterdir()} >= {"market", "runs", "report.html"}
    listed = run(installed, tmp_path, "simcommerce", "scenarios")
    assert listed.returncode == 0 and listed.stdout.count("\n") >= 13
    copied = run(installed, tmp_path, "simcommerce", "scenarios", "copy", "livestream", "mine.yaml")
    assert copied.returncode == 0 and (tmp_path / "mine.yaml").read_text().startswith("#")
    dash = run(installed, tmp_path, "python", "-c", "from simcommerce.dashboard.scenarios import bundled; "
               "print(' '.join(o['label'] for o in bundled()))")
    assert dash.returncode == 0 and "baseline" in dash.stdout.split() and "livestream" in dash.stdout.split()


@pytest.mark.slow
def test_validate_quick_passes_from_the_wheel_and_writes_an_offline_report(installed, tmp_path):
    proc = run(installed, tmp_path, "simcommerce", "validate", "--quick", "--out", "v")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "all checks pass" in proc.stdout
    assert proc.stdout.count(" pass") >= 30  # every check printed its row
    report = (tmp_path / "v" / "report.html").read_text()
    assert report.count("class=\"plotly-graph-div\"") == 6 and "<script src=\"http" not in report  # one figure per check module (simcommerce.validation.checks)
