"""Social networks: generators, CSR storage and the neighbourhood queries of the daily loop.

The friendship graph is undirected and stored as CSR arrays (``indptr``, ``indices``);
the well-mixed population is :class:`CompleteGraph`, which answers the same queries
analytically without storing N² edges. networkx is used only for import/export and
analysis, never in the daily loop.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .spec import ScenarioError
from .unique import unique

if TYPE_CHECKING:  # networkx is imported where it is used: `simcommerce check` starts without it
    import networkx as nx


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
        """Build from undirected edge ends; drops self-loops and duplicate edges (rows sorted by neighbour id)."""
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        keep = u != v
        u, v = u[keep], v[keep]
        key = unique(np.concatenate([u * n + v, v * n + u]))  # (source, neighbour) of both directions, sorted
        del u, v, keep
        src = key // n
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
        key -= src * n  # the neighbour
        return cls(n, indptr, key.astype(np.int32), community)

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

    def random_neighbor(self, u: np.ndarray) -> np.ndarray:
        """One uniformly random neighbour of every node, int64 (N,), from uniforms ``u`` (N,) in [0, 1): the
        ``floor(u · degree)``-th; -1 for a node without neighbours. N operations, not one per link."""
        if len(self.indices) == 0:
            return np.full(self.n, -1, dtype=np.int64)
        nth = np.minimum((u * self.degree).astype(np.int64), self.degree - 1)  # (degree 0: -1, set below)
        out = self.indices[self.indptr[:-1] + nth].astype(np.int64)
        out[self.degree == 0] = -1  # their pick above was another node's entry
        return out

    def sample_neighbors(self, ids: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Each node in ``ids`` picks ``min(k, degree)`` distinct neighbours, uniformly among such subsets
        (sampling without replacement; see :func:`uniform_subsets`). Each entry of ``ids`` draws on its own.

        Returns:
            (senders, receivers) arrays of equal length, grouped by sender in the order of ``ids``.
        """
        ids = np.asarray(ids, dtype=np.int64)
        ids = ids[self.degree[ids] > 0]
        deg = self.degree[ids].astype(np.int64)
        owner, offset = uniform_subsets(np.minimum(deg, max(int(k), 0)), deg, rng)
        senders = ids[owner]
        return senders, self.indices[self.indptr[senders] + offset].astype(np.int64)

    def transmit_pairs(self, ids: np.ndarray, prob: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Each edge from ``ids`` passes a message with probability ``prob``, one independent draw per
        (sender, neighbour) pair (the independent cascade): (senders, receivers)."""
        owner, nbr = self.expand(ids)
        keep = rng.random(len(nbr)) < prob
        return np.asarray(ids, dtype=np.int64)[owner[keep]], nbr[keep].astype(np.int64)

    def transmit(self, ids: np.ndarray, prob: float, rng: np.random.Generator) -> np.ndarray:
        """Each edge from ``ids`` passes a message with probability ``prob``; the distinct receivers."""
        return unique(self.transmit_pairs(ids, prob, rng)[1])

    def to_networkx(self) -> nx.Graph:
        import networkx as nx

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

    def random_neighbor(self, u: np.ndarray) -> np.ndarray:
        """One uniformly random other node for every node, int64 (N,), from uniforms ``u`` (N,); -1 if n < 2."""
        if self.n < 2:
            return np.full(self.n, -1, dtype=np.int64)
        other = (u * (self.n - 1)).astype(np.int64)
        return other + (other >= np.arange(self.n))  # the own id skipped

    def sample_neighbors(self, ids: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Each node in ``ids`` picks ``min(k, n - 1)`` distinct others, uniformly among such subsets."""
        ids = np.asarray(ids, dtype=np.int64)
        m = max(self.n - 1, 0)
        owner, other = uniform_subsets(np.full(len(ids), min(max(int(k), 0), m)), m, rng)
        return self._pairs(ids, owner, other)

    def transmit_pairs(self, ids: np.ndarray, prob: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Each (sender, other consumer) pair passes a message independently with probability ``prob``.

        Exact at any ``prob``: a sender's number of receivers is Binomial(n - 1, prob), and given
        that number the receivers are a uniformly random set of that many distinct others.
        """
        ids = np.asarray(ids, dtype=np.int64)
        m = max(self.n - 1, 0)
        owner, other = uniform_subsets(rng.binomial(m, min(max(prob, 0.0), 1.0), len(ids)), m, rng)
        return self._pairs(ids, owner, other)

    @staticmethod
    def _pairs(ids: np.ndarray, owner: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(sender, receiver) from the j-th of the sender's n - 1 others (the sender's own id skipped)."""
        senders = ids[owner]
        return senders, other + (other >= senders)

    def transmit(self, ids: np.ndarray, prob: float, rng: np.random.Generator) -> np.ndarray:
        # P(hear) = 1 - (1-prob)^(tellers other than oneself)
        tellers = unique(ids)
        others = np.full(self.n, len(tellers), dtype=np.float64)
        others[tellers] -= 1
        return np.flatnonzero(rng.random(self.n) < 1.0 - (1.0 - prob) ** others)

    def to_networkx(self) -> nx.Graph:
        import networkx as nx

        return nx.complete_graph(self.n)


def uniform_subsets(counts, sizes, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """For each i, a uniformly random set of ``counts[i]`` distinct values of ``range(sizes[i])``.

    Vectorised sampling without replacement: every owner draws its missing values with
    replacement, values it already holds (or drew twice) are dropped, and the owners still
    short draw again. The process treats all values alike, so each set is uniform among
    the sets of its size. An owner wanting more than half its range draws the values to
    leave out instead, so at least half of every draw is new and rounds shrink
    geometrically. Cost: about the number of values returned (plus ``sizes[i]`` for the
    owners wanting more than half, whose answer is that long anyway).

    Args:
        counts: (m,) ints, 0 <= counts[i] <= sizes[i].
        sizes: (m,) ints or one int (range sizes, >= 0).

    Returns:
        (owner, value): owner i appears ``counts[i]`` times; sorted by owner, then value.
    """
    counts = np.asarray(counts, dtype=np.int64)
    sizes = np.broadcast_to(np.asarray(sizes, dtype=np.int64), counts.shape)
    if np.any(counts < 0) or np.any(counts > sizes):
        raise ValueError("uniform_subsets: need 0 <= counts <= sizes")
    leave_out = 2 * counts > sizes  # draw the values not taken
    want = np.where(leave_out, sizes - counts, counts)
    width = max(int(sizes.max(initial=0)), 1)
    keys = np.empty(0, dtype=np.int64)  # owner * width + value, sorted, distinct
    have = np.zeros(len(counts), dtype=np.int64)
    missing = want
    while True:
        short = np.flatnonzero(missing)
        if len(short) == 0:
            break
        owner = np.repeat(short, missing[short])
        new = np.sort(owner * width + rng.integers(0, sizes[owner]))
        new = new[np.r_[True, new[1:] != new[:-1]]]  # distinct (np.unique is far slower on large arrays)
        if len(keys):
            at = np.searchsorted(keys, new)
            fresh = keys[np.minimum(at, len(keys) - 1)] != new
            fresh |= at == len(keys)
            new, at = new[fresh], at[fresh]
            keys = np.insert(keys, at, new)
        else:
            keys = new
        have += np.bincount(new // width, minlength=len(counts))
        missing = want - have
    if leave_out.any():
        big = np.flatnonzero(leave_out)
        lens = sizes[big]
        start = np.zeros(len(counts), dtype=np.int64)
        start[big] = np.cumsum(lens) - lens
        keep = np.ones(int(lens.sum()), dtype=bool)
        out_owner = keys // width
        dropped = leave_out[out_owner]
        keep[start[out_owner[dropped]] + keys[dropped] - out_owner[dropped] * width] = False
        full_owner = np.repeat(big, lens)
        full = full_owner * width + np.arange(len(keep)) - start[full_owner]
        keys = np.sort(np.concatenate([keys[~dropped], full[keep]]), kind="stable")  # two sorted runs
    owner = keys // width
    return owner, keys - owner * width


class FriendCounts:
    """For every consumer and column j of a boolean (N, J) array ``marked`` (e.g. ``bought``, one
    column per product): how many of the consumer's friends are marked in column j.

    Kept up to date incrementally: :meth:`refresh` finds the marks set since the last call
    (marks are only ever set, never cleared) and adds each new mark to its holder's friends'
    counts, so a day costs one comparison of the (N, J) array plus the new marks' degrees,
    instead of recounting every neighbourhood. On the complete graph the count is analytic
    (marked consumers other than oneself) and nothing is stored.
    """

    def __init__(self, graph, marked: np.ndarray):
        self.graph = graph
        self.marked = marked
        self.seen = np.zeros_like(marked)  # the marks already counted
        self.n_seen = 0
        self.complete = isinstance(graph, CompleteGraph)
        n, cols = marked.shape
        self.totals = np.zeros(cols, dtype=np.int64)
        # column by column (J, N): each column is contiguous for the daily scans
        self.counts = None if self.complete else np.zeros((cols, n), dtype=np.int32)
        self.refresh()

    def refresh(self) -> None:
        """Count the marks set since the last call."""
        if np.count_nonzero(self.marked) == self.n_seen:  # nothing new (marks are never cleared)
            return
        n, cols = self.marked.shape
        new = np.flatnonzero(self.marked.ravel() != self.seen.ravel())  # seen ⊆ marked
        self.seen.ravel()[new] = True
        self.n_seen += len(new)
        ids, col = new // cols, new % cols
        self.totals += np.bincount(col, minlength=cols)
        if not self.complete:
            owner, friend = self.graph.expand(ids)
            cell, times = unique(col[owner] * n + friend, return_counts=True)
            self.counts.ravel()[cell] += times.astype(np.int32)  # (np.add.at is slower)

    def with_marked_friends(self, col: int) -> np.ndarray:
        """Ids of the consumers with at least one friend marked in column ``col``."""
        if self.complete:
            return np.flatnonzero(self.count(np.arange(self.marked.shape[0]), col))
        return np.flatnonzero(self.counts[col])

    def count(self, ids: np.ndarray, col: int) -> np.ndarray:
        """Marked friends (in column ``col``) of each consumer in ``ids``, as of the last :meth:`refresh`."""
        if self.complete:
            return (self.totals[col] - self.seen[ids, col]).astype(np.int32)
        return self.counts[col, ids]


# ------------------------------------------------------------------ generators

HK_BATCH_SHARE = 1 / 128  # holme_kim: a batch of newcomers is at most this share of the nodes already there
EXPECTED_ROOM = 1.5  # holme_kim: a newcomer's row has room for this many times its expected final degree
POOL_ROOM = 6  # holme_kim: the row pool's first size, in links (3 entries per link end; grown if ever full)
ROW_SLACK = 2  # _Rows: a row is given this many times the room its entries need (and moves when full)


class _Rows:
    """The neighbours of each node of a graph that grows by batches of newcomers, for uniform-neighbour draws.

    Each node's neighbours, in the order its links were made, sit in one row of a pool array.
    A newcomer's row is allocated when it joins (its own links written in one sequential pass,
    with room for as many links again); a row that fills up moves to the end of the pool with
    ``ROW_SLACK`` times the room it needs (amortised: each entry is copied about once). So an
    append costs O(1), the j-th neighbour is one read, and a node's row start, degree and
    capacity share one cache line (random access to them is the cost at 10^7 nodes). No Python
    loop over nodes or edges, and no insertion into sorted arrays. Moved-from rows are dropped
    when the pool is grown.
    """

    START, DEGREE, CAP = 0, 1, 2

    def __init__(self, n: int, expected: int):
        self.n = n
        dtype = np.int32 if 4 * expected < np.iinfo(np.int32).max else np.int64
        self.info = np.zeros((n, 4), dtype=dtype)  # per node: row start, degree, capacity (and padding)
        self.pool = np.empty(max(int(expected), 16), dtype=np.int32)  # untouched pages cost no memory
        self.used = 0

    def join(self, first: int, links: np.ndarray, room: int = 0) -> None:
        """Rows for newcomers ``first, first+1, ...``: ``links`` (size, k) their neighbours (-1: no link);
        each row has room for ``room`` entries (at least ``ROW_SLACK`` times ``k``)."""
        size, k = links.shape
        cap = max(ROW_SLACK * k, room, 1)
        if self.used + size * cap > len(self.pool):
            self._compact(self.used + size * cap)
        block = self.pool[self.used:self.used + size * cap].reshape(size, cap)
        info = self.info[first:first + size]
        info[:, self.START] = self.used + cap * np.arange(size)
        info[:, self.CAP] = cap
        made = links >= 0
        if made.all():
            block[:, :k] = links
            info[:, self.DEGREE] = k
        else:  # a newcomer's links, moved to the front of its row in order
            rank = np.cumsum(made, axis=1) - 1
            rows = np.broadcast_to(np.arange(size)[:, None], links.shape)
            block[rows[made], rank[made]] = links[made]
            info[:, self.DEGREE] = made.sum(axis=1)
        self.used += size * cap

    def append(self, node: np.ndarray, other: np.ndarray) -> None:
        """Add ``other[i]`` to the neighbours of ``node[i]`` (existing nodes), in the given order within each."""
        if len(node) == 0:
            return
        node = np.asarray(node, dtype=np.int64)
        key = np.sort(node * len(node) + np.arange(len(node)))  # by node, then given order (a stable sort)
        node = key // len(node)
        other = np.asarray(other, dtype=np.int32)[key - node * len(node)]
        first = np.flatnonzero(np.r_[True, node[1:] != node[:-1]])
        ids = node[first]
        count = np.diff(np.r_[first, len(node)])
        info = np.take(self.info, ids, axis=0).astype(np.int64)  # (np.take: far faster than info[ids] here)
        need = info[:, self.DEGREE] + count
        grow = np.flatnonzero(need > info[:, self.CAP])
        if len(grow):
            cap = ROW_SLACK * need[grow]
            if self.used + int(cap.sum()) > len(self.pool):
                self._compact(self.used + int(cap.sum()))
                info[:, self.START] = np.take(self.info[:, self.START], ids)
            start = self.used + np.cumsum(cap) - cap
            self._copy(self.pool, info[grow, self.START], self.pool, start, info[grow, self.DEGREE])
            self.used += int(cap.sum())
            self.info[ids[grow], self.START], self.info[ids[grow], self.CAP] = start, cap
            info[grow, self.START] = start
        self.pool[np.repeat(info[:, self.START] + info[:, self.DEGREE] - first, count) + np.arange(len(node))] = other
        self.info[:, self.DEGREE][ids] = need  # (a 1-D store: only the degrees change)

    def _compact(self, need: int) -> None:
        """A larger pool holding only the rows in use (each at its capacity, in node order), room for ``need``."""
        cap = self.info[:, self.CAP].astype(np.int64)
        room = int(cap.sum())
        pool = np.empty(max(2 * room, need - self.used + room), dtype=np.int32)
        start = np.cumsum(cap) - cap
        self._copy(self.pool, self.info[:, self.START], pool, start, self.info[:, self.DEGREE])
        self.pool, self.used = pool, room
        self.info[:, self.START] = start

    @staticmethod
    def _copy(src: np.ndarray, src_start: np.ndarray, dst: np.ndarray, dst_start: np.ndarray, length: np.ndarray):
        """``dst[dst_start[i]:][:length[i]] = src[src_start[i]:][:length[i]]`` for every i."""
        length = np.asarray(length, dtype=np.int64)
        before = np.cumsum(length) - length  # entries of the rows before row i
        at = np.arange(int(before[-1] + length[-1]) if len(length) else 0)
        if len(at):
            dst[np.repeat(dst_start - before, length) + at] = src[np.repeat(src_start - before, length) + at]

    def random_neighbour(self, w: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A uniformly random neighbour of each node in ``w`` (``u``: uniforms in [0, 1)), int64; -1 if it has
        none: the ``floor(u · degree)``-th in the order its links were made."""
        info = np.take(self.info, w, axis=0)
        degree = info[:, self.DEGREE].astype(np.int64)
        out = self.pool[info[:, self.START] + (u * degree).astype(np.int64)].astype(np.int64)
        out[degree == 0] = -1  # (read another row's entry above)
        return out

    def to_csr(self) -> "CSRGraph":
        """The CSR graph, rows in the order the links were made (in chunks of nodes, to bound memory)."""
        degree = self.info[:, self.DEGREE]
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(degree, out=indptr[1:])
        indices = np.empty(int(indptr[-1]), dtype=np.int32)
        step = 1 << 20
        for a in range(0, self.n, step):
            b = min(a + step, self.n)
            at = np.repeat(self.info[a:b, self.START] - indptr[a:b], degree[a:b])
            at += np.arange(indptr[a], indptr[b])
            indices[indptr[a]:indptr[b]] = self.pool[at]
        self.pool = np.empty(0, dtype=np.int32)
        return CSRGraph(self.n, indptr, indices)


def holme_kim(n: int, m: int, triangle_prob: float, rng: np.random.Generator) -> CSRGraph:
    """Holme & Kim (2002) power-law graph with tunable clustering; ``triangle_prob=0`` is Barabási–Albert.

    Starts from a complete graph on ``m + 1`` nodes. Each new node makes ``m`` links to
    distinct nodes: the first by preferential attachment (a uniformly random end of an
    existing link), each next one with probability ``triangle_prob`` to a random neighbour
    of the last preferential target (closing a triangle; if already linked, preferential
    attachment instead), otherwise preferentially again.

    Vectorised by batches of newcomers: a batch holds at most ``HK_BATCH_SHARE`` (1/128) of
    the nodes already there (one node at a time below 128 nodes, so small graphs are the
    sequential process exactly), and its newcomers attach to the graph as it was before
    the batch — they do not link to each other, which the sequential process would do for
    under 1% of links. Preferential targets are uniform draws from the preallocated array
    of link ends; triangle targets are uniform draws from a node's row (:class:`_Rows`).
    Cost: O(n m); memory about 4 int32 per link end at the peak. tests/test_network_scale.py
    checks degree distribution, clustering and assortativity against networkx's
    ``powerlaw_cluster_graph`` and the sequential algorithm over several seeds.
    """
    if n < 2:
        return CSRGraph(n, np.zeros(n + 1, dtype=np.int64), np.empty(0, dtype=np.int32))
    m = max(1, min(m, n - 1))
    m0 = m + 1
    seed_u, seed_v = np.triu_indices(m0, 1)  # (0,1), (0,2), ..., (m0-2, m0-1)
    n_links = len(seed_u) + (n - m0) * m
    ends = np.empty(2 * n_links, dtype=np.int32)  # both ends of every link: a node appears once per link end
    e = len(seed_u)
    ends[0:2 * e:2], ends[1:2 * e:2] = seed_u, seed_v
    rows = _Rows(n, POOL_ROOM * n_links)  # untouched pages of the pool cost no memory
    seed = np.array([np.delete(np.arange(m0), a) for a in range(m0)])  # each seed node: the others, in order
    rows.join(0, seed.reshape(m0, m))
    largest = min(n - m0, max(1, int(n * HK_BATCH_SHARE)))
    buffer = np.empty(largest * m * 3, dtype=np.float64)
    layout = np.empty(largest * m * 3, dtype=np.float64)
    v = m0
    while v < n:
        size = min(n - v, max(1, int(v * HK_BATCH_SHARE)))
        # per newcomer and link: triangle?, which neighbour, which link end (drawn in this layout, used by link)
        raw = buffer[:size * m * 3].reshape(size, m, 3)
        rng.random(out=raw)
        draws = layout[:size * m * 3].reshape(m, 3, size)
        np.copyto(draws, raw.transpose(1, 2, 0))
        chosen = np.full((m, size), -1, dtype=np.int64)
        last = np.full(size, -1, dtype=np.int64)  # last preferential target of each newcomer
        n_ends = 2 * e
        for k in range(m):
            target = chosen[k]
            if k > 0 and triangle_prob > 0:
                tri = np.flatnonzero((draws[k, 0] < triangle_prob) & (last >= 0))
                cand = rows.random_neighbour(last[tri], draws[k, 1, tri])
                fresh = (cand >= 0) & ~(chosen[:k, tri] == cand).any(axis=0)
                target[tri[fresh]] = cand[fresh]
                pref = np.flatnonzero(target < 0)
            else:
                pref = np.arange(size)
            cand = ends[(draws[k, 2, pref] * n_ends).astype(np.int64)].astype(np.int64)
            if k > 0:
                repeat = (chosen[:k, pref] == cand).any(axis=0)
                for _ in range(20):  # re-draw a repeated target; ends are many, repeats rare
                    if not repeat.any():
                        break
                    cand[repeat] = ends[(rng.random(int(repeat.sum())) * n_ends).astype(np.int64)]
                    repeat = (chosen[:k, pref] == cand).any(axis=0)
                cand[repeat] = -1  # still repeated after 20 draws: this link is not made
            target[pref] = cand
            ok = cand >= 0
            last[pref[ok]] = cand[ok]
        links = chosen.T  # links in order: newcomer by newcomer, then k
        made = links >= 0
        if made.all():
            dst = links.ravel()
            src = np.repeat(np.arange(v, v + size), m)
        else:
            dst = links[made]
            src = np.repeat(np.arange(v, v + size), made.sum(axis=1))
        ends[2 * e:2 * (e + len(src)):2], ends[2 * e + 1:2 * (e + len(src)):2] = src, dst
        rows.append(dst, src)
        rows.join(v, links, int(EXPECTED_ROOM * m * np.sqrt(n / v)))  # degree expected at the end: m sqrt(n / v)
        e += len(src)
        v += size
    return rows.to_csr()


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
    links = np.empty(0, dtype=np.int64)  # the distinct links so far, min * n + max, sorted
    for _ in range(5):  # draw, drop self-loops and repeats, top up what was lost
        missing = target - len(links)
        if missing <= 0:
            break
        u = rng.integers(0, n, missing)
        inside = rng.random(missing) >= mixing
        v = rng.integers(0, n, missing)
        c = label[u[inside]]
        v[inside] = order[start[c] + (rng.random(int(inside.sum())) * size[c]).astype(np.int64)]
        us, vs = np.concatenate([us, u]), np.concatenate([vs, v])
        loop = u == v
        links = unique(np.concatenate([links, np.minimum(u, v)[~loop] * n + np.maximum(u, v)[~loop]]))
    return CSRGraph.from_edges(n, us, vs, community=label)


def from_edgelist(path: str | Path) -> CSRGraph:
    """Import an edge list (CSV/TSV, two id columns); ids are renumbered 0..n-1 in sorted order."""
    u, v, ids = read_edgelist_ids(Path(path))
    return CSRGraph.from_edges(len(ids), u, v)


GRAPH_CACHE_SIZE = 8  # build_friendship: the last graphs drawn, kept for markets drawing the same again
GRAPH_CACHE_MAX_NODES = 200_000  # ... when they have at most this many nodes (~50 bytes a node)
_graphs: dict[tuple, tuple[CSRGraph, dict]] = {}  # (section, n, stream state) -> (graph, stream state after)


def build_friendship(cfg: dict, n: int, rng: np.random.Generator) -> CSRGraph | CompleteGraph:
    """The friendship graph described by the ``network.friendship`` section.

    A random graph is a function of (section, n, the state of ``rng``): the last few are kept, and a market
    that draws the same one again (the policies of an experiment share their replications' seeds) gets the
    same graph, read-only, with ``rng`` left where drawing it would have left it."""
    if cfg["model"] in ("complete", "edgelist") or n > GRAPH_CACHE_MAX_NODES:
        return _draw_friendship(cfg, n, rng)
    key = (repr(sorted(cfg.items())), n, repr(rng.bit_generator.state))
    if key not in _graphs:
        graph = _draw_friendship(cfg, n, rng)
        for a in (graph.indptr, graph.indices, graph.degree, graph.community):
            a.flags.writeable = False
        if len(_graphs) >= GRAPH_CACHE_SIZE:
            del _graphs[next(iter(_graphs))]
        _graphs[key] = graph, rng.bit_generator.state
    graph, after = _graphs[key]
    rng.bit_generator.state = after
    return graph


def _draw_friendship(cfg: dict, n: int, rng: np.random.Generator) -> CSRGraph | CompleteGraph:
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
    head = text[:65536].splitlines()[:-1]  # whole lines only (the last may be cut), without splitting the whole file
    sample = next((ln for ln in head if ln.strip() and not ln.startswith("#")), None)
    if sample is None:
        sample = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    delim = "\t" if "\t" in sample else ("," if "," in sample else None)
    raw = _plain_edges(text, delim)
    if raw is None:
        raw = _parse_edges(text, delim, file, key)
    if (raw[:, 0] == raw[:, 1]).all():
        raise ScenarioError(str(file), key, "at least one edge between two different consumers",
                            f"only self-loops ({len(raw)} line(s))")
    ids, inverse = unique(raw.ravel(), return_inverse=True)
    inverse = inverse.reshape(-1, 2)
    return inverse[:, 0], inverse[:, 1], ids


def _parse_edges(text: str, delim: str | None, file: Path, key: str) -> np.ndarray:
    """The edge list line by line (any layout ``read_edgelist_ids`` accepts), or the ScenarioError of its
    first bad line; (edges, 2) int64 original ids."""
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
        bad = next((j for j in (0, 1) if not _is_int(cells[j])), None)
        if bad is not None:
            raise ScenarioError(str(file), key, "integer consumer ids in the first two columns",
                                f"'{cells[bad][:20]}' in column {bad + 1} on line {lineno}")
        if len(cells) > 2:
            raise ScenarioError(str(file), key, "exactly two id columns per line (weights and other columns are "
                                "not read: remove them)", f"{len(cells)} columns on line {lineno}")
        if any(abs(int(c)) >= 2**62 for c in cells[:2]):
            raise ScenarioError(str(file), key, "consumer ids below 2^62", f"'{cells[0][:20]}' on line {lineno}")
        ends.append((cells[0], cells[1]))
    if not ends:
        raise ScenarioError(str(file), key, "at least one edge", "an empty edge list")
    return np.array(ends, dtype=np.int64)


_PLAIN_HEAD_LINES = 16  # header and comment lines looked at before the first edge


def _plain_edges(text: str, delim: str | None) -> np.ndarray | None:
    """The common layout parsed at C speed: after optional header/comment lines, only lines of two
    non-negative integer ids joined by one delimiter (``,``, tab, or one space). (edges, 2) int64 original
    ids, the same array as :func:`_parse_edges` gives; None for any other layout (that parser then reads
    the file and names a bad line). 5·10^6 edges read in ~3 s instead of ~20–30 s."""
    sep = delim or " "
    if "\r" in text:
        return None
    lines = text.split("\n", _PLAIN_HEAD_LINES)
    for i, row in enumerate(lines[:_PLAIN_HEAD_LINES]):
        if not row.strip() or row.lstrip().startswith("#"):
            continue
        cells = row.split(sep)
        if len(cells) == 2 and all(c.isascii() and c.isdigit() for c in cells):
            break  # the first edge
        cells = [c.strip() for c in (next(csv.reader([row], delimiter=delim)) if delim else row.split())]
        if len(cells) < 2 or not cells[0] or not cells[1] or _is_int(cells[0]) or _is_int(cells[1]):
            return None  # not a header line: the line parser decides
    else:
        return None
    if any(c in "\n".join(lines[:i]) for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        return None  # more line breaks for str.splitlines, which the line parser uses
    body = "\n".join(lines[i:]).rstrip("\n")
    try:
        data = body.encode("ascii")
    except UnicodeEncodeError:
        return None
    if data.translate(None, b"0123456789\n" + sep.encode()):
        return None  # signs, spaces, comments, quotes, blank cells...: not the plain layout
    chars = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero((chars == ord(sep)) | (chars == ord("\n")))  # delimiters and line ends, in order
    n_lines = (len(at) + 1) // 2
    two_cells = (len(at) % 2 == 1 and (chars[at[0::2]] == ord(sep)).all() and (chars[at[1::2]] == ord("\n")).all()
                 and at[0] > 0 and at[-1] < len(chars) - 1 and (np.diff(at) > 1).all())  # each cell: 1+ digits
    del chars, at
    if not two_cells:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            values = np.fromstring(body.replace("\n", sep), dtype=np.int64, sep=sep)
        except (ValueError, DeprecationWarning):
            return None
    if len(values) != 2 * n_lines or (len(values) and values.max() >= 2**62):
        return None  # too large an id: the line parser reports it
    return values.reshape(-1, 2)


def _is_int(s: str) -> bool:
    try:
        int(s)
        return True
    except ValueError:
        return False


# ------------------------------------------------------------------ follow graph


def build_follows(follower_counts: np.ndarray, weights: np.ndarray | None, n: int, rng: np.random.Generator,
                  columns=None) -> tuple[np.ndarray, np.ndarray]:
    """Directed follow graph in CSR form: row i lists the followers of influencer i (sorted, int32).

    Followers of influencer i are drawn without replacement with probability proportional
    to ``weights[:, columns[i]]`` (``columns`` defaults to ``i``; several influencers may
    share a column, e.g. one per category), or uniformly when ``weights`` is None.
    Weighted draws use successive sampling — draws with replacement from the column's
    cumulative weights, repeats dropped — which gives the same distribution as
    Efraimidis & Spirakis' (2006) keys at a cost of O(k log n) per influencer; an
    influencer followed by more than a quarter of the consumers uses the keys (O(n)).
    """
    cumulative: dict[int, np.ndarray] = {}
    rows = []
    for i, k in enumerate(follower_counts):
        k = int(min(max(k, 0), n))
        if k == 0:
            rows.append(np.empty(0, dtype=np.int32))
            continue
        if weights is None:
            chosen = rng.choice(n, size=k, replace=False)
        else:
            col = i if columns is None else int(columns[i])
            chosen = None
            if k <= n // 4:
                if col not in cumulative:
                    cumulative[col] = np.cumsum(np.maximum(weights[:, col], 1e-12), dtype=np.float64)
                chosen = _successive_sample(cumulative[col], k, rng)
            if chosen is None:
                keys = np.log(rng.random(n)) / np.maximum(weights[:, col], 1e-12)  # larger is likelier
                chosen = np.argpartition(-keys, k - 1)[:k]
        rows.append(np.sort(chosen).astype(np.int32))
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    indices = np.concatenate(rows) if rows else np.empty(0, dtype=np.int32)
    return indptr, indices


def _successive_sample(cumulative: np.ndarray, k: int, rng: np.random.Generator, rounds: int = 50):
    """``k`` distinct indices drawn one after another with probability proportional to the weights whose
    cumulative sum is given (None if ``rounds`` rounds of draws do not find k distinct ones)."""
    drawn = np.empty(0, dtype=np.int64)
    distinct = 0
    for _ in range(rounds):
        more = rng.random(int((k - distinct) * 1.1) + 16) * cumulative[-1]
        drawn = np.concatenate([drawn, np.searchsorted(cumulative, more, side="right")])
        np.minimum(drawn, len(cumulative) - 1, out=drawn)  # rounding at the very top
        _, first = unique(drawn, return_index=True)
        distinct = len(first)
        if distinct >= k:
            return drawn[np.sort(first)[:k]]  # the first k distinct, in the order drawn
    return None
