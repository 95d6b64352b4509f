"""Peak memory (max RSS) of building and running 3 days of a market, to calibrate
``scenario.estimated_memory``: prints measured vs estimated bytes for a few scenarios and sizes.

    .venv/bin/python scripts/memory_per_consumer.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, resource, sys
from simcommerce import Market, load_scenario
from simcommerce.scenario import estimated_memory
sc = load_scenario(sys.argv[1], overrides={"population.consumers": int(sys.argv[2]), "steps": 3, "events": []})
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
m = Market(sc, seed=1)
m.run()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"measured": peak - base, "estimated": estimated_memory(sc)}))
"""


def main() -> None:
    for name in ("scenarios/baseline.yaml", "scenarios/competition.yaml", "benchmarks/all_mechanisms.yaml",
                 "scenarios/distribution.yaml"):
        for n in (200_000, 800_000):
            out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT / name), str(n)], capture_output=True,
                                 text=True, check=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"{name:34s} {n:>9,}  measured {r['measured'] / n:6.0f} B/consumer  "
                  f"estimated {r['estimated'] / n:6.0f}  ratio {r['estimated'] / max(r['measured'], 1):.2f}")


if __name__ == "__main__":
    main()
