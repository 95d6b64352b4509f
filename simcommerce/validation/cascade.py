"""Independent cascade (Kempe, Kleinberg & Tardos 2003) as a reduction of the market model.

Settings of ``experiments/validation/cascade.yaml``: seeds get a free sample on day 1; a new
buyer tells each friend once with probability p; a friend who hears buys. The model's mean
final spread is compared with (a) the exact expectation by enumerating every live-edge
subgraph of small graphs, (b) a textbook Monte Carlo of the cascade written independently
here, and the seeding strategies are compared on the expected spread.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from ..network import holme_kim
from ..seeding import STRATEGIES, choose_seeds, expected_spread
from .common import Outcome, Row, market_frame, validation_scenario

TITLE = "Independent cascade and seeding"

SMALL_GRAPHS = {
    "path of 6": ([(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)], [0], 0.5),
    "star of 7 (seed a leaf)": ([(0, i) for i in range(1, 7)], [1], 0.4),
    "cycle of 8": ([(i, (i + 1) % 8) for i in range(8)], [0], 0.6),
    "random, 8 nodes, 12 edges": ([(0, 1), (0, 2), (1, 2), (1, 3), (2, 4), (3, 4), (3, 5), (4, 6), (5, 6),
                                   (5, 7), (6, 7), (0, 7)], [0, 5], 0.3),
}


def exact_spread(edges: list[tuple[int, int]], seeds: list[int], p: float) -> float:
    """Expected number of active nodes, by enumerating all 2^|E| live-edge subgraphs."""
    n = 1 + max(max(e) for e in edges)
    total = 0.0
    def find(parent: list[int], x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for live in itertools.product((False, True), repeat=len(edges)):
        parent = list(range(n))  # union-find over the live edges
        for (u, v), on in zip(edges, live):
            if on:
                parent[find(parent, u)] = find(parent, v)
        roots = {find(parent, s) for s in seeds}
        size = sum(1 for x in range(n) if find(parent, x) in roots)
        k = sum(live)
        total += p ** k * (1 - p) ** (len(edges) - k) * size
    return total


def textbook_cascade(adj: list[list[int]], seeds, p: float, rng: np.random.Generator) -> int:
    """One run of the independent cascade: each newly active node tries each inactive neighbour once."""
    active = set(int(s) for s in seeds)
    frontier = list(active)
    while frontier:
        new = []
        for u in frontier:
            for v in adj[u]:
                if v not in active and rng.random() < p:
                    active.add(v)
                    new.append(v)
        frontier = new
    return len(active)


def write_edgelist(edges, folder: Path, name: str) -> Path:
    path = folder / f"{name}.csv"
    path.write_text("source,target\n" + "".join(f"{u},{v}\n" for u, v in edges))
    return path


def model_spreads(edgelist: Path, seeds, p: float, runs: int, steps: int) -> np.ndarray:
    sc = validation_scenario("cascade", **{
        "network.friendship": {"model": "edgelist", "path": str(edgelist)}, "population.consumers": None,
        "steps": steps, "brands.Seeder.policy.seeding.consumers": [int(s) for s in seeds],
        "mechanisms.word_of_mouth.per_friend_prob": p})
    return np.array([market_frame(sc, seed)["n_customers"].iloc[-1] for seed in range(runs)])


def run(quick: bool = False) -> Outcome:
    out = Outcome(TITLE)
    runs = 400 if quick else 4000  # quick: ± 4 SE is ~0.1-0.2 consumers on the small graphs
    fig = go.Figure()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, (edges, seeds, p) in SMALL_GRAPHS.items():
            exact = exact_spread(edges, seeds, p)
            spreads = model_spreads(write_edgelist(edges, folder, "g"), seeds, p, runs, 15)
            se = spreads.std(ddof=1) / np.sqrt(runs)
            ok = abs(spreads.mean() - exact) <= 4 * se + 1e-9
            out.rows.append(Row(f"{name}, p={p}: model vs exact enumeration ({len(edges)} edges)",
                                f"{exact:.4f} (± 4 SE = {4 * se:.4f})", f"{spreads.mean():.4f}", bool(ok)))
        # a few hundred nodes: the model against an independent textbook Monte Carlo
        rng = np.random.default_rng(2003)
        g = holme_kim(300, 2, 0.5, rng)
        src = np.repeat(np.arange(g.n), g.degree)
        edges = [(int(u), int(v)) for u, v in zip(src, g.indices) if u < v]
        adj = [g.neighbors(i).tolist() for i in range(g.n)]
        seeds = [0, 10, 50, 100, 200]
        own = validation_scenario("cascade")["mechanisms"]["word_of_mouth"]["per_friend_prob"]
        for p in sorted({own, 0.05, 0.2}):
            spreads = model_spreads(write_edgelist(edges, folder, "ba300"), seeds, p, runs // 4, 60)
            ref = np.array([textbook_cascade(adj, seeds, p, rng) for _ in range(runs)])
            se = np.sqrt(spreads.var(ddof=1) / len(spreads) + ref.var(ddof=1) / len(ref))
            ok = abs(spreads.mean() - ref.mean()) <= 4 * se
            out.rows.append(Row(f"300-node scale-free graph, 5 seeds, p={p}: model vs textbook Monte Carlo",
                                f"{ref.mean():.2f} (± 4 SE = {4 * se:.2f})", f"{spreads.mean():.2f}", bool(ok)))
            fig.add_trace(go.Histogram(x=spreads, name=f"model, p={p}", opacity=0.6, histnorm="probability"))
            fig.add_trace(go.Histogram(x=ref, name=f"textbook IC, p={p}", opacity=0.6, histnorm="probability"))
    out.rows += seeding_rows(quick)
    fig.update_layout(title="Final cascade size on a 300-node graph: model vs textbook independent cascade",
                      xaxis_title="consumers reached", barmode="overlay")
    out.figure = fig
    return out


def seeding_rows(quick: bool) -> list[Row]:
    """Greedy reaches at least as far as random, highest-degree and degree-discount seeding."""
    rows = []
    n = 1000 if quick else 3000
    samples = 300 if quick else 1000
    graph = holme_kim(n, 2, 0.5, np.random.default_rng(11))
    for p in (0.01, 0.1):
        for k in ((10,) if quick else (5, 10, 20)):
            spread = {s: expected_spread(graph, choose_seeds(graph, k, s, np.random.default_rng(5), p, samples), p,
                                         samples, np.random.default_rng(99)) for s in STRATEGIES}
            best_other = max(v for s, v in spread.items() if s != "greedy")
            rows.append(Row(f"seeding k={k}, p={p} on a {n}-node Holme–Kim graph: greedy ≥ others",
                            f"greedy ≥ {best_other:.1f} − 2%",
                            ", ".join(f"{s} {v:.1f}" for s, v in spread.items()),
                            bool(spread["greedy"] >= 0.98 * best_other)))
    return rows
