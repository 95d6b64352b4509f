"""Social networks: generators, CSR storage and the neighbourhood queries of the daily loop.

The friendship graph is undirected and stored as CSR arrays (``indptr``, ``indices``);
the well-mixed population is :class:`CompleteGraph`, which answers the same queries
analytically without storing N² edges. networkx is used only for import/export and
analysis, never in the daily loop.
"""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import numpy as np

from .spec import ScenarioError


class CSRGraph:
    """An undirected graph on nodes ``0..n-1`` in compressed sparse row form.

    Attributes:
        indptr: int64 array (n+1,); the neighbours of i are ``indices[indptr[i]:indptr[i+1]]``.
        indices: int32 array of neighbour ids, each undirected edge stored in both directions.
        community: int32 array (n,) of community labels (0 when the generator has none).
    """

    def __init__(self, n: int, indptr: np.ndarray, indices: np.ndarray, community: np.ndarray | None = None):
        self.n = n
        self.indptr = indptr
        self.indices = indices
        self.degree = np.diff(indptr).astype(np.int32)
        self.community = community if community is not None else np.zeros(n, dtype=np.int32)

    @classmethod
    def from_edges(cls, n: int, u: np.ndarray, v: np.ndarray, community: np.ndarray | None = None) -> "CSRGraph":
        """Build from undirected edge ends; drops self-loops and duplicate edges."""
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        keep = u != v
        src = np.concatenate([u[keep], v[keep]])
        dst = np.concatenate([v[keep], u[keep]])
        key = np.unique(src * n + dst)
        src, dst = key // n, key % n
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
        return cls(n, indptr, dst.astype(np.int32), community)

    @property
    def n_edges(self) -> int:
        return len(self.indices) // 2

    def neighbors(self, i: int) -> np.ndarray:
        return self.indices[self.indptr[i]:self.indptr[i + 1]]

    def expand(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All (position in ``ids``, neighbour) pairs for the given nodes, vectorised."""
        ids = np.asarray(ids, dtype=np.int64)
        lens = self.degree[ids].astype(np.int64)
        total = int(lens.sum())
        owner = np.repeat(np.arange(len(ids)), lens)
        offsets = np.arange(total) - np.repeat(np.cumsum(lens) - lens, lens)
        return owner, self.indices[self.indptr[ids][owner] + offsets]

    def count_marked_neighbors(self, ids: np.ndarray, marked: np.ndarray) -> np.ndarray:
        """For each node in ``ids``, how many of its neighbours have ``marked`` true."""
        owner, nbr = self.expand(ids)
        return np.bincount(owner, weights=marked[nbr], minlength=len(ids)).astype(np.int32)

    def sample_neighbors(self, ids: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Each node in ``ids`` picks ``k`` neighbours uniformly (duplicates removed).

        Returns:
            (senders, receivers) arrays of equal length.
        """
        ids = np.asarray(ids, dtype=np.int64)
        ids = ids[self.degree[ids] > 0]
        senders = np.repeat(ids, k)
        offset = (rng.random(len(senders)) * self.degree[senders]).astype(np.int64)
        receivers = self.indices[self.indptr[senders] + offset].astype(np.int64)
        pairs = np.unique(senders * self.n + receivers)
        return pairs // self.n, pairs % self.n

    def transmit_pairs(self, ids: np.ndarray, prob: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Each edge from ``ids`` passes a message with probability ``prob``: (senders, receivers)."""
        owner, nbr = self.expand(ids)
        keep = rng.random(len(nbr)) < prob
        return np.asarray(ids, dtype=np.int64)[owner[keep]], nbr[keep].astype(np.int64)

    def transmit(self, ids: np.ndarray, prob: float, rng: np.random.Generator) -> np.ndarray:
        """Each edge from ``ids`` passes a message with probability ``prob``; the distinct receivers."""
        return np.unique(self.transmit_pairs(ids, prob, rng)[1])

    def to_networkx(self) -> nx.Graph:
        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        src = np.repeat(np.arange(self.n), self.degree)
        mask = src < self.indices
        g.add_edges_from(zip(src[mask].tolist(), self.indices[mask].tolist()))
        return g


class CompleteGraph:
    """The well-mixed population: everyone is everyone's neighbour (nothing stored)."""

    def __init__(self, n: int):
        self.n = n
        self.degree = np.full(n, n - 1, dtype=np.int64)
        self.community = np.zeros(n, dtype=np.int32)

    @property
    def n_edges(self) -> int:
        return self.n * (self.n - 1) // 2

    def neighbors(self, i: int) -> np.ndarray:
        return np.delete(np.arange(self.n), i)

    def count_marked_neighbors(self, ids: np.ndarray, marked: np.ndarray) -> np.ndarray:
        return (int(marked.sum()) - marked[ids]).astype(np.int32)

    def sample_neighbors(self, ids: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        ids = np.asarray(ids, dtype=np.int64)
        senders = np.repeat(ids, k)
        # uniform over the n-1 others: draw from n-1 and skip the sender's own slot
        receivers = (rng.random(len(senders)) * (self.n - 1)).astype(np.int64)
        receivers += receivers >= senders
        pairs = np.unique(senders * self.n + receivers)
        return pairs // self.n, pairs % self.n

    def transmit_pairs(self, ids: np.ndarray, prob: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        ids = np.asarray(ids, dtype=np.int64)
        counts = rng.binomial(self.n - 1, prob, len(ids))
        senders = np.repeat(ids, counts)
        receivers = (rng.random(len(senders)) * (self.n - 1)).astype(np.int64)  # with replacement: prob small
        receivers += receivers >= senders
        pairs = np.unique(senders * self.n + receivers)
        return pairs // self.n, pairs % self.n

    def transmit(self, ids: np.ndarray, prob: float, rng: np.random.Generator) -> np.ndarray:
        # P(hear) = 1 - (1-prob)^(tellers other than oneself)
        tellers = np.unique(ids)
        others = np.full(self.n, len(tellers), dtype=np.float64)
        others[tellers] -= 1
        return np.flatnonzero(rng.random(self.n) < 1.0 - (1.0 - prob) ** others)

    def to_networkx(self) -> nx.Graph:
        return nx.complete_graph(self.n)


# ------------------------------------------------------------------ generators


def holme_kim(n: int, m: int, triangle_prob: float, rng: np.random.Generator) -> CSRGraph:
    """Holme & Kim (2002) power-law graph with tunable clustering; ``triangle_prob=0`` is Barabási–Albert.

    Each new node makes ``m`` links: the first by preferential attachment, each
    next one with probability ``triangle_prob`` to a random neighbour of the last
    preferential target (closing a triangle), otherwise preferentially again.
    """
    m = max(1, min(m, n - 1))
    m0 = m + 1
    n_links = m0 * (m0 - 1) // 2 + (n - m0) * m
    us = np.empty(n_links, dtype=np.int64)
    vs = np.empty(n_links, dtype=np.int64)
    pool = np.empty(2 * n_links, dtype=np.int64)  # each node repeated once per link end
    adj: list[list[int]] = [[] for _ in range(n)]
    e = 0
    for a in range(m0):
        for b in range(a + 1, m0):
            us[e], vs[e] = a, b
            pool[2 * e], pool[2 * e + 1] = a, b
            adj[a].append(b)
            adj[b].append(a)
            e += 1
    draws = rng.random((max(n - m0, 0), m, 3))
    for v in range(m0, n):
        d = draws[v - m0]
        chosen: list[int] = []
        last = -1
        pool_len = 2 * e
        for k in range(m):
            w = -1
            if k > 0 and last >= 0 and d[k, 0] < triangle_prob:
                nb = adj[last]
                w = nb[int(d[k, 1] * len(nb))]
                if w in chosen:
                    w = -1
            if w < 0:
                r = d[k, 2]
                for _ in range(20):  # re-draw on a repeat; pools are large, repeats rare
                    w = int(pool[int(r * pool_len)])
                    if w not in chosen:
                        break
                    r = rng.random()
                else:
                    continue
                last = w
            chosen.append(w)
        for w in chosen:
            us[e], vs[e] = v, w
            pool[2 * e], pool[2 * e + 1] = v, w
            adj[w].append(v)
            adj[v].append(w)
            e += 1
    return CSRGraph.from_edges(n, us[:e], vs[:e])


def watts_strogatz(n: int, k: int, rewire_prob: float, rng: np.random.Generator) -> CSRGraph:
    """Watts & Strogatz (1998): a ring lattice (k neighbours each side) with links rewired at random."""
    k = max(1, min(k, (n - 1) // 2))
    u = np.repeat(np.arange(n, dtype=np.int64), k)
    v = (u + np.tile(np.arange(1, k + 1), n)) % n
    rewire = rng.random(len(u)) < rewire_prob
    v[rewire] = rng.integers(0, n, int(rewire.sum()))
    return CSRGraph.from_edges(n, u, v)


def planted_communities(n: int, mean_degree: float, communities: int, mixing: float,
                        rng: np.random.Generator) -> CSRGraph:
    """Stochastic block model with equal-size planted communities.

    Each of the ``n * mean_degree / 2`` links starts at a random consumer and ends, with
    probability ``1 - mixing``, at a random member of the same community, otherwise at
    a random consumer anywhere.
    """
    communities = max(1, min(communities, n))
    label = rng.permutation(np.arange(n) % communities).astype(np.int32)
    order = np.argsort(label, kind="stable")
    size = np.bincount(label, minlength=communities)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    target = int(round(n * mean_degree / 2))
    us, vs = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    for _ in range(5):  # draw, drop self-loops and repeats, top up what was lost
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


def from_edgelist(path: str | Path) -> CSRGraph:
    """Import an edge list (CSV/TSV, two id columns); ids are renumbered 0..n-1 in sorted order."""
    u, v, ids = read_edgelist_ids(Path(path))
    return CSRGraph.from_edges(len(ids), u, v)


def build_friendship(cfg: dict, n: int, rng: np.random.Generator) -> CSRGraph | CompleteGraph:
    """The friendship graph described by the ``network.friendship`` section."""
    model = cfg["model"]
    half = max(1, int(round(cfg["mean_degree"] / 2)))
    if model == "complete":
        return CompleteGraph(n)
    if model == "barabasi_albert":
        return holme_kim(n, half, 0.0, rng)
    if model == "holme_kim":
        return holme_kim(n, half, cfg["triangle_prob"], rng)
    if model == "watts_strogatz":
        return watts_strogatz(n, half, cfg["rewire_prob"], rng)
    if model == "planted_communities":
        return planted_communities(n, cfg["mean_degree"], cfg["communities"], cfg["mixing"], rng)
    if model == "edgelist":
        return from_edgelist(cfg["path"])
    raise ValueError(f"unknown network model {model}")


def read_edgelist_ids(file: Path, key: str = "network.friendship.path"):
    """Read a two-column edge list (CSV or TSV; an optional header; ``#`` comments).

    Returns:
        (u, v, ids): integer positions of each edge's ends and the sorted original ids.
    """
    text = Path(file).read_text(encoding="utf-8", errors="replace")
    sample = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    delim = "\t" if "\t" in sample else ("," if "," in sample else None)
    ends: list[tuple[str, str]] = []
    for lineno, row in enumerate(text.splitlines(), start=1):
        if not row.strip() or row.lstrip().startswith("#"):
            continue
        cells = next(csv.reader([row], delimiter=delim)) if delim else row.split()
        cells = [c.strip() for c in cells]
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise ScenarioError(str(file), key, "two id columns per line (CSV or TSV)",
                                f"'{row.strip()[:40]}' on line {lineno}")
        if not ends and not _is_int(cells[0]) and not _is_int(cells[1]):
            continue  # a header line
        if not (_is_int(cells[0]) and _is_int(cells[1])):
            raise ScenarioError(str(file), key, "integer consumer ids in the first two columns",
                                f"'{cells[0][:20]}', '{cells[1][:20]}' on line {lineno}")
        if any(abs(int(c)) >= 2**62 for c in cells[:2]):
            raise ScenarioError(str(file), key, "consumer ids below 2^62", f"'{cells[0][:20]}' on line {lineno}")
        ends.append((cells[0], cells[1]))
    if not ends:
        raise ScenarioError(str(file), key, "at least one edge", "an empty edge list")
    raw = np.array(ends, dtype=np.int64)
    ids, inverse = np.unique(raw.ravel(), return_inverse=True)
    inverse = inverse.reshape(-1, 2)
    return inverse[:, 0], inverse[:, 1], ids


def _is_int(s: str) -> bool:
    try:
        int(s)
        return True
    except ValueError:
        return False


# ------------------------------------------------------------------ follow graph


def build_follows(follower_counts: np.ndarray, weights: np.ndarray | None, n: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Directed follow graph in CSR form: row i lists the followers of influencer i.

    Followers of each influencer are drawn without replacement with probability
    proportional to ``weights[:, i]`` (Efraimidis & Spirakis 2006 keys), or uniformly
    when ``weights`` is None.
    """
    rows = []
    for i, k in enumerate(follower_counts):
        k = int(min(max(k, 0), n))
        if k == 0:
            rows.append(np.empty(0, dtype=np.int32))
            continue
        if weights is None:
            chosen = rng.choice(n, size=k, replace=False)
        else:
            w = np.maximum(weights[:, i], 1e-12)
            keys = np.log(rng.random(n)) / w  # larger is likelier; argpartition picks the top k
            chosen = np.argpartition(-keys, k - 1)[:k]
        rows.append(np.sort(chosen).astype(np.int32))
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    indices = np.concatenate(rows) if rows else np.empty(0, dtype=np.int32)
    return indptr, indices
