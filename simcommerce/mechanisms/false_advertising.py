"""False advertising: a regulator (or the platform) detects claims above true quality, fines the
brand in proportion to its advertising cost, and the news hits trust in the brand."""

from __future__ import annotations

import numpy as np

from ..spec import Param
from .base import Mechanism, register


@register
class FalseAdvertising(Mechanism):
    """Detection and punishment of a claimed-vs-true quality gap (off by default).

    **Gap.** A brand's gap is ``g = max over its products of (claimed_quality − quality)`` (0-1);
    claims up to ``tolerance`` above the truth are tolerated (puffery).

    **Detection.** Each day a brand with ``g > tolerance`` is detected with probability
    ``min(1, detection_rate × (g − tolerance))`` (one draw per brand and day from the
    mechanism's stream). A detected brand:

    * pays a fine of ``fine_multiple`` × its advertising cost since its last detection (ad spend +
      influencer fees, currency units) to the regulator (ledger flow ``fines``, money leaving the
      market; China's Advertising Law Art. 55: 3–5 × the advertising cost);
    * makes the news: a share ``news_reach`` of consumers hears it the same day and loses the
      share ``news_severity`` of their trust in the brand; the news then spreads friend to friend
      and scars trust and beliefs exactly like a ``quality_scandal`` (the ``trust`` mechanism's
      news machinery; without ``trust`` there is no news shock);
    * if ``correct_claims``, must stop the false claims: its products' claimed quality is set to
      their true quality from the next day (ads, posts and live streams then tell the truth).

    Runs in the trust stage just before ``trust`` (which spreads the news from the next day).
    """

    name = "false_advertising"
    stage = "trust"
    before = ("trust",)
    reads = ("announce_news",)
    enabled_by_default = False
    help = "a regulator detects claims above true quality: fine on ad spend, news shock to trust"
    params = {
        "tolerance": Param(0.1, "float", "claimed − true quality gap tolerated without sanction (puffery)", "0-1",
                           0, 1),
        "detection_rate": Param(0.02, "float", "daily detection probability per unit of gap above tolerance",
                                "1/day", 0, 1000),
        "fine_multiple": Param(3.0, "float", "fine as a multiple of the advertising cost (ads + influencer fees) "
                               "since the last detection", "×", 0, 100),
        "news_severity": Param(0.3, "float", "share of trust in the brand lost by those who hear first-hand",
                               "0-1", 0, 1),
        "news_reach": Param(0.3, "float", "share of consumers who hear of the sanction on the day", "0-1", 0, 1),
        "correct_claims": Param(True, "bool", "a detected brand must bring its claims down to true quality"),
    }
    metrics = {
        "new_false_ad_detections": "false-advertising sanctions (detections) of the brand",
        "new_fines": "fines paid to the regulator for false advertising (currency units)",
        "claim_gap": "largest claimed − true quality gap among the brand's products, 0-1 (market: largest)",
    }

    def setup(self, market) -> None:
        self.spend_mark = np.zeros(len(market.brands))  # advertising cost at the last detection

    def gaps(self, market) -> np.ndarray:
        """Per brand: the largest claimed − true quality gap among its products (0 if none)."""
        gap = np.zeros(len(market.brands))
        np.maximum.at(gap, market.product_brand, market.product_claimed - market.product_quality)
        return gap

    def step(self, market) -> None:
        p, ledger = self.p, market.ledger
        excess = np.maximum(self.gaps(market) - p.tolerance, 0.0)
        detected = (self.rng.random(len(excess)) < np.minimum(1.0, p.detection_rate * excess)) & (excess > 0)
        for b in np.flatnonzero(detected):
            spend = ledger.brand["ad_spend"][b] + ledger.brand["influencer_fees"][b]
            fine = p.fine_multiple * (spend - self.spend_mark[b])
            self.spend_mark[b] = spend
            ledger.fine(int(b), fine)
            market.tally("new_false_ad_detections", np.array([b]))
            market.tally("new_fines", np.array([b]), np.array([fine]))
            if market.announce_news is not None and p.news_severity > 0:
                hear = self.uniforms(market, np.arange(market.population.n), int(b)) < p.news_reach
                market.announce_news(market, int(b), p.news_severity, hear)
            if p.correct_claims:
                for product in market.brands[b].products:
                    product.claimed_quality = min(product.claimed_quality, product.quality)
                    market.product_claimed[product.index] = product.claimed_quality

    def report(self, market) -> dict[str, tuple]:
        gap = self.gaps(market)
        return {"claim_gap": (gap, float(gap.max()) if len(gap) else 0.0)}
