"""Two pictures the comparison report lacks: consumers on the network, and a referral cascade tree.

The network view needs each consumer's state at the end of a run, which the results store does
not keep (it holds aggregates), so :func:`network_snapshot` runs one small extra market of the
policy and only reads its arrays afterwards. The cascade tree is drawn from the store's referral
events table (``referrer -> buyer`` edges).
"""

from __future__ import annotations

import copy

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..scenario import resolve_scenario

STATES = [("unaware", "#d0d0d0"), ("aware", "#9ecae1"), ("considered", "#4292c6"), ("bought", "#fd8d3c"),
          ("bought again", "#d94801"), ("promoter", "#31a354")]
SNAPSHOT_MAX_CONSUMERS = 2000
SNAPSHOT_SAMPLE = 150


def message_figure(title: str, text: str) -> go.Figure:
    """An empty figure that says something (nothing to draw, or not drawn yet)."""
    fig = go.Figure()
    fig.add_annotation(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(title=title, xaxis_visible=False, yaxis_visible=False)
    return fig


def consumer_states(pop) -> np.ndarray:
    """Each consumer's furthest state (index into :data:`STATES`) over all products and brands."""
    state = np.zeros(pop.n, dtype=np.int8)
    state[pop.aware.any(axis=1)] = 1
    if hasattr(pop, "considered"):
        state[pop.considered.any(axis=1)] = 2
    state[pop.bought.any(axis=1)] = 3
    state[pop.orders_by_brand.sum(axis=1) >= 2] = 4
    if hasattr(pop, "promoter"):
        state[pop.promoter.any(axis=1)] = 5
    return state


def snowball(indptr: np.ndarray, indices: np.ndarray, start: int, size: int) -> list[int]:
    """Up to ``size`` consumers reached breadth-first from ``start`` (a connected sample of the network)."""
    seen, order, queue = {start}, [start], [start]
    while queue and len(order) < size:
        nxt = []
        for u in queue:
            for v in indices[indptr[u]:indptr[u + 1]].tolist():
                if v not in seen and len(order) < size:
                    seen.add(v)
                    order.append(v)
                    nxt.append(v)
        queue = nxt
    return order


def network_snapshot(scenario: dict, overrides: dict, seed: int, policy: str) -> go.Figure:
    """A sample of consumers on the friendship network, coloured by their state at the end.

    Runs the policy once more at (at most) :data:`SNAPSHOT_MAX_CONSUMERS` consumers with the root
    seed of replication 0; the model is only read afterwards. At a market size within that limit
    the run is replication 0 of the experiment itself (same scenario, same seed).
    """
    from ..market import Market

    base = {k: v for k, v in copy.deepcopy(scenario).items() if k != "source"}
    sc = resolve_scenario(base, overrides=overrides)
    n = sc["population"]["consumers"]
    title = f"Consumers of '{policy}' on the friendship network at the end"
    if n > SNAPSHOT_MAX_CONSUMERS:
        if sc["network"]["friendship"]["model"] == "edgelist":
            return message_figure(title, f"an imported network of {n:,} consumers is too large to draw here")
        sc = resolve_scenario(base, overrides={**overrides, "population.consumers": SNAPSHOT_MAX_CONSUMERS})
    market = Market(sc, seed=seed)
    market.run()
    graph = market.friends
    if not hasattr(graph, "indptr"):
        return message_figure(title, "a well-mixed market (complete graph) has no network to draw")
    states = consumer_states(market.population)
    connected = np.flatnonzero(graph.degree > 0)
    start = int(np.random.default_rng(seed).choice(connected)) if len(connected) else 0
    nodes = snowball(graph.indptr, graph.indices, start, SNAPSHOT_SAMPLE)
    g = nx.Graph()
    g.add_nodes_from(nodes)
    keep = set(nodes)
    for u in nodes:
        g.add_edges_from((u, v) for v in graph.indices[graph.indptr[u]:graph.indptr[u + 1]].tolist() if v in keep)
    pos = nx.spring_layout(g, seed=1)
    ex, ey = [], []
    for u, v in g.edges():
        ex += [pos[u][0], pos[v][0], None]
        ey += [pos[u][1], pos[v][1], None]
    fig = go.Figure(go.Scatter(x=ex, y=ey, mode="lines", line={"width": 0.5, "color": "#bbbbbb"},
                               hoverinfo="skip", name="friendship", showlegend=False))
    for k, (label, color) in enumerate(STATES):
        ids = [u for u in nodes if states[u] == k]
        if ids:
            fig.add_trace(go.Scatter(x=[pos[u][0] for u in ids], y=[pos[u][1] for u in ids], mode="markers",
                                     name=f"{label} ({len(ids)})", marker={"color": color, "size": 9,
                                                                          "line": {"width": 0.5, "color": "#555"}},
                                     text=[f"consumer {u}: {label}, {graph.degree[u]} friends" for u in ids],
                                     hoverinfo="text"))
    size = sc["population"]["consumers"]
    note = "replication 0 itself" if size == n else f"a {size:,}-consumer copy of the market"
    fig.update_layout(title=f"{title}<br><sup>{len(nodes)} consumers around a random one; {note}, seed {seed}</sup>",
                      xaxis_visible=False, yaxis_visible=False, legend_title_text="state at the end")
    return fig


def largest_cascade(events: pd.DataFrame) -> tuple[nx.DiGraph, object] | None:
    """The largest referral tree in an events table of one run: (tree, root), or None without referrals."""
    if events is None or events.empty:
        return None
    best = None
    for _, e in events.groupby("product", sort=False) if "product" in events.columns else [(None, events)]:
        g = nx.DiGraph()
        for row in e.sort_values("day").itertuples():
            if row.buyer not in g:  # a buyer joins the tree through the first referral that reached them
                g.add_edge(row.referrer, row.buyer, day=int(row.day))
        for root in (u for u in g if g.in_degree(u) == 0):
            tree = nx.bfs_tree(g, root)
            if best is None or tree.number_of_nodes() > best[0].number_of_nodes():
                for u, v in tree.edges():
                    tree.edges[u, v]["day"] = g.edges[u, v]["day"]
                best = (tree, root)
    return best


def _tidy_positions(tree: nx.DiGraph, root) -> dict:
    """x: leaves in depth-first order, a parent centred over its children; y: minus the depth."""
    depth = nx.shortest_path_length(tree, root)
    pos, x = {}, 0.0
    for u in nx.dfs_postorder_nodes(tree, root):  # children before their parent
        kids = list(tree.successors(u))
        if kids:
            pos[u] = (float(np.mean([pos[v][0] for v in kids])), -depth[u])
        else:
            pos[u], x = (x, -depth[u]), x + 1
    return pos


def cascade_tree(events: pd.DataFrame, policy: str, run_id: str) -> go.Figure:
    """The largest referral cascade of one run as a tree: who bought through whose link, coloured by day."""
    title = f"Largest referral cascade of '{policy}'"
    found = largest_cascade(events)
    if found is None:
        return message_figure(title, "no referral orders in this run (no referral commission, or none took)")
    tree, root = found
    pos = _tidy_positions(tree, root)
    ex, ey = [], []
    for u, v in tree.edges():
        ex += [pos[u][0], pos[v][0], None]
        ey += [pos[u][1], pos[v][1], None]
    nodes = list(tree.nodes())
    day = {v: tree.edges[u, v]["day"] for u, v in tree.edges()}
    day[root] = min(day.values()) if day else 0
    fig = go.Figure(go.Scatter(x=ex, y=ey, mode="lines", line={"width": 1, "color": "#999"}, hoverinfo="skip",
                               showlegend=False))
    fig.add_trace(go.Scatter(x=[pos[u][0] for u in nodes], y=[pos[u][1] for u in nodes], mode="markers",
                             showlegend=False, marker={"size": 9, "color": [day[u] for u in nodes],
                                                       "colorscale": "Viridis", "showscale": True,
                                                       "colorbar": {"title": "day"}},
                             text=[("root promoter" if u == root else f"bought on day {day[u]}") + f" (consumer {u})"
                                   for u in nodes], hoverinfo="text"))
    depth = -min(p[1] for p in pos.values())
    fig.update_layout(title=f"{title}<br><sup>run {run_id}: {len(nodes)} consumers, {int(depth)} level(s) deep; "
                            "who bought through whose referral link</sup>",
                      xaxis_visible=False, yaxis_title="referral level (0: root)",
                      yaxis={"tickmode": "array", "tickvals": list(range(0, -int(depth) - 1, -1)),
                             "ticktext": [str(k) for k in range(int(depth) + 1)]})  # whole levels, 0 at the top
    return fig
