"""Every shipped scenario runs (shrunk to 1,500 consumers), balances its money, and its report
shows the mechanisms it switches on."""

from __future__ import annotations

import pytest
import yaml

from conftest import SCENARIOS
from simcommerce.cli import main
from simcommerce.mechanisms.base import REGISTRY
from simcommerce.report import CORE
from simcommerce.store import load_results

FILES = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario_runs_and_report_shows_its_mechanisms(path, tmp_path):
    data = yaml.safe_load(path.read_text())
    data["population"]["consumers"] = 1500
    small = tmp_path / path.name
    small.write_text(yaml.safe_dump(data))
    assert main(["run", str(small), "--out", str(tmp_path / "out"), "--replications", "2"]) == 0
    tables = load_results(tmp_path / "out")
    assert tables["manifest"]["status"] == "complete"
    market = tables["market"]
    assert market["money_imbalance"].max() < 1e-6 * max(1.0, market["cum_gmv"].max())
    assert market["cum_orders"].max() > 0
    report = (tmp_path / "out" / "report.html").read_text()
    # mechanisms this scenario configures (beyond the core) that did something get a panel
    used = set(data.get("mechanisms", {})) | {k for b in data["brands"] for k in b.get("policy", {})}
    brands = tables["brands"]
    for name in used - CORE:
        flows = [("cum_" + m[4:]) if m.startswith("new_") else m for m in REGISTRY[name].metrics]
        if any(c in brands and brands[c].abs().max() > 0 for c in flows):
            assert f"{name}: " in report, name
