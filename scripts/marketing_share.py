"""What marketing costs: for every shipped scenario and brand, revenue, marketing spend by channel and
spend / revenue, averaged over a few seeds.

Usage: python scripts/marketing_share.py [SEEDS] [SCALE] [FILES...]
  SEEDS: replications (seeds 1..SEEDS; default 3).
  SCALE: population scale factor (default 1: as shipped). With SCALE < 1 the population shrinks and
         every brand's marketing shrinks in proportion (see ``scaled_overrides``), so the share stays
         comparable while the run is faster.
  FILES: scenario files (default: scenarios/*.yaml and benchmarks/all_mechanisms.yaml).

Revenue is what consumers paid (list-price revenue − discounts). Marketing spend (currency units):
  ads          ad impressions bought (platform.ad_cost_per_mille)
  posts        sponsored influencer posts (influencers.fee_per_1k_followers)
  live         live-stream slot fees and the hosts' commission on session sales
  referral     commissions paid to promoting consumers
  fake_reviews fake reviews bought from a review farm
The target band is 5-15% of revenue (Gartner CMO Spend Survey: 7.7% in 2024, 9.1% in 2023, ~11% before 2020).
"""

from __future__ import annotations

import glob
import sys

import numpy as np

from simcommerce import Market, load_scenario

CHANNELS = ("ads", "posts", "live", "referral", "fake_reviews")
SHIPPED = sorted(glob.glob("scenarios/*.yaml")) + ["benchmarks/all_mechanisms.yaml"]


def scaled_overrides(path: str, scale: float) -> dict:
    """Overrides that shrink a scenario's population by ``scale`` and each brand's fixed-size marketing
    (ad impressions a day, live-stream slot fees) with it; follower counts, and so post fees, already
    scale with the population."""
    if scale == 1:
        return {}
    sc = load_scenario(path)
    ov = {"population.consumers": int(round(sc["population"]["consumers"] * scale))}
    for b in sc["brands"]:
        pol = b["policy"]
        if pol["ads"]["impressions_per_day"]:
            ov[f"brands.{b['name']}.policy.ads.impressions_per_day"] = int(round(pol["ads"]["impressions_per_day"]
                                                                                 * scale))
        if "livestream" in pol and pol["livestream"].get("slot_fee"):
            ov[f"brands.{b['name']}.policy.livestream.slot_fee"] = pol["livestream"]["slot_fee"] * scale
    return ov


def brand_money(market: Market) -> dict[str, np.ndarray]:
    """Per brand: revenue (what consumers paid) and marketing spend by channel, from the ledger."""
    f = market.ledger.brand
    live = next((m for m in market.mechanisms if m.name == "livestream"), None)
    live_pay = np.zeros(len(market.brands)) if live is None else live.cum["fees"].copy()  # slot fees + commission
    return {"revenue": f["revenue"] - f["discounts"], "ads": f["ad_spend"].copy(),
            "posts": f["influencer_fees"] - live_pay, "live": live_pay, "referral": f["commissions"].copy(),
            "fake_reviews": f["fake_review_spend"].copy()}


def shares(path: str, seeds: int = 3, scale: float = 1.0, overrides: dict | None = None) -> dict[str, dict]:
    """Brand name -> mean revenue, mean spend per channel, and spend / revenue per seed (``share``)."""
    sc = load_scenario(path, overrides={**scaled_overrides(path, scale), **(overrides or {})})
    runs = []
    for s in range(1, seeds + 1):
        m = Market(sc, seed=s)
        m.run()
        runs.append(brand_money(m))
    out = {}
    for i, b in enumerate(sc["brands"]):
        rev = np.array([r["revenue"][i] for r in runs])
        spend = np.array([sum(r[c][i] for c in CHANNELS) for r in runs])
        out[b["name"]] = {"revenue": rev.mean(), **{c: np.mean([r[c][i] for r in runs]) for c in CHANNELS},
                          "share": np.divide(spend, rev, out=np.full(len(rev), np.inf), where=rev > 0)}
    return out


def main(seeds: int = 3, scale: float = 1.0, files: list[str] | None = None) -> None:
    print(f"{'scenario':28s} {'brand':10s} {'revenue':>10s} " + " ".join(f"{c:>11s}" for c in CHANNELS)
          + "   spend/revenue")
    for path in files or SHIPPED:
        for brand, row in shares(path, seeds, scale).items():
            sh = row["share"]
            print(f"{path.split('/')[-1][:-5]:28s} {brand:10s} {row['revenue']:10.0f} "
                  + " ".join(f"{row[c]:11.0f}" for c in CHANNELS)
                  + f"   {sh.mean():6.1%} (min {sh.min():.1%}, max {sh.max():.1%})", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 3, float(args[1]) if len(args) > 1 else 1.0, args[2:] or None)
