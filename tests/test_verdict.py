"""The verdict's sentences, from constructed comparison tables (no simulation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simcommerce.stats import summarise
from simcommerce.verdict import MINUS, money, signed, verdict


def row(policy, metric, ref_mean, diff, lo, hi, n=5, reference="base"):
    """One summarise() row: the paired difference ``diff`` (CI lo..hi) vs a reference whose mean is ref_mean."""
    is_ref = policy == reference
    scale = abs(ref_mean) if ref_mean else np.nan
    return {"policy": policy, "metric": metric, "n": n, "mean": ref_mean + (0 if is_ref else diff),
            "reference": reference, "n_pairs": n, "diff_mean": 0.0 if is_ref else diff,
            "diff_ci_low": np.nan if is_ref else lo, "diff_ci_high": np.nan if is_ref else hi,
            "rel_diff": (0.0 if is_ref else diff) / scale, "rel_ci_low": (np.nan if is_ref else lo) / scale,
            "rel_ci_high": (np.nan if is_ref else hi) / scale}


def table(effects: dict, n: int = 5) -> pd.DataFrame:
    """``{policy: {metric: (diff, lo, hi)}}`` against a reference with 1,000 orders, ¥100,000 profit and ¥2,000
    of marketing spend."""
    ref = {"cum_orders": 1000.0, "profit": 100_000.0, "cum_marketing_spend": 2000.0}
    rows = [row("base", m, v, 0, 0, 0, n) for m, v in ref.items()]
    for pol, eff in effects.items():
        rows += [row(pol, m, ref[m], *eff.get(m, (0.0, -1.0, 1.0)), n=n) for m in ref]
    return pd.DataFrame(rows)


SERUM = {
    "live": {"cum_orders": (43, 21, 65), "profit": (-11_600, -13_300, -9_900), "cum_marketing_spend": (30_000, 29_000,
                                                                                                        31_000)},
    "referral_10": {"cum_orders": (5, -10, 20), "profit": (-800, -2_000, 400), "cum_marketing_spend": (900, 700,
                                                                                                       1_100)},
    "macro": {"cum_orders": (2, -6, 10), "profit": (-30, -500, 440), "cum_marketing_spend": (40, 30, 50)},
}


def test_the_issues_example_in_words_and_numbers():
    v = verdict(table(SERUM), currency="¥", drivers={"live": "live slot fees"},
                labels={"live": "Live stream", "referral_10": "Referral 10%", "macro": "macro influencer"})
    assert v.findings == [
        f"Live stream: +4.3% orders (95% CI +2.1 to +6.5%) but {MINUS}11.6% profit ({MINUS}13.3 to {MINUS}9.9%): "
        "it costs more than it brings at this spend on live slot fees.",
        "Referral 10% and macro influencer: no difference detectable with 5 replications.",
    ]
    assert v.recommendation == ("Recommendation: keep base: no policy earns the brand detectably more profit with "
                                "5 replications; smaller differences than the intervals may exist.")
    assert v.caveats[0] == "Based on 5 replications per policy, paired by seed (replication r of every policy " \
                           "shares seed r)."
    assert not any("wide" in c for c in v.caveats)  # 5 replications: no few-runs note
    assert "95% confidence interval" in v.legend and "includes 0" in v.legend
    assert v.text.startswith("Live stream: +4.3% orders") and v.recommendation in v.text


def test_a_profitable_policy_is_recommended_with_what_its_extra_spend_bought():
    v = verdict(table({"group": {"cum_orders": (120, 80, 160), "profit": (6_000, 2_500, 9_500),
                                 "cum_marketing_spend": (4_000, 3_800, 4_200)},
                       "live": SERUM["live"]}), currency="¥")
    assert v.findings[0] == ("group: +12.0% orders (95% CI +8.0 to +16.0%) and +6.0% profit (+2.5 to +9.5%): "
                             "it earns more than it costs.")
    assert v.findings[1].startswith("live: +4.3% orders (+2.1 to +6.5%) but")   # "95% CI" spelled out once
    assert v.recommendation == ("Recommendation: group. It adds +¥6,000 profit (+¥2,500 to +¥9,500) over base for "
                                "¥4,000 more marketing spend: each extra ¥1 of spend returned ¥1.50 of extra profit.")


def test_one_sided_effects_and_words_for_the_currency():
    v = verdict(table({"price_up": {"cum_orders": (-50, -80, -20), "profit": (3_000, 1_000, 5_000)},
                       "ads": {"cum_orders": (30, 10, 50), "profit": (-900, -2_000, 200)},
                       "posts": {"profit": (-4_000, -6_000, -2_000)}}))
    assert v.findings == [
        f"price_up: {MINUS}5.0% orders (95% CI {MINUS}8.0 to {MINUS}2.0%) but +3.0% profit (+1.0 to +5.0%): it earns "
        "more than it costs.",
        f"ads: +3.0% orders (+1.0 to +5.0%), with no detectable change in profit ({MINUS}0.9% profit ({MINUS}2.0 to "
        "+0.2%)).",
        f"posts: {MINUS}4.0% profit ({MINUS}6.0 to {MINUS}2.0%), with no detectable change in orders: it costs more "
        "than it brings.",
    ]
    assert v.recommendation.startswith("Recommendation: price_up. It adds +3,000 currency units profit")


def test_too_few_runs_to_tell():
    one = table(SERUM, n=1)
    one.loc[one["policy"] != "base", ["diff_ci_low", "diff_ci_high", "rel_ci_low", "rel_ci_high"]] = np.nan
    v = verdict(one, currency="¥")
    assert v.findings == ["live, referral_10 and macro: too few runs to tell (1 replication: no interval)."]
    assert v.recommendation == "Recommendation: none yet — run at least 3 replications per policy (better 5–10)."
    assert "Too few runs to tell: one replication gives no interval; run at least 3." in v.caveats
    three = verdict(table(SERUM, n=3), currency="¥")
    assert any("fewer than 5 replications the intervals are wide" in c for c in three.caveats)


def test_every_alternative_worse_and_a_reference_without_orders():
    v = verdict(table({"live": SERUM["live"]}))
    assert v.recommendation == "Recommendation: keep base: every alternative earns the brand less profit."
    rows = [row("base", "cum_orders", 0.0, 0, 0, 0), row("base", "profit", 0.0, 0, 0, 0),
            row("seed", "cum_orders", 0.0, 12, 4, 20), row("seed", "profit", 0.0, -150, -300, -20)]
    v = verdict(pd.DataFrame(rows), currency="¥")
    assert v.findings == [f"seed: +12 orders (95% CI +4 to +20) but {MINUS}¥150 profit ({MINUS}¥300 to {MINUS}¥20): "
                          "it costs more than it brings."]


def test_number_formats():
    assert signed(4.321) == "+4.3" and signed(-11.62, unit="%") == f"{MINUS}11.6%" and signed(0.04) == "0"
    assert money(12345.6, "¥") == "¥12,346" and money(-3.5, "¥", sign=True) == f"{MINUS}¥3.50"
    assert money(2000, "currency units") == "2,000 currency units"


def test_from_summarise_on_paired_runs():
    """The verdict reads summarise()'s table: pairs by replication, relative to the reference's mean."""
    rng = np.random.default_rng(3)
    base_orders = 1000 + rng.normal(0, 50, 6)
    base_profit = 50_000 + rng.normal(0, 5_000, 6)
    runs = pd.DataFrame({"policy": ["base"] * 6 + ["live"] * 6, "replication": list(range(6)) * 2,
                         "seed": list(range(6)) * 2,
                         "cum_orders": np.concatenate([base_orders, base_orders * 1.05 + rng.normal(0, 2, 6)]),
                         "profit": np.concatenate([base_profit, base_profit - 6_000 + rng.normal(0, 300, 6)])})
    s = summarise(runs, ["cum_orders", "profit"], "base")
    o = s[(s["policy"] == "live") & (s["metric"] == "cum_orders")].iloc[0]
    assert o["rel_ci_low"] == pytest.approx(o["diff_ci_low"] / base_orders.mean())
    v = verdict(s, currency="¥")
    assert len(v.findings) == 1
    assert v.findings[0].startswith(f"live: {signed(100 * o['rel_diff'], unit='%')} orders (95% CI ")
    assert v.findings[0].endswith("%): it costs more than it brings.") and " but " + MINUS in v.findings[0]
    assert "Based on 6 replications" in v.caveats[0]
