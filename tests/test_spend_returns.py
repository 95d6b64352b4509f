"""Equal-budget comparisons (#18 item 2): whether policies spent comparable amounts and what each extra unit
of spend bought, on constructed runs tables whose answer is known."""

import numpy as np
import pandas as pd

from simcommerce.compare import budget_sentence
from simcommerce.stats import spend_returns


def _runs(seed: int, n: int = 8) -> pd.DataFrame:
    """ref spends ~1000; same spends ~1030 (within 10%); more spends 500 more and earns 2 per extra unit (plus
    noise); flat spends 500 more and earns nothing extra."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(n):
        base_p, base_s = 5000 + rng.normal(0, 300), 1000 + rng.normal(0, 20)
        extra = 500 + rng.normal(0, 50)
        for pol, ds, dp in (("ref", 0, 0), ("same", 30, rng.normal(0, 50)), ("more", extra, 2 * extra + rng.normal(0, 40)),
                            ("flat", extra, rng.normal(0, 40))):
            rows.append({"policy": pol, "point": 0, "replication": r, "seed": r, "profit": base_p + dp,
                         "cum_marketing_spend": base_s + ds})
    return pd.DataFrame(rows)


def test_comparable_spend_and_return_per_extra_unit_over_replications():
    covered = 0
    for seed in range(5):  # several replications of the whole table
        t = spend_returns(_runs(seed), "ref").set_index("policy")
        assert bool(t.loc["same", "comparable"]) and not t.loc["more", "comparable"]
        assert 0.4 < t.loc["more", "extra_spend_share"] < 0.6
        lo, hi = t.loc["more", ["profit_per_extra_spend_low", "profit_per_extra_spend_high"]]
        covered += lo <= 2.0 <= hi
        assert 1.7 < t.loc["more", "profit_per_extra_spend"] < 2.3
        flo, fhi = t.loc["flat", ["profit_per_extra_spend_low", "profit_per_extra_spend_high"]]
        assert flo < 0.3 and fhi > -0.3 and fhi < 1.0  # about nothing per extra unit, and clearly below 2
        assert np.isnan(t.loc["same", "profit_per_extra_spend"]) or t.loc["same", "extra_spend_low"] > 0
    assert covered >= 4


def test_sentence_says_which_spent_alike_and_what_extra_spend_bought():
    t = spend_returns(_runs(0), "ref")
    text = budget_sentence(t, "ref", "¥")
    assert "same spent within 10% of ref" in text
    assert "more spent +¥" in text and "each extra ¥1 of spend returned +¥" in text and "95% CI" in text
    assert "flat spent +¥" in text
