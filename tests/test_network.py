"""Friendship graph generators, CSR storage and queries, edge-list import, and the follow graph."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from simcommerce import Market, resolve_scenario
from simcommerce.network import (
    CompleteGraph,
    CSRGraph,
    build_friendship,
    from_edgelist,
    holme_kim,
    planted_communities,
    read_edgelist_ids,
    watts_strogatz,
)
from simcommerce.spec import ScenarioError

DATA = Path(__file__).resolve().parent / "data"
N = 4000


def cfg(model: str, **kw) -> dict:
    """A ``network.friendship`` section as the scenario resolves it."""
    consumers = None if model == "edgelist" else 100  # an edge list supplies its own node count
    return resolve_scenario({"network": {"friendship": {"model": model, **kw}},
                             "population": {"consumers": consumers},
                             "brands": [{"name": "B", "products": [{"name": "p", "price": 1, "quality": 0.5}]}]}
                            )["network"]["friendship"]


def rng(seed: int = 1) -> np.random.Generator:
    return np.random.default_rng(seed)


def assert_simple_symmetric_csr(g: CSRGraph) -> None:
    """CSR invariants: shapes, no self-loops, no duplicate edges, every edge stored both ways."""
    n = g.n
    assert g.indptr.shape == (n + 1,) and g.indptr[0] == 0 and g.indptr[-1] == len(g.indices)
    assert np.all(np.diff(g.indptr) >= 0)
    assert np.array_equal(g.degree, np.diff(g.indptr))
    assert g.indices.min() >= 0 and g.indices.max() < n
    src = np.repeat(np.arange(n, dtype=np.int64), g.degree)
    dst = g.indices.astype(np.int64)
    assert not np.any(src == dst), "self-loop"
    fwd = src * n + dst
    assert len(np.unique(fwd)) == len(fwd), "duplicate edge"
    assert np.array_equal(np.sort(fwd), np.sort(dst * n + src)), "not symmetric"
    assert g.n_edges * 2 == len(g.indices)


def average_path_length(g: CSRGraph, sources: int = 40, seed: int = 0) -> float:
    """Mean BFS distance from a sample of sources (within their component)."""
    G = g.to_networkx()
    total = count = 0
    for s in np.random.default_rng(seed).choice(g.n, sources, replace=False):
        d = nx.single_source_shortest_path_length(G, int(s))
        total += sum(d.values())
        count += len(d) - 1
    return total / count


# ------------------------------------------------------------------ generators


@pytest.fixture(scope="module")
def graphs() -> dict[str, CSRGraph]:
    return {
        "barabasi_albert": build_friendship(cfg("barabasi_albert", mean_degree=8), N, rng(1)),
        "holme_kim": build_friendship(cfg("holme_kim", mean_degree=8, triangle_prob=0.8), N, rng(1)),
        "watts_strogatz": build_friendship(cfg("watts_strogatz", mean_degree=8, rewire_prob=0.1), N, rng(1)),
        "planted_communities": build_friendship(cfg("planted_communities", mean_degree=8, communities=20,
                                                    mixing=0.1), N, rng(1)),
    }


@pytest.mark.parametrize("model", ["barabasi_albert", "holme_kim", "watts_strogatz", "planted_communities"])
def test_generator_structure_and_mean_degree(graphs, model):
    g = graphs[model]
    assert isinstance(g, CSRGraph) and g.n == N
    assert_simple_symmetric_csr(g)
    # requested mean degree 8: within 3% (duplicates and self-loops dropped cost a little)
    assert g.degree.mean() == pytest.approx(8, rel=0.03), g.degree.mean()
    assert g.indptr.dtype == np.int64 and np.issubdtype(g.indices.dtype, np.integer)


@pytest.mark.parametrize("mean_degree", [4, 12])
@pytest.mark.parametrize("model", ["barabasi_albert", "holme_kim", "watts_strogatz", "planted_communities"])
def test_mean_degree_follows_the_request(model, mean_degree):
    # tolerance 5%: planted_communities drops duplicate links inside its (here 200-node) communities
    # without redrawing them, so it falls ~3% short at mean degree 12
    g = build_friendship(cfg(model, mean_degree=mean_degree), N, rng(5))
    assert g.degree.mean() == pytest.approx(mean_degree, rel=0.05)


def test_generators_are_deterministic_given_the_seed():
    a = holme_kim(2000, 3, 0.5, rng(9))
    b = holme_kim(2000, 3, 0.5, rng(9))
    c = holme_kim(2000, 3, 0.5, rng(10))
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert not (np.array_equal(a.indptr, c.indptr) and np.array_equal(a.indices, c.indices))


def _ccdf_slope(degree: np.ndarray, k_min: int) -> float:
    """Least-squares slope of log P(K >= k) against log k over the tail k >= k_min (>= 20 nodes left)."""
    ks = np.unique(degree[degree >= k_min])
    ccdf = np.array([(degree >= k).mean() for k in ks])
    keep = ccdf * len(degree) >= 20
    return float(np.polyfit(np.log(ks[keep]), np.log(ccdf[keep]), 1)[0])


@pytest.mark.parametrize("model", ["barabasi_albert", "holme_kim"])
def test_scale_free_degrees_are_heavy_tailed(graphs, model):
    deg = graphs[model].degree
    assert deg.max() > 8 * deg.mean(), (deg.max(), deg.mean())
    assert deg.min() >= 3  # every newcomer makes m = 4 links (a few may collapse)
    # a power law: the CCDF falls like k^-(gamma-1) with gamma ~ 3, i.e. a slope around -2
    slope = _ccdf_slope(deg, k_min=8)
    assert -3.0 < slope < -1.2, slope
    # ... unlike the thin tails of the lattice-based and block models
    for thin in ("watts_strogatz", "planted_communities"):
        assert graphs[thin].degree.max() < 4 * graphs[thin].degree.mean()


@pytest.mark.slow
def test_holme_kim_clusters_far_more_than_barabasi_albert(graphs):
    c_ba = nx.average_clustering(graphs["barabasi_albert"].to_networkx())
    c_hk = nx.average_clustering(graphs["holme_kim"].to_networkx())
    assert c_hk >= 3 * c_ba, (c_hk, c_ba)
    assert c_hk > 0.2
    # triangle_prob 0 is plain preferential attachment
    assert nx.average_clustering(holme_kim(N, 4, 0.0, rng(1)).to_networkx()) < 0.05


def test_watts_strogatz_small_world():
    n, k = 2000, 4  # 8 neighbours
    lattice, some, random = (watts_strogatz(n, k, p, rng(3)) for p in (0.0, 0.1, 1.0))
    c = [nx.average_clustering(g.to_networkx()) for g in (lattice, some, random)]
    lengths = [average_path_length(g) for g in (lattice, some, random)]
    # the ring lattice: every node has exactly 2k neighbours and C = 3(K-2)/(4(K-1)), K = 2k
    assert np.all(lattice.degree == 2 * k)
    assert c[0] == pytest.approx(3 * (2 * k - 2) / (4 * (2 * k - 1)), abs=1e-9)
    assert c[0] > c[1] > c[2] and c[2] < 0.05
    assert lengths[0] > lengths[1] > lengths[2]
    assert lengths[0] > 50 and lengths[1] < 0.2 * lengths[0]  # a few shortcuts collapse distances
    assert c[1] > 0.5 * c[0]  # ... while most clustering survives: a small world


@pytest.mark.parametrize("mixing", [0.05, 0.3])
def test_planted_communities_mixing(mixing):
    communities = 10
    g = planted_communities(N, 10, communities, mixing, rng(4))
    assert_simple_symmetric_csr(g)
    sizes = np.bincount(g.community, minlength=communities)
    assert len(sizes) == communities and sizes.min() >= N // communities - 1 and sizes.max() <= N // communities + 1
    src = np.repeat(np.arange(N), g.degree)
    within = (g.community[src] == g.community[g.indices]).mean()
    # share of links inside communities ~ 1 - mixing (random ends land inside with prob 1/communities)
    assert within == pytest.approx(1 - mixing + mixing / communities, abs=0.02), within
    assert within == pytest.approx(1 - mixing, abs=0.04)


def planted_communities_rebuilding(n, mean_degree, communities, mixing, rng):
    """The generator as it was before 2026-12-03: the CSR graph rebuilt every round to count its links."""
    communities = max(1, min(communities, n))
    label = rng.permutation(np.arange(n) % communities).astype(np.int32)
    order = np.argsort(label, kind="stable")
    size = np.bincount(label, minlength=communities)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    target = int(round(n * mean_degree / 2))
    us, vs = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    for _ in range(5):
        graph = CSRGraph.from_edges(n, us, vs, community=label)
        missing = target - graph.n_edges
        if missing <= 0:
            break
        u = rng.integers(0, n, missing)
        inside = rng.random(missing) >= mixing
        v = rng.integers(0, n, missing)
        c = label[u[inside]]
        v[inside] = order[start[c] + (rng.random(int(inside.sum())) * size[c]).astype(np.int64)]
        us, vs = np.concatenate([us, u]), np.concatenate([vs, v])
    return CSRGraph.from_edges(n, us, vs, community=label)


@pytest.mark.parametrize("n, degree, communities, mixing", [(3000, 10, 20, 0.1), (500, 40, 50, 0.5), (200, 8, 1, 0.0),
                                                            (50, 30, 5, 0.9), (1, 4, 3, 0.1)])
def test_planted_communities_counts_links_without_rebuilding_and_gives_the_same_graph(n, degree, communities, mixing):
    """It counts the distinct links of each round from sorted keys instead of rebuilding the CSR graph
    (one sort of the new links per round); the rounds, and so the draws and the graph, are the same."""
    for seed in range(4):
        a = planted_communities(n, degree, communities, mixing, rng(seed))
        b = planted_communities_rebuilding(n, degree, communities, mixing, rng(seed))
        assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
        assert np.array_equal(a.community, b.community)


def test_community_labels_only_from_planted_generator(graphs):
    assert graphs["holme_kim"].community.max() == 0
    assert len(np.unique(graphs["planted_communities"].community)) == 20


# ------------------------------------------------------------------ queries on a CSR graph


@pytest.fixture(scope="module")
def small() -> CSRGraph:
    """A Holme-Kim graph plus three isolated nodes (ids 500-502)."""
    g = holme_kim(500, 3, 0.5, rng(2))
    src = np.repeat(np.arange(500), g.degree)
    return CSRGraph.from_edges(503, src, g.indices)


def test_from_edges_drops_self_loops_and_duplicates():
    g = CSRGraph.from_edges(5, np.array([0, 1, 1, 2, 3, 0]), np.array([1, 0, 1, 3, 2, 4]))
    assert_simple_symmetric_csr(g)
    assert g.n_edges == 3
    assert sorted(g.neighbors(0).tolist()) == [1, 4]
    assert g.neighbors(1).tolist() == [0]
    assert g.degree.tolist() == [2, 1, 1, 1, 1]


def test_count_marked_neighbors_matches_brute_force(small):
    r = rng(7)
    marked = r.random(small.n) < 0.3
    ids = np.concatenate([r.integers(0, small.n, 300), [500, 501, 0, 0]])  # isolated nodes and repeats
    got = small.count_marked_neighbors(ids, marked)
    adj = [set(small.neighbors(i).tolist()) for i in range(small.n)]
    want = [sum(marked[j] for j in adj[i]) for i in ids]
    assert got.tolist() == want
    assert small.count_marked_neighbors(np.array([], dtype=np.int64), marked).tolist() == []


def test_sample_neighbors_returns_only_real_neighbours(small):
    ids = np.arange(small.n)
    senders, receivers = small.sample_neighbors(ids, 3, rng(8))
    assert len(senders) == len(receivers) > 0
    edges = {(i, int(j)) for i in range(small.n) for j in small.neighbors(i)}
    pairs = list(zip(senders.tolist(), receivers.tolist()))
    assert all(p in edges for p in pairs)
    assert len(set(pairs)) == len(pairs)  # duplicates removed
    assert not set(senders.tolist()) & {500, 501, 502}  # isolated nodes send nothing
    assert all(1 <= sum(s == i for s in senders.tolist()) <= 3 for i in range(0, 500, 50))


def test_sample_neighbors_is_uniform():
    star = CSRGraph.from_edges(5, np.zeros(4, dtype=np.int64), np.arange(1, 5))
    r = rng(3)
    picks = [int(star.sample_neighbors(np.array([0]), 1, r)[1][0]) for _ in range(2000)]
    freq = np.bincount(picks, minlength=5)[1:] / len(picks)
    assert np.all(np.abs(freq - 0.25) < 0.04), freq


def test_transmit_reaches_only_neighbours(small):
    tellers = np.array([0, 1, 2, 3, 500])
    union = set().union(*(small.neighbors(i).tolist() for i in tellers))
    assert set(small.transmit(tellers, 1.0, rng(1)).tolist()) == union
    assert small.transmit(tellers, 0.0, rng(1)).size == 0
    half = set(small.transmit(tellers, 0.5, rng(1)).tolist())
    assert half < union and len(half) > 0


def test_to_networkx_round_trip(small):
    G = small.to_networkx()
    assert G.number_of_nodes() == small.n and G.number_of_edges() == small.n_edges
    assert all(G.degree(i) == small.degree[i] for i in range(0, small.n, 7))


# ------------------------------------------------------------------ the complete (well-mixed) graph


def test_complete_graph_model():
    g = build_friendship(cfg("complete"), 50, rng(1))
    assert isinstance(g, CompleteGraph)
    assert g.n_edges == 50 * 49 // 2 and np.all(g.degree == 49)
    assert g.neighbors(7).tolist() == [i for i in range(50) if i != 7]
    ref = CSRGraph.from_edges(50, *np.array(list(nx.complete_graph(50).edges())).T)
    assert np.array_equal(ref.degree, g.degree) and ref.n_edges == g.n_edges
    marked = rng(2).random(50) < 0.4
    ids = np.array([0, 3, 3, 49, 10])
    assert g.count_marked_neighbors(ids, marked).tolist() == ref.count_marked_neighbors(ids, marked).tolist()
    assert g.count_marked_neighbors(ids, marked).tolist() == [marked.sum() - marked[i] for i in ids]


def test_complete_graph_sample_neighbors():
    g = CompleteGraph(6)
    r, seen = rng(4), set()
    for _ in range(500):  # each entry of ids draws on its own: one call per round of distinct senders
        senders, receivers = g.sample_neighbors(np.arange(6), 2, r)
        assert np.all(senders != receivers), "sampled itself"
        assert receivers.min() >= 0 and receivers.max() < 6
        pairs = senders * 6 + receivers
        assert len(np.unique(pairs)) == len(pairs) == 12
        seen |= set(pairs.tolist())
    # every other node is reachable from every sender (uniform over the n-1 others, incl. the last id)
    assert seen == {s * 6 + r for s in range(6) for r in range(6) if r != s}
    r = rng(5)
    picks = np.array([g.sample_neighbors(np.array([2]), 1, r)[1][0] for _ in range(3000)])
    freq = np.bincount(picks, minlength=6) / len(picks)
    assert freq[2] == 0 and np.all(np.abs(freq[[0, 1, 3, 4, 5]] - 0.2) < 0.03), freq


def test_complete_graph_transmit_rate_to_non_tellers():
    g, p, tellers = CompleteGraph(200), 0.02, np.arange(10)
    heard = np.zeros(200)
    for s in range(400):
        heard[g.transmit(tellers, p, rng(s))] += 1
    rate = heard[10:].mean() / 400
    assert rate == pytest.approx(1 - (1 - p) ** 10, abs=0.01)


def test_complete_graph_transmit_matches_definition():
    g = CompleteGraph(30)
    ref = CSRGraph.from_edges(30, *np.array(list(nx.complete_graph(30).edges())).T)
    lone = np.array([4])
    assert set(g.transmit(lone, 1.0, rng(1)).tolist()) == set(ref.transmit(lone, 1.0, rng(1)).tolist())
    assert not any(4 in g.transmit(lone, 0.5, rng(s)) for s in range(50))


# ------------------------------------------------------------------ edge-list import


@pytest.mark.parametrize("name", ["edges.csv", "edges.tsv"])
def test_edgelist_import_renumbers_ids(name):
    u, v, ids = read_edgelist_ids(DATA / name)
    assert ids.tolist() == [7, 42, 100, 205, 1000]  # sorted original ids; header and comments skipped
    g = from_edgelist(DATA / name)
    assert_simple_symmetric_csr(g)
    assert g.n == 5
    original = {frozenset((int(ids[a]), int(ids[b]))) for a, b in
                zip(np.repeat(np.arange(g.n), g.degree), g.indices)}
    assert original == {frozenset(e) for e in [(100, 205), (205, 7), (7, 100), (7, 42), (42, 1000)]}
    assert g.n_edges == 5  # the reversed duplicate and the self-loop are dropped


def test_edgelist_csv_and_tsv_agree():
    a, b = from_edgelist(DATA / "edges.csv"), from_edgelist(DATA / "edges.tsv")
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)


def test_edgelist_whitespace_and_extra_columns(tmp_path):
    f = tmp_path / "e.txt"
    f.write_text("3 9\n9 4\n\n4 3\n")
    assert from_edgelist(f).n_edges == 3
    f2 = tmp_path / "w.csv"  # a weight column would be dropped silently: refused, with the line
    f2.write_text("a,b,weight\n3,9,0.5\n9,4,2\n")
    with pytest.raises(ScenarioError, match="3 columns on line 2"):
        from_edgelist(f2)


@pytest.mark.parametrize("content, found", [
    ("1\n2\n", "'1' on line 1"),
    ("a,b\n1,2\n3,x\n", "line 3"),
    ("# only comments\n\n", "empty"),
    ("1,\n", "line 1"),
])
def test_edgelist_errors_are_scenario_errors(tmp_path, content, found):
    f = tmp_path / "bad.csv"
    f.write_text(content)
    with pytest.raises(ScenarioError) as err:
        read_edgelist_ids(f)
    assert err.value.file == str(f)
    assert err.value.path == "network.friendship.path"
    assert found in err.value.found


def test_edgelist_model_in_a_scenario_builds_that_graph():
    c = cfg("edgelist", path=str(DATA / "edges.csv"))
    g = build_friendship(c, 5, rng(1))
    assert g.n == 5 and g.n_edges == 5


# ------------------------------------------------------------------ follow graph


@pytest.fixture(scope="module")
def market() -> Market:
    sc = resolve_scenario({
        "steps": 2,
        "population": {"consumers": 3000},
        "network": {"friendship": {"model": "complete"}},
        "influencers": {"counts": {"nano": 120, "micro": 40, "macro": 12, "mega": 4},
                        "named": [{"name": "Ann", "tier": "mega"}]},
        "brands": [{"name": "Glow", "products": [{"name": "s", "category": "beauty", "price": 10, "quality": 0.5},
                                                 {"name": "t", "category": "tech", "price": 10, "quality": 0.5}]}],
    })
    return Market(sc, seed=11)


def test_follow_graph_is_csr(market):
    f, n = market.follows, market.population.n
    assert len(f.indptr) == len(market.influencers) + 1 and f.indptr[0] == 0
    assert np.all(np.diff(f.indptr) >= 0) and f.indptr[-1] == len(f.indices)
    assert f.indices.min() >= 0 and f.indices.max() < n
    for inf in market.influencers:
        followers = inf.followers
        assert len(np.unique(followers)) == len(followers)  # nobody follows twice
    assert market.influencers[-1].name == "Ann" and market.influencers[-1].tier == "mega"


def test_follower_counts_by_tier(market):
    counts = np.diff(market.follows.indptr)
    tiers = np.array([inf.tier for inf in market.influencers])
    mean = {t: counts[tiers == t].mean() for t in ("nano", "micro", "macro", "mega")}
    assert mean["mega"] > mean["macro"] > mean["micro"] > mean["nano"] > 0, mean
    assert mean["mega"] > 5 * mean["micro"]
    # skewed within a tier: the biggest of 120 nano / 40 micro influencers well above the typical one (the
    # Pareto is truncated at the next tier's cut-off, √5 ≈ 2.2 × the tier's reach share: at most ~3.7 × its scale)
    for t in ("nano", "micro"):
        c = counts[tiers == t]
        assert c.max() > 2 * np.median(c), (t, c.max(), np.median(c))
    # and the tiers never overlap
    for lo, hi in zip(("nano", "micro", "macro"), ("micro", "macro", "mega")):
        assert counts[tiers == lo].max() < counts[tiers == hi].min(), (lo, hi)
    # and overall: a few influencers hold a large share of all follows
    top = np.sort(counts)[::-1]
    assert top[:8].sum() > 0.3 * top.sum()


def test_followers_lean_towards_the_influencers_category(market):
    """interest_bias > 0: followers are more interested in the influencer's category than consumers at large."""
    interest = market.population.interest
    lifts = []
    for inf in market.influencers:
        if len(inf.followers) >= 50:
            lifts.append(interest[inf.followers, inf.category].mean() / interest[:, inf.category].mean())
    assert len(lifts) >= 10
    assert np.median(lifts) > 1.1, np.median(lifts)


def test_plain_edge_lists_parse_fast_to_the_same_ids_and_others_fall_back():
    """The C-speed parser of plain files (two ids and one delimiter a line) gives the line parser's array,
    and declines every other layout, which the line parser then reads or rejects with its message."""
    from simcommerce.network import _parse_edges, _plain_edges

    r = np.random.default_rng(4)
    edges = r.integers(0, 10**12, (5000, 2))
    body = "\n".join(f"{a},{b}" for a, b in edges)
    plain = {",": "src,dst\n" + body + "\n", "\t": "# c\nfrom\tto\n" + body.replace(",", "\t"),
             None: "\n" + body.replace(",", " ") + "\n\n"}
    for delim, text in plain.items():
        fast = _plain_edges(text, delim)
        assert fast is not None and fast.dtype == np.int64
        assert np.array_equal(fast, _parse_edges(text, delim, Path("f"), "k"))
        assert np.array_equal(fast, edges)
    pieces = ["source,target", "# comment", "", "  ", "1,2", "3,4", "007,8", "-1,2", "1,2,3", "1,", ",2", "x,1",
              "1,x", "99999999999999999999,1", f"{2**62},1", f"{2**62 - 1},1", " 1,2", "1 ,2", '"1",2', "1\x0b2,3",
              "1\t2", "1 2", "a b", "a,b,c"]
    taken = 0
    for _ in range(1500):
        rows = list(r.choice(pieces, r.integers(1, 6))) + ["12,34"] * int(r.integers(0, 4))
        text = "\n".join(rows) + str(r.choice(["", "\n", "\n\n"]))
        fast = _plain_edges(text, ",")
        if fast is None:
            continue
        taken += 1
        assert np.array_equal(fast, _parse_edges(text, ",", Path("f"), "k")), repr(text)  # and it did not raise
    assert taken > 20
    for odd in ("1,2\n-3,4\n", "1,2\n3,4,5\n6\n", "1,2\r\n3,4\n", f"1,2\n{2**62},3\n", "1,2\n\n3,4\n", "1,2\n3,\n"):
        assert _plain_edges(odd, ",") is None


@pytest.mark.parametrize("model", ["holme_kim", "barabasi_albert", "watts_strogatz", "planted_communities"])
def test_a_graph_drawn_again_is_the_same_and_leaves_the_stream_where_drawing_would(model, monkeypatch):
    import simcommerce.network as network

    section = cfg(model)
    monkeypatch.setattr(network, "_graphs", {})
    fresh = [np.random.default_rng(5) for _ in range(3)]
    first = build_friendship(section, 300, fresh[0])
    again = build_friendship(section, 300, fresh[1])  # the same stream state: kept
    assert again is first
    with pytest.raises(ValueError):
        first.indices[0] = 1  # shared between markets: read-only
    monkeypatch.setattr(network, "_graphs", {})
    drawn = build_friendship(section, 300, fresh[2])  # drawn anew
    assert drawn is not first
    np.testing.assert_array_equal(drawn.indptr, first.indptr)
    np.testing.assert_array_equal(drawn.indices, first.indices)
    np.testing.assert_array_equal(drawn.community, first.community)
    after = [g.random(4).tolist() for g in fresh]
    assert after[0] == after[1] == after[2]  # the stream continues from the same place, cached or not
    other = build_friendship(section, 300, np.random.default_rng(6))
    assert not np.array_equal(other.indices, first.indices)
    denser = build_friendship({**section, "mean_degree": section["mean_degree"] + 4}, 300, np.random.default_rng(5))
    assert denser is not first and len(denser.indices) > len(first.indices)  # another section: another graph
    assert build_friendship(section, 301, np.random.default_rng(5)).n == 301  # another size: another graph
