"""The package as a newcomer gets it: a wheel built from this checkout, installed into a fresh virtual
environment outside the repository, runs a shipped scenario by name, has what ``validate`` needs (its
command, check modules and scenarios; the ``--quick`` rows are asserted in-process by
tests/test_validation_quick_*.py) and lists the dashboard's scenarios, with nothing read from the source tree.

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
    assert "simcommerce/data/scenarios/baseline.yaml" in names
    assert {f"simcommerce/data/validation/{n}.yaml" for n in ("bass", "cascade", "scandal", "viral")} <= set(names)
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
def test_the_wheel_carries_what_validate_needs(installed, tmp_path):
    """`validate` from the wheel: its command, its six check modules and its four scenarios come from the
    installed package, and a check's market runs from them. (The checks' rows, with the `--quick` settings, are
    asserted in-process by tests/test_validation_quick_*.py; the command around them by tests/test_validation.py.)"""
    helped = run(installed, tmp_path, "simcommerce", "validate", "--help")
    assert helped.returncode == 0 and "--quick" in helped.stdout, helped.stderr
    code = ("from simcommerce.validation import checks, cascade; from simcommerce.validation.common import SCENARIOS, "
            "validation_scenario; import pathlib, tempfile\n"
            "print(SCENARIOS)\n"
            "print(' '.join(m.__name__.rsplit('.', 1)[1] for m in checks()))\n"
            "print(' '.join(validation_scenario(n)['name'] for n in ('bass', 'cascade', 'scandal', 'viral')))\n"
            "edges, seeds, p = cascade.SMALL_GRAPHS['path of 6']\n"
            "with tempfile.TemporaryDirectory() as d:\n"
            "    s = cascade.model_spreads(cascade.write_edgelist(edges, pathlib.Path(d), 'g'), seeds, p, 40, 15)\n"
            "print(s.min(), s.max(), s.mean(), cascade.exact_spread(edges, seeds, p))\n")
    proc = run(installed, tmp_path, "python", "-c", code)
    assert proc.returncode == 0, proc.stderr[-3000:]
    folder, modules, scenarios, spread = proc.stdout.strip().splitlines()
    assert not folder.startswith(str(ROOT)) and folder.endswith("simcommerce/data/validation"), folder
    assert modules.split() == ["bass", "network_bounds", "cascade", "viral", "reviews_trust", "patterns"]
    assert scenarios.split() == ["bass", "cascade", "scandal", "viral"]
    lo, hi, mean, exact = map(float, spread.split())
    # 40 runs on a path of 6 from one end at p = 0.5: sizes 1..6, mean near the exact 1.97 (sd ~1.1, ± 4 SE ~0.7)
    assert 1 <= lo < hi <= 6 and abs(mean - exact) < 0.7, spread
