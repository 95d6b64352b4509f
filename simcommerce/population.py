"""Consumers as a struct of arrays: one slot per consumer, indexed by integer id.

Per-consumer state lives in numpy arrays (dtype chosen per array); per consumer ×
product state is a dense (N, P) array, P being small (products of all brands).
Mechanisms add their own arrays with :meth:`Population.add`.
"""

from __future__ import annotations

import numpy as np

NEVER = np.iinfo(np.int32).min // 2  # "day" of something that never happened


def beta_with_mean(rng: np.random.Generator, mean: float, concentration: float, size) -> np.ndarray:
    """Beta draws with the given mean (0-1) and concentration a+b (a constant at mean 0 or 1)."""
    if mean <= 0.0 or mean >= 1.0:
        return np.full(size, float(np.clip(mean, 0, 1)), dtype=np.float32)
    mean = float(np.clip(mean, 1e-4, 1 - 1e-4))
    return rng.beta(mean * concentration, (1 - mean) * concentration, size).astype(np.float32)


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
        referrer (N, P) int32: the friend whose referral link for the product was received last (-1: none);
        referral_day (N, P) int32: the day it was received.
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
        pop.referrer = np.full((n, n_products), -1, dtype=np.int32)
        pop.referral_day = np.zeros((n, n_products), dtype=np.int32)
        pop.spent = np.zeros(n, dtype=np.float64)
        pop.refunded = np.zeros(n, dtype=np.float64)
        pop.earned = np.zeros(n, dtype=np.float64)
        return pop

    def add(self, name: str, array: np.ndarray) -> np.ndarray:
        """Attach a mechanism's array (first dimension N) and return it."""
        assert array.shape[0] == self.n, f"{name}: first dimension must be {self.n}"
        assert not hasattr(self, name), f"population array {name} exists already"
        setattr(self, name, array)
        return array
