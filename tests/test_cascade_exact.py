"""Exact sampling of word of mouth: the independent cascade gives each (sharer, friend) pair one
independent chance, and a share to k random friends reaches min(k, degree) distinct friends,
uniformly among such sets. Checked on the graphs' sampling methods and on the market."""

from __future__ import annotations

import itertools
from math import comb

import networkx as nx
import numpy as np
import pytest

from simcommerce.network import CompleteGraph, CSRGraph
from simcommerce.validation.common import market_frame, validation_scenario


def chi2_bound(df: int) -> float:
    """A chi-square statistic with ``df`` degrees of freedom stays below this (mean + 5 SD)."""
    return df + 5 * np.sqrt(2 * df)


def chi2(observed: np.ndarray, expected: np.ndarray) -> float:
    return float(((observed - expected) ** 2 / expected).sum())


def binomial_pmf(m: int, p: float) -> np.ndarray:
    return np.array([comb(m, c) * p ** c * (1 - p) ** (m - c) for c in range(m + 1)])


def per_sender(senders: np.ndarray, receivers: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Receivers per entry of (distinct) ``ids``, after checking there is no self-loop and no repeated pair."""
    assert np.all(senders != receivers), "a sender reached itself"
    pairs = np.sort(senders * (receivers.max(initial=0) + 1) + receivers)
    assert np.all(np.diff(pairs) > 0), "a sender reached the same friend twice"
    assert set(senders.tolist()) <= set(ids.tolist())
    order = np.argsort(ids)
    return np.bincount(np.searchsorted(ids[order], senders), minlength=len(ids))[np.argsort(order)]


def complete_csr(n: int) -> CSRGraph:
    return CSRGraph.from_edges(n, *np.array(list(nx.complete_graph(n).edges())).T)


# ------------------------------------------------------------------ independent cascade (transmit_pairs)


@pytest.mark.parametrize("p", [0.3, 0.5, 0.95])
def test_complete_transmit_pairs_count_is_binomial(p):
    """Receivers per sender ~ Binomial(n - 1, p): mean, variance and the whole distribution."""
    n, calls = 41, 300
    g, r, ids = CompleteGraph(n), np.random.default_rng(7), np.arange(n)
    counts = np.concatenate([per_sender(*g.transmit_pairs(ids, p, r), ids) for _ in range(calls)])
    m = n - 1
    se = np.sqrt(m * p * (1 - p) / len(counts))
    assert abs(counts.mean() - m * p) < 4 * se, (counts.mean(), m * p)
    assert counts.var() == pytest.approx(m * p * (1 - p), rel=0.08)
    expected = binomial_pmf(m, p) * len(counts)
    cells = expected >= 5  # pool the sparse tails
    obs = np.bincount(counts, minlength=m + 1)
    observed = np.r_[obs[cells], obs[~cells].sum()]
    expected = np.r_[expected[cells], expected[~cells].sum()]
    assert chi2(observed, expected) < chi2_bound(len(observed) - 1)


@pytest.mark.slow
def test_complete_transmit_pairs_each_pair_one_independent_chance():
    """Each (sender, other) pair is reached with probability p, two given pairs with p²."""
    n, p, calls = 12, 0.6, 3000
    g, r, ids = CompleteGraph(n), np.random.default_rng(3), np.array([4])
    hit = np.zeros((calls, n), dtype=bool)
    for t in range(calls):
        s, v = g.transmit_pairs(ids, p, r)
        hit[t, v] = True
    assert not hit[:, 4].any()
    others = np.delete(np.arange(n), 4)
    se = np.sqrt(p * (1 - p) / calls)
    assert np.all(np.abs(hit[:, others].mean(axis=0) - p) < 4 * se), hit[:, others].mean(axis=0)
    joint = (hit[:, 0] & hit[:, 11]).mean()
    assert abs(joint - p * p) < 4 * np.sqrt(p * p * (1 - p * p) / calls)


def test_complete_transmit_pairs_extremes():
    """p = 1 reaches every other consumer exactly once, p = 0 nobody; tiny p at a large N keeps its mean."""
    g, r = CompleteGraph(500), np.random.default_rng(1)
    ids = np.array([0, 17, 499])
    s, v = g.transmit_pairs(ids, 1.0, r)
    assert per_sender(s, v, ids).tolist() == [499, 499, 499]
    assert {(a, b) for a, b in zip(s.tolist(), v.tolist())} == {(a, b) for a in ids.tolist() for b in range(500)
                                                                  if a != b}
    assert len(g.transmit_pairs(ids, 0.0, r)[0]) == 0
    big, p = CompleteGraph(10 ** 7), 3e-7  # 3 receivers per sender on average
    ids = np.arange(0, 10 ** 7, 1000)
    counts = per_sender(*big.transmit_pairs(ids, p, r), ids)
    mean = (big.n - 1) * p
    assert abs(counts.mean() - mean) < 4 * np.sqrt(mean / len(ids))
    assert counts.var() == pytest.approx(mean, rel=0.1)
    s, v = CompleteGraph(10 ** 6).transmit_pairs(np.array([5]), 0.99, r)  # near 1: the complement is drawn
    assert np.all(np.diff(np.sort(v)) > 0) and 5 not in v and v.max() < 10 ** 6
    assert abs(len(v) - 0.99 * (10 ** 6 - 1)) < 5 * np.sqrt(10 ** 6 * 0.99 * 0.01)


def test_complete_transmit_pairs_matches_csr_complete_graph():
    """The analytic well-mixed graph and the same graph stored as CSR give the same cascade step."""
    n, p, calls = 30, 0.5, 400
    ids = np.arange(0, n, 3)
    r = np.random.default_rng(11)
    a = np.concatenate([per_sender(*CompleteGraph(n).transmit_pairs(ids, p, r), ids) for _ in range(calls)])
    csr = complete_csr(n)
    b = np.concatenate([per_sender(*csr.transmit_pairs(ids, p, r), ids) for _ in range(calls)])
    se = np.sqrt(a.var() / len(a) + b.var() / len(b))
    assert abs(a.mean() - b.mean()) < 4 * se and abs(b.mean() - (n - 1) * p) < 4 * se


@pytest.mark.slow
def test_csr_transmit_pairs_is_binomial_per_edge():
    """CSR: one independent chance per incident edge, Binomial(degree, p) receivers per sender."""
    star = CSRGraph.from_edges(21, np.zeros(20, dtype=np.int64), np.arange(1, 21))
    r, p, ids = np.random.default_rng(2), 0.35, np.array([0, 5])
    counts = np.array([per_sender(*star.transmit_pairs(ids, p, r), ids) for _ in range(4000)])
    assert set(np.unique(counts[:, 1]).tolist()) <= {0, 1}
    assert abs(counts[:, 0].mean() - 20 * p) < 4 * np.sqrt(20 * p * (1 - p) / 4000)
    assert counts[:, 0].var() == pytest.approx(20 * p * (1 - p), rel=0.08)


# ------------------------------------------------------------------ k random friends (sample_neighbors)


def mixed_graph() -> CSRGraph:
    """Node 0: a hub of degree 30; nodes 1..10: a ring of degree 4 (plus the hub); 40..50 a clique of 11."""
    u = [0] * 30
    v = list(range(1, 31))
    for i in range(1, 11):
        for d in (1, 2):
            u.append(i)
            v.append(1 + (i - 1 + d) % 10)
    for a, b in itertools.combinations(range(40, 51), 2):
        u.append(a)
        v.append(b)
    return CSRGraph.from_edges(60, np.array(u), np.array(v))


def test_csr_sample_neighbors_reaches_min_k_degree_distinct_friends():
    g = mixed_graph()
    ids = np.arange(60)
    adj = {(i, int(j)) for i in range(g.n) for j in g.neighbors(i)}
    for k in (1, 3, 5, 10, 40):
        s, v = g.sample_neighbors(ids, k, np.random.default_rng(k))
        counts = per_sender(s, v, ids)
        assert counts.tolist() == np.minimum(k, g.degree).tolist(), k
        assert all(pair in adj for pair in zip(s.tolist(), v.tolist()))


def test_degree_ten_consumer_reaches_ten_friends():
    """k = 10 on a degree-10 consumer: all ten friends (about 6.5 with replacement)."""
    g = mixed_graph()
    s, v = g.sample_neighbors(np.array([45]), 10, np.random.default_rng(1))
    assert sorted(v.tolist()) == [i for i in range(40, 51) if i != 45]
    s, v = CompleteGraph(11).sample_neighbors(np.array([3]), 10, np.random.default_rng(1))
    assert sorted(v.tolist()) == [i for i in range(11) if i != 3]


@pytest.mark.slow
@pytest.mark.parametrize("graph,sender,k", [("csr", 45, 2), ("csr", 45, 8), ("csr", 3, 3),
                                            ("complete", 2, 2), ("complete", 2, 4)])
def test_sample_neighbors_uniform_over_subsets(graph, sender, k):
    """Every set of min(k, degree) friends is equally likely (chi-square over all sets)."""
    g = mixed_graph() if graph == "csr" else CompleteGraph(6)
    friends = g.neighbors(sender).tolist()
    subsets = {c: i for i, c in enumerate(itertools.combinations(sorted(friends), k))}
    r, calls = np.random.default_rng(5), 200 * len(subsets)
    freq = np.zeros(len(subsets))
    for _ in range(calls):
        s, v = g.sample_neighbors(np.array([sender]), k, r)
        assert len(v) == k
        freq[subsets[tuple(sorted(v.tolist()))]] += 1
    assert chi2(freq, np.full(len(subsets), calls / len(subsets))) < chi2_bound(len(subsets) - 1)


def test_complete_sample_neighbors_many_senders_large_n():
    g, k = CompleteGraph(10 ** 6), 7
    ids = np.random.default_rng(0).choice(g.n, 20000, replace=False)
    s, v = g.sample_neighbors(ids, k, np.random.default_rng(1))
    assert per_sender(s, v, ids).tolist() == [k] * len(ids)
    assert v.min() >= 0 and v.max() < g.n
    assert CompleteGraph(1).sample_neighbors(np.array([0]), 3, np.random.default_rng(1))[0].size == 0


def test_uniform_subsets_helper():
    from simcommerce.network import uniform_subsets

    counts = np.array([0, 3, 5, 1, 9, 10, 2])
    sizes = np.array([4, 5, 5, 1, 10, 10, 1000])
    owner, value = uniform_subsets(counts, sizes, np.random.default_rng(1))
    assert np.bincount(owner, minlength=len(counts)).tolist() == counts.tolist()
    assert np.all(value < sizes[owner]) and np.all(value >= 0)
    key = owner * 1000 + value
    assert np.all(np.diff(key) > 0)  # sorted by owner then value, distinct
    with pytest.raises(ValueError):
        uniform_subsets(np.array([3]), 2, np.random.default_rng(1))


# ------------------------------------------------------------------ the market


@pytest.mark.slow
def test_market_independent_cascade_on_the_well_mixed_population():
    """One seed, N = 101, p = 0.5, everyone reached buys: day 2 has 1 + Binomial(100, 0.5) buyers
    (mean 51, SD 5); receivers drawn with replacement then de-duplicated gave about 40.5."""
    sc = validation_scenario("cascade", **{"network.friendship": {"model": "complete"}, "population.consumers": 101,
                                           "steps": 2, "brands.Seeder.policy.seeding.count": 1,
                                           "mechanisms.word_of_mouth.per_friend_prob": 0.5})
    day2 = np.array([market_frame(sc, seed)["n_customers"].iloc[1] for seed in range(60)])
    assert abs(day2.mean() - 51) < 4 * 5 / np.sqrt(len(day2)), day2.mean()
    assert day2.std(ddof=1) == pytest.approx(5, rel=0.3)


def test_market_share_reaches_k_distinct_friends():
    """k = 10 on a ring lattice of degree 10: each of the 5 seeds' shares reaches exactly 10 friends."""
    sc = validation_scenario("cascade", **{
        "network.friendship": {"model": "watts_strogatz", "mean_degree": 10, "rewire_prob": 0.0},
        "population.consumers": 200, "steps": 1, "mechanisms.word_of_mouth.reach": "random_friends",
        "mechanisms.word_of_mouth.friends_per_share": 10})
    for seed in (1, 2, 3):
        day1 = market_frame(sc, seed).iloc[0]
        assert day1["new_shares"] == 5 and day1["new_share_reach"] == 50
