"""Reviews and ratings: buyers with strong experiences review more, so ratings are J-shaped."""

from __future__ import annotations

import numpy as np

from ..spec import Param
from .base import Mechanism, register


def rating_signal(counts: np.ndarray, prior: float) -> np.ndarray:
    """Shown rating per product on a -1 (1 star) .. 1 (5 stars) scale, shrunk toward 0 when few reviews.

    Args:
        counts: (P, 5) number of 1..5-star reviews per product.
        prior: reviews needed before the mean counts half.
    """
    n = counts.sum(axis=1)
    mean = (counts @ np.arange(1, 6)) / np.maximum(n, 1)
    return np.where(n > 0, (mean - 3.0) / 2.0 * n / (n + prior), 0.0)


@register
class Reviews(Mechanism):
    """A buyer reviews with probability ``review_propensity * (base_prob + (1 - base_prob) *
    |2 * satisfaction - 1| ** extremity)`` — the under-reporting of moderate experiences
    that, with purchase self-selection, makes ratings J-shaped (Hu, Pavlou & Zhang 2009).
    Stars come from satisfaction through ``star_cutoffs`` (4 increasing thresholds).
    """

    name = "reviews"
    stage = "experience"
    after = ("experience",)
    reads = ("orders", "review_propensity")
    writes = ("rating_counts",)
    help = "review writing and star ratings"
    params = {
        "base_prob": Param(0.1, "float", "review probability of a perfectly neutral experience (times propensity)",
                           "0-1", 0, 1),
        "extremity": Param(2.0, "float", "how sharply review probability rises with extreme satisfaction", "",
                           0, 10),
        "star_cutoffs": Param([0.15, 0.35, 0.55, 0.7], "floats", "satisfaction thresholds for 2, 3, 4, 5 stars",
                              "0-1", 0, 1),
    }
    metrics = {"n_reviews": "reviews written so far", "mean_rating": "mean star rating so far (0 if none)",
               **{f"n_rating_{k}": f"reviews of {k} star{'s' if k > 1 else ''} so far" for k in range(1, 6)}}

    @classmethod
    def check(cls, params: dict) -> list[tuple[str, str, str]]:
        cut = params["star_cutoffs"]
        if len(cut) != 4 or any(a >= b for a, b in zip(cut, cut[1:])):
            return [("star_cutoffs", "4 increasing numbers", str(cut))]
        return []

    def step(self, market) -> None:
        pop, p, o = market.population, self.p, market.orders
        if len(o) == 0:
            return
        s = o.satisfaction
        prob = pop.review_propensity[o.consumers] * (p.base_prob + (1 - p.base_prob)
                                                     * np.abs(2 * s - 1) ** p.extremity)
        writes = self.uniforms(market, o.consumers) < prob  # the buyer's own draw of the day
        stars = 1 + np.searchsorted(np.asarray(p.star_cutoffs, dtype=np.float32), s[writes], side="right")
        np.add.at(market.rating_counts, (o.products[writes], stars - 1), 1)

    def report(self, market) -> dict[str, tuple]:
        per_brand = np.zeros((len(market.brands), 5))
        np.add.at(per_brand, market.product_brand, market.rating_counts)
        n = per_brand.sum(axis=1)
        stars = np.arange(1, 6)
        mean = np.where(n > 0, per_brand @ stars / np.maximum(n, 1), 0.0)
        total = per_brand.sum(axis=0)
        out = {"n_reviews": (n, n.sum()),
               "mean_rating": (mean, total @ stars / total.sum() if total.sum() else 0.0)}
        for k in range(5):
            out[f"n_rating_{k + 1}"] = (per_brand[:, k], total[k])
        return out
