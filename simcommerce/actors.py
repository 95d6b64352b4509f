"""Influencers and brands (Mesa agents) and their products."""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np


@dataclass
class Product:
    """A product; ``index`` is its column in the consumers' (N, P) arrays."""

    index: int
    brand: int
    name: str
    category: int
    price: float
    cost: float
    quality: float
    claimed_quality: float


class Brand(mesa.Agent):
    """A brand: its products, its marketing policy (the strategist's levers) and budget.

    Attributes:
        index: position among brands (column of the consumers' trust arrays).
        policy: ``{mechanism: {lever: value}}`` from the scenario.
        marketing_budget: total marketing budget over the run (None: unlimited): ads, influencer posts, live
            slot fees and commission, referral commissions, fake reviews and every discount.
        marketing_spent: all of that spent so far (currency units; the ledger's marketing spend).
    """

    def __init__(self, model, index: int, cfg: dict, products: list[Product]):
        super().__init__(model)
        self.index = index
        self.name: str = cfg["name"]
        self.products = products
        self.product_ids = np.array([p.index for p in products], dtype=np.int64)
        self.policy: dict = cfg["policy"]
        self.marketing_budget: float | None = cfg["marketing_budget"]

    @property
    def marketing_spent(self) -> float:
        """Marketing spend so far (currency units): the ledger's, every channel."""
        return float(self.model.ledger.marketing_spend()[self.index])

    def affordable(self, amount: float) -> bool:
        """Whether ``amount`` of marketing spend fits in the remaining budget."""
        return self.marketing_budget is None or self.marketing_spent + amount <= self.marketing_budget + 1e-9


class Influencer(mesa.Agent):
    """An influencer with followers (a row of the follow graph).

    Attributes:
        tier: nano, micro, macro or mega.
        category: index of the content category.
        credibility: 0-1, how much followers believe the influencer's claims.
        fee_per_post: what a brand pays per sponsored post (currency units).
        earnings: fees received so far (currency units).
    """

    def __init__(self, model, index: int, name: str, tier: str, category: int, credibility: float):
        super().__init__(model)
        self.index = index
        self.name = name
        self.tier = tier
        self.category = category
        self.credibility = credibility
        self.fee_per_post = 0.0
        self.earnings = 0.0
        self.sponsors: list[int] = []

    @property
    def followers(self) -> np.ndarray:
        f = self.model.follows
        return f.indices[f.indptr[self.index]:f.indptr[self.index + 1]]
