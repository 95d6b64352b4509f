"""The student tutorial (experiments/tutorial.py) runs top to bottom."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


def test_tutorial_script_runs(tmp_path):
    proc = subprocess.run([PYTHON, str(ROOT / "experiments" / "tutorial.py"), "--consumers", "800",
                           "--days", "30", "--replications", "3", "--out", str(tmp_path)],
                          check=False, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Paired difference referral_10 − no_referral" in proc.stdout
    assert "profit" in proc.stdout and "paired 95% CI [" in proc.stdout
    assert proc.stdout.rstrip().endswith("Tutorial done.")
    assert (tmp_path / "report.html").exists() and (tmp_path / "summary.csv").exists()


def test_tutorial_doc_points_at_the_script():
    text = (ROOT / "docs" / "tutorial.md").read_text()
    assert "experiments/tutorial.py" in text
    for exercise in ("commission rate that maximises brand profit", "targeting precision pay for its cost",
                     "quality scandal change the value of a referral programme"):
        assert exercise in text
