"""Network bounds (Fibich & Gibori 2010): with the same p and q, the Bass model on a 1-D ring
lattice diffuses slowest and the well-mixed (complete) population fastest; small-world and
scale-free graphs lie between."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .bass import DAYS_PER_PERIOD, scenario
from .common import Outcome, Row, replicate

TITLE = "Network bounds of Bass diffusion"
GRAPHS = {
    "ring lattice (1-D, 2 neighbours)": {"model": "watts_strogatz", "mean_degree": 2, "rewire_prob": 0.0},
    "small world (Watts–Strogatz, 10% rewired)": {"model": "watts_strogatz", "mean_degree": 10,
                                                  "rewire_prob": 0.1},
    "scale-free (Barabási–Albert)": {"model": "barabasi_albert", "mean_degree": 10},
    "well-mixed (complete)": {"model": "complete"},
}


def run(quick: bool = False) -> Outcome:
    out = Outcome(TITLE)
    p, q = 0.03, 0.38
    n, reps = (3000, 3) if quick else (20000, 5)
    k = DAYS_PER_PERIOD
    curves = {}
    for label, graph in GRAPHS.items():
        sc = scenario(p, q, n, 15)
        sc["network"]["friendship"].update(graph)
        curves[label] = replicate(sc, range(1, reps + 1)).mean(axis=0) / n
    lattice, *between, complete = curves.values()
    names = list(curves)
    slack = 0.01  # sampling noise of a mean curve
    for label, c in zip(names[1:-1], between):
        above = np.all(c >= lattice - slack)
        below = np.all(c <= complete + slack)
        out.rows.append(Row(f"{label} between lattice and well-mixed", "F_lattice ≤ F ≤ F_complete at all t",
                            f"min gap to lattice {np.min(c - lattice):+.3f}, to complete {np.min(complete - c):+.3f}",
                            bool(above and below)))
    t50 = {lab: (np.argmax(c >= 0.5) + 1) / k if c[-1] >= 0.5 else np.inf for lab, c in curves.items()}
    out.rows.append(Row("time to 50% adoption: lattice slowest, well-mixed fastest",
                        "t50(lattice) > t50(others) > t50(complete)",
                        ", ".join(f"{lab.split(' (')[0]} {v:.2f}" for lab, v in t50.items()),
                        bool(t50[names[0]] > max(t50[x] for x in names[1:-1])
                             and min(t50[x] for x in names[1:-1]) >= t50[names[-1]])))
    fig = go.Figure()
    days = np.arange(1, len(lattice) + 1) / k
    for label, c in curves.items():
        fig.add_trace(go.Scatter(x=days, y=c, name=label))
    fig.update_layout(title=f"Bass diffusion on networks (p={p}, q={q}, N={n}, mean of {reps} runs)",
                      xaxis_title="t (periods)", yaxis_title="adopted share")
    out.figure = fig
    return out
