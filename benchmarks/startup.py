"""Start-up time of the command line: wall and CPU seconds of ``simcommerce --help`` and ``simcommerce check
FILE`` (median of ``--repeat`` fresh interpreters), and the heavy libraries each imports (none, by design).

    .venv/bin/python benchmarks/startup.py [--repeat 7] [--scenario scenarios/baseline.yaml] [--checkout DIR]

``--checkout`` times another source tree (say, ``git archive`` of an older commit) for a before/after.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # or --checkout
HEAVY = ("pandas", "pyarrow", "plotly", "scipy", "mesa", "dask", "networkx", "matplotlib", "dash", "tqdm")


def timed(args: list[str]) -> tuple[float, float]:
    """(wall s, CPU s) of one ``python -m simcommerce.cli ARGS`` in a fresh interpreter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "simcommerce.cli", *args], check=True, capture_output=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def heavy_imports(args: list[str]) -> list[str]:
    """Top-level heavy packages imported by ``main(ARGS)`` (from ``python -X importtime``)."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-m", "simcommerce.cli", *args], capture_output=True,
                         text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}).stderr
    names = {line.rsplit("|", 1)[-1].strip() for line in err.splitlines() if line.startswith("import time:")}
    return sorted(n for n in names if n in HEAVY)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--scenario", default="scenarios/baseline.yaml")
    ap.add_argument("--checkout", type=Path, default=None, help="the source tree to time (default: this one)")
    a = ap.parse_args()
    global ROOT
    ROOT = (a.checkout or ROOT).resolve()
    print("| command | wall s (median) | CPU s (median) | heavy libraries imported |\n|---|---:|---:|---|")
    for args in (["--help"], ["check", a.scenario]):
        runs = [timed(args) for _ in range(a.repeat)]
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        print(f"| `simcommerce {' '.join(args)}` | {wall:.2f} | {cpu:.2f} | {', '.join(heavy_imports(args)) or 'none'} |")


if __name__ == "__main__":
    main()
