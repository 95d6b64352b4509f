"""Stylized facts of real viral marketing (Leskovec, Adamic & Huberman 2007).

Calibrated scenario: ``experiments/validation/viral.yaml`` (10% buyer discount and 10%
sender credit, success = purchase within a week). A cascade is the tree of referral
purchases below a buyer who was not referred.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..market import Market
from .common import Outcome, Row, validation_scenario

TITLE = "Viral marketing stylized facts (Leskovec et al. 2007)"


def cascade_sizes(events, buyers: np.ndarray) -> np.ndarray:
    """Purchases per cascade (root included) for every non-referred buyer."""
    parent = dict(zip(events["buyer"].tolist(), events["referrer"].tolist()))

    def root(x: int) -> int:
        for _ in range(10000):  # referral chains are finite; the bound guards against a cycle
            if x not in parent:
                return x
            x = parent[x]
        return x

    per_root = Counter(root(b) for b in events["buyer"].tolist())
    roots = np.setdiff1d(buyers, events["buyer"].to_numpy())
    return np.array([1 + per_root.get(int(r), 0) for r in roots])


def run(quick: bool = False) -> Outcome:
    out = Outcome(TITLE)
    sc = validation_scenario("viral", **({"population.consumers": 10000} if quick else {}))
    reps = 3 if quick else 8
    orders = sharers = reach = referral_orders = 0.0
    sizes = []
    kmax = 8
    hits, seen = np.zeros(kmax + 1), np.zeros(kmax + 1)
    for seed in range(1, reps + 1):
        m = Market(sc, seed=seed)
        m.run()
        last = m.recorder.frames()[0].iloc[-1]
        orders += last["cum_orders"]
        sharers += last["cum_shares"]
        reach += last["cum_share_reach"]
        referral_orders += last["cum_referral_orders"]
        events = next(x for x in m.mechanisms if x.name == "referral").referral_events()
        buyers = np.flatnonzero(m.population.orders_by_brand[:, 0] > 0)
        sizes.append(cascade_sizes(events, buyers))
        recs = np.minimum(m.population.recs_received[:, 0], kmax)
        via = np.zeros(m.population.n, dtype=bool)
        via[events["buyer"].to_numpy()] = True
        hits += np.bincount(recs, weights=via, minlength=kmax + 1)
        seen += np.bincount(recs, minlength=kmax + 1)
    sizes = np.concatenate(sizes)
    success = referral_orders / max(reach, 1)
    forward = sharers / max(orders, 1)
    single = float((sizes == 1).mean())
    p_k = hits / np.maximum(seen, 1)
    out.rows += [
        Row("most cascades end at the first purchase", "share of cascades of size 1 > 0.5", f"{single:.3f}",
            single > 0.5),
        Row("cascade sizes heavy-tailed", "largest cascade ≥ 20 × mean size",
            f"largest {sizes.max()}, mean {sizes.mean():.2f}", bool(sizes.max() >= 20 * sizes.mean()),
            known_deviation=True),
        Row("purchases per recommendation", "0.5%–1.5% (books 1.45%, DVDs 0.93%, music 0.74%, video 0.49%)",
            f"{success:.2%}", bool(0.005 <= success <= 0.015)),
        Row("purchase probability rises with recommendations received", "P(k=2) > P(k=1) and P(k=3) > P(k=1)",
            ", ".join(f"k={k}: {p_k[k]:.3f}" for k in range(1, 5)), bool(p_k[2] > p_k[1] and p_k[3] > p_k[1])),
        Row("… and saturates", "P(k=4) − P(k=3) < P(k=2) − P(k=1)",
            f"{p_k[4] - p_k[3]:+.3f} vs {p_k[2] - p_k[1]:+.3f}", bool(p_k[4] - p_k[3] < p_k[2] - p_k[1]),
            known_deviation=True),
        Row("about a third of buyers forward", "0.25–0.42", f"{forward:.3f}", bool(0.25 <= forward <= 0.42)),
    ]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Cascade sizes (CCDF)",
                                                        "P(referral purchase | recommendations received)"))
    values = np.arange(1, sizes.max() + 1)
    ccdf = [(sizes >= v).mean() for v in values]
    fig.add_trace(go.Scatter(x=values, y=ccdf, mode="lines+markers", name="cascade size CCDF"), row=1, col=1)
    fig.update_xaxes(type="log", title_text="size (purchases)", row=1, col=1)
    fig.update_yaxes(type="log", row=1, col=1)
    ks = np.arange(1, kmax)
    fig.add_trace(go.Scatter(x=ks, y=p_k[1:kmax], mode="lines+markers", name="P(purchase | k)"), row=1, col=2)
    fig.update_xaxes(title_text="recommendations received", row=1, col=2)
    fig.update_layout(title=f"Viral marketing: {reps} runs of {sc['population']['consumers']} consumers")
    out.figure = fig
    return out
