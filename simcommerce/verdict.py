"""The verdict: what a policy comparison means for one brand, in words and numbers.

Input is the table of :func:`simcommerce.stats.summarise` computed over one brand's end-of-run
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

from .i18n import t

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


def effect(row, what: str, currency: str, ci_label: bool, lang: str = "en") -> str:
    """``+4.3% orders (95% CI +2.1 to +6.5%)``; in absolute terms when the reference's mean is 0."""
    prefix = t("95% CI ", lang) if ci_label else ""
    if math.isfinite(row.rel_diff) and math.isfinite(row.rel_ci_low):
        pct, lo, hi = signed(100 * row.rel_diff, unit="%"), signed(100 * row.rel_ci_low), \
            signed(100 * row.rel_ci_high, unit="%")
    elif what == "orders":
        pct, lo, hi = signed(row.diff_mean, 0), signed(row.diff_ci_low, 0), signed(row.diff_ci_high, 0)
    else:
        pct, lo, hi = (_m(x, row, currency) for x in (row.diff_mean, row.diff_ci_low, row.diff_ci_high))
    if lang != "zh-CN":  # English puts the number first: "+4.3% orders (95% CI ...)"
        return f"{pct} {what} ({prefix}{lo} to {hi})"
    return t("{what} {pct} ({prefix}{lo} to {hi})", lang, what=t(what, lang), pct=pct, prefix=prefix, lo=lo, hi=hi)


def _m(x: float, row, currency: str) -> str:
    """A signed amount with as many decimals as the largest of the row's difference and interval needs."""
    top = max(abs(row.diff_mean), abs(row.diff_ci_low), abs(row.diff_ci_high))
    return money(x, currency, sign=True, digits=0 if top >= 100 else 2)


def _names(names: list[str], lang: str = "en") -> str:
    return names[0] if len(names) == 1 else t("{a} and {b}", lang, a=("、" if lang == "zh-CN" else ", ").join(
        names[:-1]), b=names[-1])


def _replications(n: int, lang: str = "en") -> str:
    return t("{n} replications" if n != 1 else "{n} replication", lang, n=n)


def verdict(summary: pd.DataFrame, currency: str = "currency units", orders: str = "cum_orders",
            profit: str = "profit", spend: str = "cum_marketing_spend", drivers: dict[str, str] | None = None,
            labels: dict[str, str] | None = None, lang: str = "en") -> Verdict:
    """The verdict on a brand-level comparison.

    Args:
        summary: :func:`simcommerce.stats.summarise` of one brand's runs, with ``orders`` and ``profit``
            (and optionally ``spend``) among its metrics and the ``rel_ci_low``/``rel_ci_high`` columns.
        currency: the scenario's currency (a symbol such as ``¥`` or a word).
        drivers: per policy, what its extra spend mostly went to (e.g. ``live slot fees``), or nothing.
        labels: display names of the policies (default: their names).
        lang: ``en`` or ``zh-CN`` (:mod:`simcommerce.i18n`).
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
        driver = t(" at this spend on {driver}", lang, driver=drivers[p]) if drivers.get(p) else ""
        if so != "none" and sf != "none":
            link = t(" but " if so != sf else " and ", lang)
            text = f"{effect(o, 'orders', currency, first, lang)}{link}{effect(f, 'profit', currency, False, lang)}"
        elif sf != "none":
            text = t("{effect}, with no detectable change in orders", lang,
                     effect=effect(f, "profit", currency, first, lang))
        else:
            text = t("{effect}, with no detectable change in profit ({profit})", lang,
                     effect=effect(o, "orders", currency, first, lang),
                     profit=effect(f, "profit", currency, False, lang))
        first = False
        if sf == "up":
            why = t(": it earns more than it costs", lang) + driver
        elif sf == "down":
            why = t(": it costs more than it brings", lang) + driver
        else:
            why = ""
        out.findings.append(t("{name}: {text}{why}.", lang, name=name(p), text=text, why=why))
    if undetected:
        out.findings.append(t("{names}: no difference detectable with {reps}.", lang,
                              names=_names([name(p) for p in undetected], lang), reps=_replications(n, lang)))
    if too_few:
        out.findings.append(t("{names}: too few runs to tell ({reps}: no interval).", lang,
                              names=_names([name(p) for p in too_few], lang), reps=_replications(n, lang)))

    winners = [p for p in policies if status(rows.get((p, profit))) == "up"]
    if winners:
        best = max(winners, key=lambda p: rows[(p, profit)].diff_mean)
        f = rows[(best, profit)]
        rec = t("Recommendation: {best}. It adds {gain} profit ({lo} to {hi}) over {reference}", lang,
                best=name(best), gain=_m(f.diff_mean, f, currency), lo=_m(f.diff_ci_low, f, currency),
                hi=_m(f.diff_ci_high, f, currency), reference=name(reference))
        s = rows.get((best, spend))
        if s is not None and s.diff_mean > 0:
            rec += t(" for {extra} more marketing spend: each extra {unit} of spend returned {ret} of extra profit",
                     lang, extra=money(s.diff_mean, currency), unit=money(1, currency).replace(".00", ""),
                     ret=money(f.diff_mean / s.diff_mean, currency))
        out.recommendation = rec + ("。" if lang == "zh-CN" else ".")
    elif too_few and not undetected and len(too_few) == len(policies):
        out.recommendation = t("Recommendation: none yet — run at least 3 replications per policy (better 5–10).",
                               lang)
    elif undetected or too_few:
        out.recommendation = t("Recommendation: keep {reference}: no policy earns the brand detectably more profit "
                               "with {reps}; smaller differences than the intervals may exist.", lang,
                               reference=name(reference), reps=_replications(n, lang))
    else:
        out.recommendation = t("Recommendation: keep {reference}: every alternative earns the brand less profit.",
                               lang, reference=name(reference))
    out.caveats.append(t("Based on {reps} per policy, paired by seed (replication r of every policy shares seed r).",
                         lang, reps=_replications(n, lang)))
    if n < 2:
        out.caveats.append(t("Too few runs to tell: one replication gives no interval; run at least 3.", lang))
    elif n < FEW_REPLICATIONS:
        out.caveats.append(t("With fewer than {k} replications the intervals are wide: run more before a costly "
                             "decision.", lang, k=FEW_REPLICATIONS))
    out.caveats.append(t("It holds for this scenario's assumptions (prices, costs, how consumers respond to each "
                         "channel, market size and horizon); a change in those could change it.", lang))
    out.legend = t("Percentages: the paired difference from {reference} (mean over replications of policy − "
                   "{reference}, same seeds), relative to {reference}'s mean; brackets: its 95% confidence "
                   "interval. 'No difference detectable': the interval includes 0.", lang, reference=name(reference))
    return out
