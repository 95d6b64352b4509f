"""The published pattern table on the shipped defaults (no special settings): the baseline market with a 10%
referral programme, and the shipped live-stream scenario.

Referral purchases per recommendation and buyers who forward (Leskovec, Adamic & Huberman 2007), heavy-tailed
cascade sizes at scale (same source), J-shaped ratings (Hu, Pavlou & Zhang 2009), live-stream conversion and
returns (REFERENCES.md), brand marketing spend per revenue (Gartner CMO Spend Survey 2023-24). The scandal row
of the table (Cleeren, Dekimpe & Helsen 2008) is checked in "Reviews and trust".
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..calibration import STATISTICS
from ..market import Market
from ..scenario import BUNDLED, load_scenario
from .common import Outcome, Row
from .viral import cascade_sizes

TITLE = "The published patterns on the shipped defaults"
REFERRAL = {"brands.Glow.policy.referral.rates": [0.1]}  # the baseline brand with a 10% referral programme
CASCADE_DAYS = 365


def loglog_fit(values: np.ndarray, ccdf: np.ndarray) -> tuple[float, float]:
    """Slope and R² of the least-squares line through (log size, log P(size >= s)): a power-law tail is
    straight."""
    x, y = np.log(values), np.log(ccdf)
    if len(x) < 3:
        return float("nan"), 0.0
    slope, icpt = np.polyfit(x, y, 1)
    return float(slope), float(1 - ((y - (icpt + slope * x)) ** 2).sum() / ((y - y.mean()) ** 2).sum())


def run(quick: bool = False) -> Outcome:
    out = Outcome(TITLE)
    seeds = range(1, 3 if quick else 5)
    n = 3000 if quick else 20000
    sc = load_scenario(BUNDLED / "baseline.yaml", overrides={**REFERRAL, "population.consumers": n,
                                                              "brands.Glow.policy.ads.impressions_per_day": 16000 * n // 20000})
    stats = {k: [] for k in ("referral_success_per_recommendation", "forwards_per_order", "marketing_share_of_gmv")}
    stars = np.zeros(5)
    for s in seeds:
        m = Market(sc, seed=s)
        m.run()
        last = m.recorder.frames()[0].iloc[-1]
        for k in stats:
            stats[k].append(STATISTICS[k][1](last))
        stars += m.rating_counts.sum(axis=0)
    success, forward, spend = (float(np.mean(stats[k])) for k in stats)
    share = stars / stars.sum()
    out.rows += [
        Row("referral purchases per recommendation (baseline, 10% referral)", "0.5%–1.5% (Leskovec et al. 2007)",
            f"{success:.2%}", bool(0.005 <= success <= 0.015)),
        Row("buyers who forward (shares per order)", "0.25–0.40 (Leskovec et al. 2007)", f"{forward:.3f}",
            bool(0.25 <= forward <= 0.40)),
        Row("ratings J-shaped (baseline)", "5★ the mode; 1★ above 2★ and 3★ (Hu et al. 2009)",
            " ".join(f"{k + 1}★ {v:.1%}" for k, v in enumerate(share)),
            bool(share.argmax() == 4 and share[0] > share[1] and share[0] > share[2])),
        Row("brand marketing spend / revenue (baseline)", "5%–15% (Gartner CMO Spend Survey 2023–24)", f"{spend:.1%}",
            bool(0.05 <= spend <= 0.15)),
    ]
    live = load_scenario(BUNDLED / "livestream.yaml", overrides={"population.consumers": n} if quick else {})
    conv = ret = 0.0
    for s in seeds:
        m = Market(live, seed=s)
        m.run()
        last = m.recorder.frames()[0].iloc[-1]
        conv += STATISTICS["live_conversion_rate"][1](last) / len(seeds)
        ret += STATISTICS["live_return_share"][1](last) / len(seeds)
    out.rows += [
        Row("live-stream conversion (livestream.yaml)", "20%–40% of viewers who stay buy (REFERENCES.md)",
            f"{conv:.1%}", bool(0.20 <= conv <= 0.40)),
        Row("live-stream returns (livestream.yaml)", "30%–50% of live orders (REFERENCES.md)", f"{ret:.1%}",
            bool(0.30 <= ret <= 0.50)),
    ]
    # cascades at scale: one run of the baseline with referral at 10^6 consumers (20,000 with --quick) over a
    # year of the programme (Leskovec et al. observed two; the largest cascade grows with the window)
    big = 20_000 if quick else 1_000_000
    sc = load_scenario(BUNDLED / "baseline.yaml", overrides={**REFERRAL, "population.consumers": big,
                                                              "steps": CASCADE_DAYS,
                                                              "brands.Glow.policy.ads.impressions_per_day": 16000 * big // 20000})
    m = Market(sc, seed=1)
    m.run()
    events = next(x for x in m.mechanisms if x.name == "referral").referral_events()
    sizes = cascade_sizes(events, np.flatnonzero(m.population.orders_by_brand[:, 0] > 0))
    values = np.arange(1, sizes.max() + 1)
    ccdf = np.array([(sizes >= v).mean() for v in values])
    single = float((sizes == 1).mean())
    slope, r2 = loglog_fit(values, ccdf)
    out.rows.append(Row(f"cascade sizes heavy-tailed at {big:,} consumers over {CASCADE_DAYS} days",
                        "mostly size 1; largest ≥ 30; CCDF straight on log–log, R² ≥ 0.9 (Leskovec et al. 2007)",
                        f"size 1: {single:.1%}; largest {sizes.max()}, mean {sizes.mean():.2f}; log–log CCDF slope "
                        f"{slope:.1f}, R² {r2:.2f}", bool(single > 0.5 and sizes.max() >= 30 and r2 >= 0.9),
                        known_deviation=quick))  # --quick's 20,000 consumers have no hubs big enough
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Ratings (baseline)", f"Cascade sizes, {big:,} consumers (CCDF)"))
    fig.add_trace(go.Bar(x=[f"{k}★" for k in range(1, 6)], y=share, name="share of reviews"), row=1, col=1)
    fig.add_trace(go.Scatter(x=values, y=ccdf, mode="lines+markers", name="P(size ≥ s)"), row=1, col=2)
    fig.update_xaxes(type="log", title_text="cascade size (purchases)", row=1, col=2)
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_layout(title="The pattern table on the shipped defaults")
    out.figure = fig
    return out
