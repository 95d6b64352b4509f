"""Daily metrics: flows (``new_*``, with running totals ``cum_*``) and stocks (``n_*``, ``mean_*``).

Mechanisms count flows with :meth:`Recorder.tally` (per brand) or
:meth:`Recorder.tally_market` (market only), and report stocks from their
``report(market)`` method as ``{name: (per_brand_array, market_value)}``.
The recorder writes one market row and one row per brand each day.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

# Core metrics (mechanisms document their own in their ``metrics`` attribute).
CORE_METRICS = {
    "n_aware": "consumers aware of at least one product (of the brand)",
    "n_customers": "consumers who have bought at least once (from the brand)",
    "n_repeat_customers": "consumers who have bought at least twice (from the brand)",
    "mean_trust": "mean consumer trust in the brand, 0-1 (market: over all brands)",
    "n_active": "consumers active on the platform today (market only)",
    "mean_platform_trust": "mean trust in the platform, 0-1 (market only)",
    "market_share": "brand's share of all orders so far, 0-1 (market: 1 once anything sold)",
    "profit": "cumulative profit (currency units)",
    "new_profit": "profit made today (currency units)",
    "money_imbalance": "money paid by consumers minus money received by others; 0 up to rounding (market only)",
    "new_marketing_spend": "marketing spend today: ads, influencer posts, live slot fees and commission, referral "
                           "commission and headcount pay, fake reviews, and the discounts of referral links, group "
                           "deals, live sessions and free samples (currency units)",
    "cum_marketing_spend": "marketing spend so far (the running total of new_marketing_spend; currency units)",
    "return_on_marketing_spend": "net sales so far (paid by consumers, less refunds) per unit of marketing spend "
                                 "so far (0 without spend)",
    "cost_per_new_customer": "marketing spend so far per customer won so far (customers who bought for the first "
                             "time during the run; the whole spend while none has; currency units)",
}
CORE_FLOWS = ("new_marketing_spend",)  # core flows with their running totals cum_* (profit is a stock)


# Reductions over consumers of tall, narrow (N, K) arrays (K: brands or products). numpy reduces such an
# array along axis 0 (or 1) about 30 times slower than it reduces its K columns one by one, so the daily
# stocks go column by column.


def count_columns(a: np.ndarray) -> np.ndarray:
    """``np.count_nonzero(a, axis=0)`` as float (K,)."""
    return np.array([np.count_nonzero(a[:, k]) for k in range(a.shape[1])], dtype=float)


def mean_columns(a: np.ndarray) -> np.ndarray:
    """``a.mean(axis=0)`` in float64 (K,)."""
    return np.array([a[:, k].mean(dtype=np.float64) for k in range(a.shape[1])])


def max_columns(a: np.ndarray) -> np.ndarray:
    """``a.max(axis=0)`` as float (K,); 0 for an array without rows."""
    return np.array([a[:, k].max(initial=0) for k in range(a.shape[1])], dtype=float)


def any_columns(a: np.ndarray, columns=None) -> np.ndarray:
    """``a[:, columns].any(axis=1)``: bool (N,), true where any of the given columns (default: all) is."""
    out = np.zeros(a.shape[0], dtype=bool)
    for k in range(a.shape[1]) if columns is None else columns:
        out |= a[:, k] if a.dtype == bool else a[:, k] != 0
    return out


def sum_columns(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=1)``: (N,) in a's dtype."""
    out = np.zeros(a.shape[0], dtype=a.dtype)
    for k in range(a.shape[1]):
        out += a[:, k]
    return out


class Recorder:
    """Collects one day's flows and writes the daily rows."""

    def __init__(self, market):
        self.market = market
        self.n_brands = len(market.brands)
        self.brand_names = [b.name for b in market.brands]
        self._today: dict[str, np.ndarray] = {}
        self._today_market: dict[str, float] = {}
        self._flow_names: list[str] = []  # the per-brand flows new_*, in order of declaration
        self._cum = np.zeros((0, self.n_brands))  # (flows, brands): the running totals
        self._market_cum: dict[str, float] = {}  # running totals of the market-only flows
        self._last_profit = np.zeros(self.n_brands)
        self._last_spend = np.zeros(self.n_brands)
        for name in CORE_FLOWS:
            self.declare_flow(name)
        self.market_rows: list[dict] = []  # one dict a day: {"day": d, metric: value}
        self._brand_days: list[tuple[tuple[str, ...], np.ndarray]] = []  # a day: (metric names, (K, brands))

    def declare_flow(self, name: str) -> None:
        """Make sure a flow is reported (as 0) even on days nothing happens."""
        if name not in self._flow_names:
            self._flow_names.append(name)
            self._cum = np.vstack([self._cum, np.zeros(self.n_brands)])

    def running_total(self, name: str) -> np.ndarray:
        """Per brand: flow ``name``'s total so far, today's included once tallied (0 for an undeclared flow)."""
        if name not in self._flow_names:
            return np.zeros(self.n_brands)
        return self._cum[self._flow_names.index(name)].copy()

    def declare(self, mechanisms) -> None:
        """Register every flow the enabled ``mechanisms`` declare, so that each is written (as 0) from day 1,
        whatever happens in the run."""
        for mech in mechanisms:
            for name in mech.metric_names(self.market.config):
                if name in mech.market_flows:
                    self._market_cum.setdefault(name, 0.0)
                elif name.startswith("new_"):
                    self.declare_flow(name)

    def tally(self, name: str, brand: np.ndarray | int, weights: np.ndarray | float | None = None) -> None:
        """Add to today's flow ``name`` (``new_*``): one count (or weight) per element of ``brand``."""
        self.declare_flow(name)
        if np.isscalar(brand):
            add = np.zeros(self.n_brands)
            add[int(brand)] = 1.0 if weights is None else float(weights)
        else:
            add = np.bincount(np.asarray(brand, dtype=np.int64), weights=weights, minlength=self.n_brands)
        self._today[name] = self._today.get(name, 0.0) + add

    def tally_market(self, name: str, value: float) -> None:
        """Add to a market-only flow (``new_*``; its running total is ``cum_*``)."""
        self._market_cum.setdefault(name, 0.0)
        self._today_market[name] = self._today_market.get(name, 0.0) + float(value)

    def record(self) -> None:
        """Write today's rows and reset the day's flows."""
        m = self.market
        pop = m.population
        day = m.day
        brand: dict[str, np.ndarray] = {}
        market: dict[str, float] = {}
        brand["n_aware"] = np.zeros(self.n_brands)
        aware_any = np.zeros(pop.n, dtype=bool)
        for b in m.brands:  # brands partition the products: the market's "any" is the OR of the brands'
            aware_b = any_columns(pop.aware, b.product_ids)
            brand["n_aware"][b.index] = np.count_nonzero(aware_b)
            aware_any |= aware_b
        market["n_aware"] = float(np.count_nonzero(aware_any))
        orders = pop.orders_by_brand
        brand["n_customers"] = count_columns(orders)  # orders >= 0
        brand["n_repeat_customers"] = count_columns(orders > 1)
        total = sum_columns(orders)
        market["n_customers"] = float(np.count_nonzero(total))
        market["n_repeat_customers"] = float(np.count_nonzero(total > 1))
        brand["mean_trust"] = mean_columns(pop.trust_brand)
        market["mean_trust"] = float(brand["mean_trust"].mean())
        spend = m.ledger.marketing_spend()
        self._today["new_marketing_spend"] = spend - self._last_spend
        self._last_spend = spend.copy()
        zero = np.zeros(self.n_brands)
        new = np.array([self._today.get(name, zero) for name in self._flow_names]).reshape(self._cum.shape)
        self._cum += new
        cum = self._cum.copy()
        new_total, cum_total = new.sum(axis=1).tolist(), cum.sum(axis=1).tolist()
        for i, name in enumerate(self._flow_names):
            brand[name], brand["cum_" + name[4:]] = new[i], cum[i]
            market[name], market["cum_" + name[4:]] = new_total[i], cum_total[i]
        sold = self.running_total("new_orders")  # none without the checkout
        total = sold.sum()
        brand["market_share"] = sold / total if total else np.zeros(self.n_brands)
        market["market_share"] = 1.0 if total else 0.0
        profit = m.ledger.profit()
        brand["profit"], brand["new_profit"] = profit, profit - self._last_profit
        market["profit"], market["new_profit"] = float(profit.sum()), float((profit - self._last_profit).sum())
        self._last_profit = profit.copy()
        self._economics(brand, market, spend, m.ledger.net_sales())
        for mech in m.mechanisms:
            for name, (per_brand, overall) in mech.report(m).items():
                brand[name] = np.asarray(per_brand, dtype=float)
                market[name] = float(overall)
        for name in self._market_cum:
            new = self._today_market.get(name, 0.0)
            self._market_cum[name] += new
            market[name] = new
            market["cum_" + name[4:]] = self._market_cum[name]
        market["n_active"] = float(np.count_nonzero(m.active))
        market["mean_platform_trust"] = float(pop.trust_platform.mean())
        market["money_imbalance"] = m.ledger.imbalance()
        self.market_rows.append({"day": day, **market})
        self._brand_days.append((tuple(brand), np.array(list(brand.values()), dtype=float)))  # a copy
        self._today.clear()
        self._today_market.clear()

    def _economics(self, brand: dict, market: dict, spend: np.ndarray, sales: np.ndarray) -> None:
        """Return on marketing spend and cost per new customer, per brand and for the market (all brands)."""
        won = brand["n_customers"]  # every consumer starts without a purchase: all customers are won in the run
        brand["return_on_marketing_spend"] = np.divide(sales, spend, out=np.zeros(self.n_brands), where=spend > 0)
        brand["cost_per_new_customer"] = spend / np.maximum(won, 1.0)
        total = float(spend.sum())
        market["return_on_marketing_spend"] = float(sales.sum()) / total if total > 0 else 0.0
        market["cost_per_new_customer"] = total / max(market["n_customers"], 1.0)

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(market time series, brand time series) for the days recorded so far."""
        import pandas as pd  # here, so that check and --help start without pandas

        days = np.array([row["day"] for row in self.market_rows], dtype=np.int64)
        names, table = _table([(tuple(row)[1:], list(row.values())[1:]) for row in self.market_rows], 1)
        market = _frame(pd, names, table[:, :, 0])
        market.insert(0, "day", days)
        names, table = _table(self._brand_days, self.n_brands)  # rows: day by day, brand by brand
        brands = _frame(pd, names, table.transpose(0, 2, 1).reshape(-1, len(names)))
        brands.insert(0, "day", np.repeat(days, self.n_brands))
        brands.insert(1, "brand", np.array(self.brand_names * len(days), dtype=object))
        return market, brands


def _frame(pd, names: list[str], values: np.ndarray):
    """A DataFrame of the float columns ``values[:, j]`` named ``names[j]``, in the order of the sorted names."""
    order = sorted(range(len(names)), key=names.__getitem__)
    return pd.DataFrame(values[:, order], columns=[names[j] for j in order])


def _table(days: list[tuple[tuple[str, ...], object]], width: int) -> tuple[list[str], np.ndarray]:
    """(metric names in order of first appearance, float array (days, names, width)) from each day's
    (names, values (names,) or (names, width)); a metric missing on a day, or NaN, is 0."""
    names: dict[str, int] = {}
    where: dict[tuple[str, ...], np.ndarray] = {}  # a day's names -> their columns (the same most days)
    for keys, _ in days:
        if keys not in where:
            where[keys] = np.array([names.setdefault(k, len(names)) for k in keys], dtype=np.intp)
    table = np.zeros((len(days), len(names), width))
    for d, (keys, vals) in enumerate(days):
        table[d, where[keys]] = np.asarray(vals, dtype=float).reshape(len(keys), width)
    np.nan_to_num(table, copy=False, nan=0.0, posinf=np.inf, neginf=-np.inf)
    return list(names), table


def declared_columns(scenario: dict) -> dict[str, str]:
    """Every metric column a run of ``scenario`` writes (name -> meaning), from the declarations alone:
    the core metrics, and each enabled mechanism's metrics, with a ``cum_*`` running total per flow ``new_*``."""
    from .mechanisms.base import REGISTRY

    out = dict(CORE_METRICS)
    for name, params in scenario["mechanisms"].items():
        if not params["enabled"]:
            continue
        for metric, meaning in REGISTRY[name].metric_names(scenario).items():
            out[metric] = meaning
            if metric.startswith("new_"):
                out["cum_" + metric[4:]] = f"running total of {metric}: {meaning}"
    return out


# ---------------------------------------------------------------- units and the data dictionary

ID_COLUMNS = {
    "run": ("replication number of the run (0-based) in a `simcommerce run` folder", "index"),
    "run_id": ("the run's id in an experiment store: POLICY-pPOINT-rREPLICATION", "text"),
    "policy": ("policy name (experiment stores: the hive partition folder)", "text"),
    "point": ("sweep/uncertainty point number (0 without a sweep)", "index"),
    "replication": ("replication number (root seed = experiment seed + replication)", "index"),
    "seed": ("root random seed of the run", "index"),
    "day": ("simulated day (1 = the first)", "day"),
    "brand": ("brand name (brands tables)", "text"),
    "days": ("days simulated (runs tables)", "days"),
    "consumers": ("consumers in the market (runs tables)", "consumers"),
    "max_money_imbalance": ("largest daily money_imbalance of the run; 0 up to rounding (runs tables)",
                            "currency units"),
}
SHARES = {"market_share", "mean_trust", "mean_platform_trust", "live_conversion", "live_return_rate", "promoter_gini"}
UNITS = {"mean_rating": "stars (1-5; 0 if none)", "live_roi": "ratio", "return_on_marketing_spend": "ratio",
         "max_depth": "levels", "scheme_levels": "levels", "mean_fill_hours": "hours"}


def metric_unit(name: str, meaning: str) -> str:
    """The unit of a declared metric, from its name and meaning: ``currency units``, ``share (0-1)``,
    ``flag`` (stored as a boolean), ``count`` (stored as an integer), or one of :data:`UNITS`."""
    if name in UNITS:
        return UNITS[name]
    if "currency units" in meaning or name in ("profit", "new_profit", "money_imbalance"):
        return "currency units"
    if meaning.startswith(("1 if", "1 once")):
        return "flag"
    if name in SHARES or meaning.rstrip(")").endswith("0-1") or ", 0-1" in meaning:
        return "share (0-1)"
    return "count"


@functools.cache
def all_declarations() -> dict[str, str]:
    """Every metric any mechanism (on or off) or the core declares, with its ``cum_*`` totals."""
    from .mechanisms.base import REGISTRY

    out = dict(CORE_METRICS)
    for cls in REGISTRY.values():
        out.update(cls.metrics)
    for name, meaning in list(out.items()):
        if name.startswith("new_") and name != "new_profit":  # profit is its own running total
            out.setdefault("cum_" + name[4:], f"running total of {name}: {meaning}")
    return out


def column_info(name: str) -> tuple[str, str] | None:
    """(meaning, unit) of a results column, or None if nothing declares it."""
    if name in ID_COLUMNS:
        return ID_COLUMNS[name]
    decl = all_declarations()
    level = re.fullmatch(r"(new|cum)_commission_level_(\d+)", name)
    if name in decl:
        meaning = decl[name]
    elif level:
        meaning = f"{'running total of ' if level[1] == 'cum' else ''}commission paid at level {level[2]} " \
                  "(currency units)"
    else:
        return None
    base = "new_" + name[4:] if name.startswith("cum_") else name
    return meaning, metric_unit(base, decl.get(base, meaning))


def with_units(df: pd.DataFrame):
    """``df`` as a pyarrow Table whose fields carry ``unit`` and ``meaning`` metadata from the declarations;
    counts are stored as integers and flags as booleans."""
    import pyarrow as pa

    table = pa.Table.from_pandas(df, preserve_index=False)
    fields = []
    for field in table.schema:
        info = column_info(field.name)
        if info is None:
            fields.append(field)
            continue
        meaning, unit = info
        kind = pa.bool_() if unit == "flag" else pa.int64() if unit in ("count", "index", "days", "consumers", "day") \
            else field.type
        if kind != field.type and pa.types.is_floating(field.type):
            col = table.column(field.name).to_numpy()
            if kind == pa.int64() and not np.array_equal(col, np.rint(col)):
                kind = field.type  # not whole (a mean over runs): keep it as it is
        fields.append(pa.field(field.name, kind, metadata={"unit": unit, "meaning": meaning}))
    schema = pa.schema(fields, metadata=table.schema.metadata)
    return table.cast(schema)


def data_dictionary_markdown() -> str:
    """docs/data-dictionary.md: every column of the results tables, with meaning and unit."""
    decl = all_declarations()
    lines = ["# Data dictionary", "",
             "Generated from the metric declarations (`simcommerce docs`; tests/test_data_dictionary.py checks it).",
             "Every Parquet column also carries its `unit` and `meaning` in the Arrow field metadata:",
             "`pyarrow.parquet.read_schema(path).field('cum_gmv').metadata`. Counts are stored as integers,",
             "flags as booleans. Stocks `n_*`/`mean_*` are the state at the end of the day, flows `new_*`",
             "what happened during the day, `cum_*` their running totals. Market rows hold the whole market,",
             "brand rows one brand (market-only metrics have no brand rows).", "",
             "## Identifiers", "", "| column | meaning | unit |", "|---|---|---|"]
    lines += [f"| `{k}` | {m} | {u} |" for k, (m, u) in ID_COLUMNS.items()]
    lines += ["", "## Metrics", "", "| column | meaning | unit |", "|---|---|---|"]
    for name in sorted(decl, key=lambda n: (n.removeprefix("new_").removeprefix("cum_"), n)):
        meaning, unit = column_info(name)
        lines.append(f"| `{name}` | {meaning.replace('|', '/')} | {unit} |")
    lines += ["", "`new_commission_level_k` / `cum_commission_level_k` exist for every level k that a brand's "
              "referral rates reach (currency units).", ""]
    return "\n".join(lines)
