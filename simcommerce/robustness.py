"""How robust is the ranking of policies? Across the points of an experiment's uncertainties (or sweep):
which policy earns the brand the most at each point, how often each wins, and what it gives up where it
does not (regret).

At each point (one setting of the uncertain parameters) the policies are compared by their mean over the
replications, all on the same seeds (common random numbers). A policy's *regret* at a point is the best
policy's mean there minus its own (0 where it is the best); its *win share* is the share of points where it
is the best. A policy that wins most points with a small largest regret is a robust choice; a ranking that
flips across the points says the answer depends on what is not known.
"""

from __future__ import annotations

import pandas as pd

from .i18n import t


def robustness(runs: pd.DataFrame, metric: str = "profit") -> pd.DataFrame:
    """Per policy (rows, best first): ``win_share`` (0-1), ``mean_regret`` and ``max_regret`` (the metric's
    units, >= 0), ``mean`` (over the points) and ``points``.

    Args:
        runs: one row per run with ``policy``, ``point`` and ``metric`` (e.g. :func:`simcommerce.compare.
            brand_runs`); a run without ``point`` is point 0.
    """
    runs = runs if "point" in runs.columns else runs.assign(point=0)
    means = runs.groupby(["point", "policy"], sort=False)[metric].mean().unstack("policy")
    means = means[list(dict.fromkeys(runs["policy"]))].dropna()  # points every policy was run at, in policy order
    if means.empty:
        raise ValueError("no point at which every policy has a run")
    best = means.max(axis=1)
    regret = means.rsub(best, axis=0)
    winner = means.idxmax(axis=1)  # a tie goes to the first policy
    out = pd.DataFrame({"win_share": winner.value_counts(normalize=True).reindex(means.columns, fill_value=0.0),
                        "mean_regret": regret.mean(), "max_regret": regret.max(), "mean": means.mean()})
    out["points"] = len(means)
    out.index.name = "policy"
    return out.sort_values(["win_share", "mean"], ascending=False)


def sentence(table: pd.DataFrame, money, lang: str = "en") -> str:
    """The table in words (in ``lang``): the most robust policy, how often it wins, its largest regret; whether
    the ranking holds. ``money(x)`` formats an amount of the metric."""
    top = table.index[0]
    row = table.iloc[0]
    n = int(row["points"])
    wins = int(round(row["win_share"] * n))
    if n == 1:
        return t("{top} is the best at the one setting run: mark parameters as uncertain to see if that holds.",
                 lang, top=top)
    if wins == n:
        return t("{top} is the best at every one of the {n} settings of the uncertain parameters: the ranking holds "
                 "across them.", lang, top=top, n=n)
    return t("{top} is the best at {wins} of {n} settings of the uncertain parameters; where it is not, it gives up "
             "at most {worst} (on average {mean}). The ranking depends on what is not known.", lang, top=top,
             wins=wins, n=n, worst=money(row["max_regret"]), mean=money(row["mean_regret"]))


def win_figure(table: pd.DataFrame, metric_label: str, lang: str = "en"):
    """Win share (bars) and largest regret (markers, second axis) per policy."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=list(table.index), y=table["win_share"], name=t("win share", lang),
                           marker={"color": "#243b55"}))
    fig.add_trace(go.Scatter(x=list(table.index), y=table["max_regret"], mode="markers", name=t("largest regret", lang),
                             yaxis="y2", marker={"size": 12, "symbol": "diamond", "color": "#b00020"}))
    fig.update_layout(title=t("How robust: share of uncertain settings where each policy is best ({m})", lang,
                              m=metric_label),
                      yaxis={"title": t("win share (0–1)", lang), "range": [0, 1]},
                      yaxis2={"title": t("largest regret ({m})", lang, m=metric_label), "overlaying": "y",
                              "side": "right", "rangemode": "tozero"}, legend={"orientation": "h"})
    return fig
