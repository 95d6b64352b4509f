"""The robustness table: win shares and regrets across the points of an experiment's uncertainties."""

from __future__ import annotations

import pandas as pd
import pytest

from simcommerce.robustness import robustness, sentence


def runs(means: dict[str, list[float]], reps: int = 2) -> pd.DataFrame:
    """Runs whose mean per (point, policy) is ``means[policy][point]`` (replications at mean -1 and +1)."""
    return pd.DataFrame([{"policy": pol, "point": k, "replication": r, "profit": m + (2 * r - 1)}
                         for pol, ms in means.items() for k, m in enumerate(ms) for r in range(reps)])


def test_win_shares_and_regrets_by_hand():
    t = robustness(runs({"a": [10, 20, 30, 40], "b": [12, 18, 35, 41], "c": [0, 0, 0, 0]}))
    assert list(t.index) == ["b", "a", "c"]  # b wins 3 of 4 points
    assert t.loc["b", "win_share"] == 0.75 and t.loc["a", "win_share"] == 0.25 and t.loc["c", "win_share"] == 0
    assert t.loc["b", "max_regret"] == 2 and t.loc["b", "mean_regret"] == 0.5   # at point 1: 20 - 18
    assert t.loc["a", "max_regret"] == 5 and t.loc["a", "mean_regret"] == pytest.approx((2 + 0 + 5 + 1) / 4)
    assert t.loc["c", "max_regret"] == 41 and (t["points"] == 4).all()
    assert t["win_share"].sum() == pytest.approx(1.0)
    text = sentence(t, lambda x: f"¥{x:,.0f}")
    assert text.startswith("b is the best at 3 of 4 settings") and "at most ¥2" in text and "depends" in text


def test_a_ranking_that_holds_and_a_single_point():
    t = robustness(runs({"a": [1, 2, 3], "b": [5, 6, 7]}))
    assert t.index[0] == "b" and t.loc["b", "win_share"] == 1 and t.loc["b", "max_regret"] == 0
    assert "every one of the 3 settings" in sentence(t, str)
    one = robustness(runs({"a": [1], "b": [2]}).drop(columns="point"))
    assert one.loc["b", "points"] == 1 and "one setting" in sentence(one, str)
    with pytest.raises(ValueError, match="every policy"):
        robustness(pd.DataFrame({"policy": ["a", "b"], "point": [0, 1], "profit": [1.0, 2.0]}))
