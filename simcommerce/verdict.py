"""The verdict: what a policy comparison means for one brand, in words and numbers.

Input is the table of :func:`simcommerce.compare.summarise` computed over one brand's end-of-run
figures (:func:`simcommerce.compare.brand_runs`): per policy and metric, the paired difference vs
the reference with its 95% CI, absolute and relative to the reference's mean. Used by the dashboard
and by ``simcommerce compare``, so both say the same thing.

A difference is *detectable* when its paired 95% interval excludes 0; every number is given with
one interval. Sentences, for each policy against the reference (ref):

* orders up, profit down: "P: +4.3% orders (95% CI +2.1 to +6.5%) but −11.6% profit (−13.3 to
  −9.9%): it costs more than it brings." (with "at this spend on <driver>" when the largest
  extra spend is known);
* profit up: "... : it earns more than it costs.";
* neither detectable: policies grouped, "P and Q: no difference detectable with n replications.";
* fewer than 2 paired runs: "P: too few runs to tell (n replication(s): no interval)."

The recommendation is the policy with the largest detectable profit gain (with its extra spend and
the profit each extra unit of spend returned), or the reference when none gains detectably; the
caveats give the number of replications and what the answer rests on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

MINUS = "\u2212"
FEW_REPLICATIONS = 5  # below this, a caveat says the intervals are wide


@dataclass
class Verdict:
    """The verdict's parts: findings (one sentence per policy or group), the recommendation, caveats, legend."""

    findings: list[str] = field(default_factory=list)
    recommendation: str = ""
    caveats: list[str] = field(default_factory=list)
    legend: str = ""

    @property
    def text(self) -> str:
        """Everything as one paragraph (findings, recommendation, caveats)."""
        return " ".join([*self.findings, self.recommendation, *self.caveats])


def signed(x: float, digits: int = 1, unit: str = "") -> str:
    """``+4.3``, ``−11.6`` (a true minus sign), thousands separated; ``unit`` glued to the number."""
    s = f"{abs(x):,.{digits}f}"
    if s.strip("0.,") == "":
        return f"0{unit}"
    return f"{'+' if x > 0 else MINUS}{s}{unit}"


def money(x: float, currency: str, sign: bool = False, digits: int | None = None) -> str:
    """An amount: a currency symbol (up to 3 characters) goes before it (``¥1,234``), a word after it
    (``1,234 currency units``); whole units from 100 up, cents below (unless ``digits`` says)."""
    digits = (0 if abs(x) >= 100 else 2) if digits is None else digits
    body = signed(x, digits) if sign else f"{x:,.{digits}f}".replace("-", MINUS)
    if len(currency) <= 3:
        head = body[0] if body[0] in "+" + MINUS else ""
        return f"{head}{currency}{body[len(head):]}"
    return f"{body} {currency}"


def status(row) -> str:
    """``up`` / ``down`` (the paired 95% CI excludes 0), ``none`` (it includes 0), ``na`` (no interval)."""
    if row is None or row.n_pairs < 2 or not math.isfinite(row.diff_ci_low) or not math.isfinite(row.diff_ci_high):
        return "na"
    if row.diff_ci_low > 0:
        return "up"
    if row.diff_ci_high < 0:
        return "down"
    return "none"


def effect(row, what: str, currency: str, ci_label: bool) -> str:
    """``+4.3% orders (95% CI +2.1 to +6.5%)``; in absolute terms when the reference's mean is 0."""
    prefix = "95% CI " if ci_label else ""
    if math.isfinite(row.rel_diff) and math.isfinite(row.rel_ci_low):
        return (f"{signed(100 * row.rel_diff, unit='%')} {what} ({prefix}{signed(100 * row.rel_ci_low)} to "
                f"{signed(100 * row.rel_ci_high, unit='%')})")
    if what == "orders":
        return (f"{signed(row.diff_mean, 0)} orders ({prefix}{signed(row.diff_ci_low, 0)} to "
                f"{signed(row.diff_ci_high, 0)})")
    return (f"{_m(row.diff_mean, row, currency)} {what} ({prefix}{_m(row.diff_ci_low, row, currency)} to "
            f"{_m(row.diff_ci_high, row, currency)})")


def _m(x: float, row, currency: str) -> str:
    """A signed amount with as many decimals as the largest of the row's difference and interval needs."""
    top = max(abs(row.diff_mean), abs(row.diff_ci_low), abs(row.diff_ci_high))
    return money(x, currency, sign=True, digits=0 if top >= 100 else 2)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _replications(n: int) -> str:
    return f"{n} replication{'s' if n != 1 else ''}"


def verdict(summary: pd.DataFrame, currency: str = "currency units", orders: str = "cum_orders",
            profit: str = "profit", spend: str = "cum_marketing_spend", drivers: dict[str, str] | None = None,
            labels: dict[str, str] | None = None) -> Verdict:
    """The verdict on a brand-level comparison.

    Args:
        summary: :func:`simcommerce.compare.summarise` of one brand's runs, with ``orders`` and ``profit``
            (and optionally ``spend``) among its metrics and the ``rel_ci_low``/``rel_ci_high`` columns.
        currency: the scenario's currency (a symbol such as ``¥`` or a word).
        drivers: per policy, what its extra spend mostly went to (e.g. ``live slot fees``), or nothing.
        labels: display names of the policies (default: their names).
    """
    drivers, labels = drivers or {}, labels or {}
    reference = str(summary["reference"].iloc[0])
    rows = {(r.policy, r.metric): r for r in summary.itertuples()}
    policies = [p for p in dict.fromkeys(summary["policy"]) if p != reference]
    name = lambda p: labels.get(p, p)  # noqa: E731
    out = Verdict()
    n = int(summary.loc[summary["policy"] == reference, "n"].min()) if len(summary) else 0
    first = True  # "95% CI" is spelled out once; the legend explains the rest
    undetected, too_few = [], []
    for p in policies:
        o, f = rows.get((p, orders)), rows.get((p, profit))
        so, sf = status(o), status(f)
        if "na" in (so, sf):
            too_few.append(p)
            continue
        if so == "none" and sf == "none":
            undetected.append(p)
            continue
        driver = f" at this spend on {drivers[p]}" if drivers.get(p) else ""
        if so != "none" and sf != "none":
            link = " but " if so != sf else " and "
            text = f"{effect(o, 'orders', currency, first)}{link}{effect(f, 'profit', currency, False)}"
        elif sf != "none":
            text = f"{effect(f, 'profit', currency, first)}, with no detectable change in orders"
        else:
            text = (f"{effect(o, 'orders', currency, first)}, with no detectable change in profit "
                    f"({effect(f, 'profit', currency, False)})")
        first = False
        if sf == "up":
            why = ": it earns more than it costs" + driver
        elif sf == "down":
            why = ": it costs more than it brings" + driver
        else:
            why = ""
        out.findings.append(f"{name(p)}: {text}{why}.")
    if undetected:
        out.findings.append(f"{_names([name(p) for p in undetected])}: no difference detectable with "
                            f"{_replications(n)}.")
    if too_few:
        out.findings.append(f"{_names([name(p) for p in too_few])}: too few runs to tell ({_replications(n)}: "
                            "no interval).")

    winners = [p for p in policies if status(rows.get((p, profit))) == "up"]
    if winners:
        best = max(winners, key=lambda p: rows[(p, profit)].diff_mean)
        f = rows[(best, profit)]
        rec = (f"Recommendation: {name(best)}. It adds {_m(f.diff_mean, f, currency)} profit "
               f"({_m(f.diff_ci_low, f, currency)} to {_m(f.diff_ci_high, f, currency)}) over {name(reference)}")
        s = rows.get((best, spend))
        if s is not None and s.diff_mean > 0:
            rec += (f" for {money(s.diff_mean, currency)} more marketing spend: each extra "
                    f"{money(1, currency).replace('.00', '')} of spend returned "
                    f"{money(f.diff_mean / s.diff_mean, currency)} of extra profit")
        out.recommendation = rec + "."
    elif too_few and not undetected and len(too_few) == len(policies):
        out.recommendation = "Recommendation: none yet — run at least 3 replications per policy (better 5–10)."
    elif undetected or too_few:
        out.recommendation = (f"Recommendation: keep {name(reference)}: no policy earns the brand detectably more "
                              f"profit with {_replications(n)}; smaller differences than the intervals may exist.")
    else:
        out.recommendation = f"Recommendation: keep {name(reference)}: every alternative earns the brand less profit."
    out.caveats.append(f"Based on {_replications(n)} per policy, paired by seed (replication r of every policy "
                       "shares seed r).")
    if n < 2:
        out.caveats.append("Too few runs to tell: one replication gives no interval; run at least 3.")
    elif n < FEW_REPLICATIONS:
        out.caveats.append(f"With fewer than {FEW_REPLICATIONS} replications the intervals are wide: run more "
                           "before a costly decision.")
    out.caveats.append("It holds for this scenario's assumptions (prices, costs, how consumers respond to each "
                       "channel, market size and horizon); a change in those could change it.")
    out.legend = (f"Percentages: the paired difference from {name(reference)} (mean over replications of "
                  f"policy − {name(reference)}, same seeds), relative to {name(reference)}'s mean; brackets: its "
                  "95% confidence interval. 'No difference detectable': the interval includes 0.")
    return out
