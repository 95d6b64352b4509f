"""Consumers as a struct of arrays: one slot per consumer, indexed by integer id.

Per-consumer state lives in numpy arrays, the dtype chosen per array: bool flags,
int16/int32 counts, days and ids, float32 for propensities, trust and beliefs (0-1,
far coarser than float32's 1e-7 steps), float64 only for money (so the books balance
to the cent). Per consumer × product state is a dense (N, P) array when most consumers
have a value (awareness, belief, purchases: a few bytes each, P small), and a
:class:`SparseCells` when few do (referral links). Mechanisms add their own arrays
with :meth:`Population.add`.
"""

from __future__ import annotations

import numpy as np

from .unique import unique

NEVER = np.iinfo(np.int32).min // 2  # "day" of something that never happened


def beta_with_mean(rng: np.random.Generator, mean: float, concentration: float, size) -> np.ndarray:
    """Beta draws with the given mean (0-1) and concentration a+b (a constant at mean 0 or 1)."""
    if mean <= 0.0 or mean >= 1.0:
        return np.full(size, float(np.clip(mean, 0, 1)), dtype=np.float32)
    mean = float(np.clip(mean, 1e-4, 1 - 1e-4))
    return rng.beta(mean * concentration, (1 - mean) * concentration, size).astype(np.float32)


class SparseCells:
    """An (N, K) integer array that is ``default`` almost everywhere, stored as the sorted flat indices
    and values of the other cells (memory: the cells set, not N × K).

    Reads and writes take ``a[rows, cols]`` with integer arrays or scalars, broadcast together
    as numpy's fancy indexing does; a cell written twice in one assignment keeps the last value;
    writing ``default`` frees the cell.
    """

    def __init__(self, shape: tuple[int, int], default: int, dtype=np.int32):
        self.shape = shape
        self.default = default
        self.dtype = np.dtype(dtype)
        self.keys = np.empty(0, dtype=np.int64)  # row * K + col, sorted
        self.values = np.empty(0, dtype=self.dtype)

    def __len__(self) -> int:
        return self.shape[0]

    def _flat(self, index) -> np.ndarray:
        rows, cols = index
        rows, cols = np.broadcast_arrays(np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))
        return rows * self.shape[1] + cols

    def _find(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in ``keys`` where ``flat`` is or would go, and whether it is there."""
        pos = np.searchsorted(self.keys, flat)
        found = np.zeros(flat.shape, dtype=bool)
        inside = pos < len(self.keys)
        found[inside] = self.keys[pos[inside]] == flat[inside]
        return pos, found

    def __getitem__(self, index):
        flat = self._flat(index)
        pos, found = self._find(flat)
        out = np.full(flat.shape, self.default, dtype=self.dtype)
        out[found] = self.values[pos[found]]
        return out[()] if out.ndim == 0 else out

    def __setitem__(self, index, value) -> None:
        flat = self._flat(index)
        value = np.broadcast_to(np.asarray(value, dtype=self.dtype), flat.shape).ravel()
        flat = flat.ravel()
        flat, last = unique(flat[::-1], return_index=True)  # the last write to a cell wins
        value = value[::-1][last]
        pos, found = self._find(flat)
        self.values[pos[found]] = value[found]
        new = ~found & (value != self.default)
        self.keys = np.insert(self.keys, pos[new], flat[new])
        self.values = np.insert(self.values, pos[new], value[new])
        if np.any(value[found] == self.default):
            keep = self.values != self.default
            self.keys, self.values = self.keys[keep], self.values[keep]


class Population:
    """The consumers' state.

    Attributes (N consumers, C categories, B brands, P products):
        interest (N, C) float32 0-1: interest in each category.
        price_sensitivity (N,) float32 > 0, mean 1: multiplies the price term of utility.
        share_propensity, review_propensity (N,) float32 0-1.
        trust_brand (N, B) float32 0-1; trust_baseline (N, B): the level trust recovers to.
        trust_platform (N,) float32 0-1; trust_platform_initial (N,): its value at the start.
        opt_out (N,) bool: refuses ad targeting.
        review_trust (N,) float32 0-1: how much the consumer believes ratings (scales their weight in choice).
        aware (N, P) bool; belief (N, P) float32 0-1: expected quality of each product.
        bought (N, P) bool: has ever bought the product; orders_by_brand (N, B) int32: orders placed.
        last_purchase_day, last_exposed_day (N, C) int32 (day, or NEVER).
        referrer (N, P) int32 :class:`SparseCells`: the friend whose referral link for the product was received
        last (-1: none); referral_day (N, P) int32 SparseCells: the day it was received (few consumers
        ever receive a link, so only theirs are stored).
        spent, refunded, earned (N,) float64: money paid, refunded and earned (commissions).
    """

    def __init__(self, n: int, n_categories: int, n_brands: int, n_products: int):
        self.n = n
        self.n_categories, self.n_brands, self.n_products = n_categories, n_brands, n_products

    @classmethod
    def generate(cls, cfg: dict, initial_trust: list[float], n_categories: int, n_products: int,
                 rng: np.random.Generator) -> "Population":
        """Draw a population from the ``population`` section and the brands' initial trust."""
        n, n_brands = cfg["consumers"], len(initial_trust)
        pop = cls(n, n_categories, n_brands, n_products)
        pop.interest = beta_with_mean(rng, cfg["mean_interest"], cfg["interest_concentration"], (n, n_categories))
        sd = cfg["price_sensitivity_sd"]
        pop.price_sensitivity = np.exp(rng.normal(-sd * sd / 2, sd, n)).astype(np.float32)
        pop.share_propensity = beta_with_mean(rng, cfg["share_propensity"], 4.0, n)
        pop.review_propensity = beta_with_mean(rng, cfg["review_propensity"], 4.0, n)
        pop.trust_brand = np.stack([beta_with_mean(rng, t, 10.0, n) for t in initial_trust], axis=1)
        pop.trust_baseline = pop.trust_brand.copy()
        pop.trust_platform = beta_with_mean(rng, cfg["initial_platform_trust"], 10.0, n)
        pop.trust_platform_initial = pop.trust_platform.copy()
        pop.opt_out = rng.random(n) < cfg["opt_out_share"]
        pop.review_trust = np.ones(n, dtype=np.float32)
        pop.aware = np.zeros((n, n_products), dtype=bool)
        pop.belief = np.full((n, n_products), 0.5, dtype=np.float32)
        pop.bought = np.zeros((n, n_products), dtype=bool)
        pop.orders_by_brand = np.zeros((n, n_brands), dtype=np.int32)
        pop.last_purchase_day = np.full((n, n_categories), NEVER, dtype=np.int32)
        pop.last_exposed_day = np.full((n, n_categories), NEVER, dtype=np.int32)
        pop.referrer = SparseCells((n, n_products), -1, np.int32)
        pop.referral_day = SparseCells((n, n_products), 0, np.int32)
        pop.spent = np.zeros(n, dtype=np.float64)
        pop.refunded = np.zeros(n, dtype=np.float64)
        pop.earned = np.zeros(n, dtype=np.float64)
        return pop

    def consumer(self, i: int) -> dict:
        """Consumer ``i``'s state: every per-consumer array's row ``i`` (scalars, or arrays over brands,
        products or categories), by array name."""
        if not 0 <= i < self.n:
            raise IndexError(f"consumer {i} of {self.n}")
        out = {}
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray) and value.shape[:1] == (self.n,):
                row = value[i]
                out[name] = row.item() if np.ndim(row) == 0 else row.copy()
            elif isinstance(value, SparseCells) and value.shape[0] == self.n:
                out[name] = value[i, np.arange(value.shape[1])]
        return out

    def add(self, name: str, array: np.ndarray) -> np.ndarray:
        """Attach a mechanism's array (first dimension N) and return it."""
        assert array.shape[0] == self.n, f"{name}: first dimension must be {self.n}"
        assert not hasattr(self, name), f"population array {name} exists already"
        setattr(self, name, array)
        return array
