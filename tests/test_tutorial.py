"""The student tutorial (experiments/tutorial.py) runs top to bottom."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


@pytest.mark.slow
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


def paired_block(text: str) -> str:
    """The 'Paired difference ...' block of the tutorial's output: its title and four metric lines."""
    lines = text.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("Paired difference referral_10"))
    return "\n".join(lines[i:i + 5])


@pytest.mark.slow
def test_the_notebook_is_the_script_runs_and_prints_the_numbers_of_the_page(tmp_path):
    """experiments/tutorial.ipynb is experiments/tutorial.py (jupytext), runs in a real kernel (nbclient), and its
    output is the one docs/tutorial.md shows, numbers included."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    script = jupytext.read(ROOT / "experiments" / "tutorial.py")
    notebook = nbformat.read(ROOT / "experiments" / "tutorial.ipynb", as_version=4)
    assert [(c.cell_type, c.source) for c in notebook.cells] == [(c.cell_type, c.source) for c in script.cells], \
        "regenerate: jupytext --to ipynb experiments/tutorial.py -o experiments/tutorial.ipynb"
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    out = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert out.rstrip().endswith("Tutorial done.")
    page = (ROOT / "docs" / "tutorial.md").read_text()
    assert paired_block(out) in page, "docs/tutorial.md shows other numbers than the tutorial prints:\n" \
        + paired_block(out)
    assert (tmp_path / "results" / "tutorial" / "report.html").exists()
    # the prose quotes the same figures
    shares, orders = (re.search(rf"{m}\s+\+([\d.]+)\s+paired 95% CI \[([-\d.,]+), ([-\d.,]+)\]", out).groups()
                      for m in ("cum_shares", "cum_orders"))
    assert f"(interval {shares[1]} to {shares[2]})" in page and f"(+{orders[0]}, interval {orders[1]} to" in page
