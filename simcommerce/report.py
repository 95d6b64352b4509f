"""Self-contained HTML report of a ``simcommerce run`` folder (plotly.js inlined once; opens offline)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from . import plots
from .results import atomic_write_bytes


CORE = {"exposure", "decision", "checkout", "experience", "reviews", "trust"}  # shown by the figures above


def render(scenario: dict, market: pd.DataFrame, brands: pd.DataFrame) -> str:
    """The report as one HTML string."""
    from .mechanisms.base import REGISTRY
    from .plan import ordered

    figures = [
        plots.kpi_timeseries(market, scenario.get("currency", "currency units")),
        plots.funnel(brands, int(scenario["population"]["consumers"])),
        plots.rating_distribution(brands),
        plots.trust_over_time(brands, scenario["events"]),
    ]
    enabled = [n for n, p in scenario["mechanisms"].items() if p["enabled"] and n not in CORE]
    for name in [c.name for c in ordered(enabled)]:
        fig = plots.mechanism_panels(brands, f"{name}: {REGISTRY[name].help}", REGISTRY[name].metrics,
                                     scenario.get("currency", "currency units"))
        if fig is not None:
            figures.append(fig)
    parts = []
    for k, fig in enumerate(figures):
        parts.append(fig.to_html(full_html=False, include_plotlyjs=(k == 0), config=plots.PLOTLY_CONFIG))
    last = market[market["day"] == market["day"].max()]
    summary = last[[c for c in ("cum_orders", "cum_gmv", "n_aware", "n_customers", "cum_shares",
                                "cum_referral_orders", "mean_rating", "mean_trust", "profit") if c in last]]
    if len(summary) == 1:  # one run: its values (a spread over one run would be NaN)
        stats = summary.set_axis(["value"])
    else:
        stats = summary.describe().loc[["mean", "std", "min", "max"]]
    table = stats.to_html(float_format=lambda x: f"{x:,.2f}")
    title = html.escape(scenario["name"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>simcommerce — {title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222}}
table{{border-collapse:collapse}}td,th{{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}}</style>
</head><body>
<h1>{title}</h1><p>{html.escape(scenario.get("description", ""))}</p>
<p>{int(scenario["population"]["consumers"]):,} consumers, {scenario["steps"]} days,
{market["run"].nunique()} run(s) (seeds {", ".join(str(s) for s in sorted(market["seed"].unique()))}).</p>
<h2>End of run</h2>{table}
<p>{html.escape(plots.spread_note(market["run"].nunique()).capitalize())}.</p>
{"".join(f'<div class="figure">{p}</div>' for p in parts)}
</body></html>"""


def write_report(out: Path, results: dict) -> Path:
    """Write ``out/report.html`` for a loaded run store (:func:`simcommerce.store.load_results`)."""
    tables = []
    for df in (results["market"], results["brands"]):
        metrics = [c for c in df.columns if c not in ("run_id", "policy", "replication", "seed", "point", "day",
                                                       "brand")]
        tables.append(df.rename(columns={"replication": "run"}).astype({c: float for c in metrics}))
    path = Path(out) / "report.html"
    atomic_write_bytes(path, render(results["manifest"]["scenario"], *tables).encode("utf-8"))
    return path
