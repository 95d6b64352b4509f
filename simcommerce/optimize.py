"""Find the best policy: search a brand's levers for the highest expected profit (``simcommerce optimize``).

An optimisation file (YAML; docs/optimize.md)::

    name: best_commission
    base: market.yaml                        # the scenario (relative to this file)
    brand: Glow                              # whose profit is maximised (default: the first brand)
    fixed: {steps: 60}                       # optional: overrides applied to every candidate and the base
    levers:                                  # dotted scenario keys the strategist unlocks -> ranges
      brands.Glow.policy.referral.rates.0: {min: 0.0, max: 0.6}    # floats; whole-number bounds: an int lever
    max_spend: 20000                         # optional: the brand's mean cum_marketing_spend must stay below
    seeds: 3                                 # runs per candidate: seeds seed, seed+1, ... for every candidate
    seed: 1                                  # (common random numbers: the same seeds for every candidate)
    budget: 60                               # runs in all (candidates x seeds; the base policy's runs extra)
    sampler: tpe                             # tpe | cmaes | random (optuna)

The format is declared by :func:`optimization_spec` (docs/optimization-reference.md, ``simcommerce schema
--optimisation``); :func:`load_optimization` adds what needs the base scenario (the brand, every lever's bounds).

The base policy (the base scenario with ``fixed``, its own lever values) is run first on the same seeds;
each candidate's profit is compared with it seed by seed (paired). The best candidate is the one with the
highest mean profit among those within ``max_spend``; the *flat set* is every feasible candidate whose paired
difference from the best (per seed) has a 95% t interval that includes 0: the optimum is as wide as the
levers' range over it. The search itself is optuna's, asked for a batch of candidates at a time and run by
the experiments' executors (local processes or Dask), as in :mod:`simcommerce.calibration`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .calibration import Parameter, _distributions, _native
from .experiment import MAX_BOUND, _budget_fits_seeds, file_fields, range_spec, read_base, read_spec_file, search_fields
from .runspec import RunSpec
from .scenario import get_value, resolve_scenario
from .spec import NONBLANK, Param, ScenarioError, Section, Source, describe, one_line

TRIALS = "trials.parquet"
LEVEL = 0.95


def optimization_spec() -> Section:
    """The optimisation file format (see the module docstring)."""
    return Section({
        **file_fields("optimisation"),
        "brand": Param(None, "str", "the brand whose profit is maximised; default: the first brand", nullable=True),
        "fixed": Section({}, "dotted.key: value overrides applied to every candidate and to the base policy",
                         open_keys=Param(None, "any", "the scenario key's value"), key_pattern=NONBLANK,
                         key_help="dotted scenario keys (text)"),
        "levers": Section({}, "dotted scenario key the strategist unlocks -> its range", open_keys=range_spec(
            "the range of the lever (both ends must be valid values of it; whole-number ends: a whole-number "
            "lever)", "lowest value"), key_pattern=NONBLANK, key_help="dotted scenario keys (text)", min_keys=1),
        "max_spend": Param(None, "float", "the most the brand may spend on marketing: its cum_marketing_spend, mean "
                           "over the seeds; default: no cap", "currency units", 0.01, MAX_BOUND,
                           nullable=True),
        **search_fields(30),
    }, "an optimisation: a base scenario, a brand, its levers, a search", checks=(_budget_fits_seeds,))


@dataclass
class Optimization:
    """A validated optimisation file (see the module docstring)."""

    name: str
    description: str
    file: str
    base: str
    base_data: dict
    scenario: dict
    brand: str
    fixed: dict
    parameters: list[Parameter]
    max_spend: float | None
    seeds: int
    seed: int
    budget: int
    sampler: str
    batch: int | None
    digest: str = ""
    _src: Source = field(default=None, repr=False)

    @property
    def trials(self) -> int:
        """Candidates in all (the budget in runs over the runs per candidate)."""
        return max(1, self.budget // self.seeds)

    def as_dict(self) -> dict:
        return {"name": self.name, "file": self.file, "base": self.base, "brand": self.brand, "fixed": self.fixed,
                "levers": {p.key: {"min": p.low, "max": p.high, "integer": p.integer} for p in self.parameters},
                "max_spend": self.max_spend, "seeds": self.seeds, "seed": self.seed, "budget": self.budget,
                "sampler": self.sampler, "digest": self.digest}


def load_optimization(path: str | Path) -> Optimization:
    """Read and validate an optimisation file.

    Raises:
        ScenarioError: on any problem, naming the file, the key path and line.
    """
    path = Path(path)
    file = str(path)
    opt, _, src, text = read_spec_file(path, "optimisation", optimization_spec(), "base, brand, levers, ...")
    raw, base_src, base_file, base_text = read_base(opt["base"], src, path)
    scenario = resolve_scenario(raw, base_src, base_file.parent)
    raw = copy.deepcopy(raw)
    fr = (raw.get("network") or {}).get("friendship") or {}
    if isinstance(fr, dict) and fr.get("path"):
        fr["path"] = scenario["network"]["friendship"]["path"]  # absolute, so workers anywhere find it

    fixed = opt["fixed"]
    for key, value in fixed.items():
        try:
            resolve_scenario(raw, base_src, ".", {key: value})
        except ScenarioError as exc:
            raise ScenarioError(file, f"fixed.{key}", exc.expected, exc.found, src.line(f"fixed.{key}")) from None
    try:
        scenario = resolve_scenario(raw, base_src, ".", dict(fixed))
    except ScenarioError as exc:
        raise ScenarioError(file, "fixed", exc.expected, exc.found, src.line("fixed")) from None

    brands = [b["name"] for b in scenario["brands"]]
    brand = brands[0] if opt["brand"] is None else opt["brand"]
    if brand not in brands:
        raise src.error("brand", f"the name of a brand of the base scenario (one of {', '.join(brands)})",
                        describe(brand))

    levers = opt["levers"]
    for key in levers:  # a list's element (rates.0) needs the list written out, where the file leaves it default
        parent, _, last = key.rpartition(".")
        if last.isdigit() and parent not in fixed:
            try:
                value = get_value(scenario, parent)
            except (KeyError, IndexError, TypeError):
                continue
            if isinstance(value, list):
                fixed[parent] = value
    parameters = []
    for key, spec in levers.items():
        kp = f"levers.{key}"
        lo, hi = spec["min"], spec["max"]
        for v in (lo, hi):  # both bounds must be valid values of the scenario key
            try:
                resolve_scenario(raw, base_src, ".", {**fixed, key: v})
            except ScenarioError as exc:
                raise ScenarioError(file, kp, f"bounds that are valid values of the scenario key ({exc.expected})",
                                    f"{one_line(v)} ({exc.found})" if exc.found else one_line(v),
                                    src.line(kp)) from None
        parameters.append(Parameter(key, lo, hi, False, isinstance(lo, int) and isinstance(hi, int)))

    max_spend, seeds, sampler, batch = opt["max_spend"], opt["seeds"], opt["sampler"], opt["batch"]
    seed = scenario["seed"] if opt["seed"] is None else opt["seed"]
    budget = 30 * seeds if opt["budget"] is None else opt["budget"]
    digest = hashlib.sha256(text.encode() + base_text.encode()).hexdigest()[:16]
    return Optimization(name=opt["name"] or path.stem, description=opt["description"], file=str(path.resolve()),
                        base=str(base_file.resolve()), base_data=raw, scenario=scenario, brand=str(brand),
                        fixed=dict(fixed), parameters=parameters,
                        max_spend=None if max_spend is None else float(max_spend), seeds=seeds, seed=seed,
                        budget=budget, sampler=sampler, batch=batch, digest=digest, _src=src)


# ---------------------------------------------------------------- the search


def _sampler(opt: Optimization):
    """optuna's sampler; TPE keeps candidates over ``max_spend`` as infeasible (its constraints_func)."""
    import optuna

    from .calibration import _sampler as calibration_sampler

    if opt.sampler == "tpe" and opt.max_spend is not None and not hasattr(optuna.trial.Trial, "set_constraint"):
        return optuna.samplers.TPESampler(seed=opt.seed % 2**32, n_startup_trials=max(8, 3 * len(opt.parameters)),
                                          constant_liar=True, multivariate=True,
                                          constraints_func=lambda t: (t.user_attrs.get("over_budget", 0.0),))
    return calibration_sampler(opt)


def specs_for(opt: Optimization, trial: int, params: dict) -> list[RunSpec]:
    """The runs of one candidate (trial -1: the base policy): seeds ``seed, seed+1, ...`` for every candidate."""
    tag = "base" if trial < 0 else f"t{trial:05d}"
    return [RunSpec(f"{tag}-r{r:02d}", tag, trial, r, opt.seed + r, {**opt.fixed, **params}, dict(params))
            for r in range(opt.seeds)]


def brand_figures(opt: Optimization, brands: pd.DataFrame) -> tuple[float, float]:
    """(profit, cum_marketing_spend) of the brand at the end of one run."""
    b = brands[brands["brand"].astype(str) == opt.brand]
    last = b.loc[b["day"].idxmax()]
    return float(last["profit"]), float(last["cum_marketing_spend"])


def optimize(opt: Optimization, run_batch, batch: int, progress=None) -> pd.DataFrame:
    """Run the base policy, then search the levers; returns the trials table.

    Args:
        run_batch: ``run_batch(specs) -> iterable of (spec, market, brands)``: the executor.
        batch: candidates evaluated together.
        progress: ``progress(done, total)`` after each batch.

    Returns:
        One row per candidate (``trial`` -1 is the base policy): the levers, ``profit`` and ``spend`` (means over
        the seeds), ``feasible``, and ``profit_r<k>`` / ``spend_r<k>`` per seed k.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists = _distributions(opt)
    study = optuna.create_study(direction="maximize", sampler=_sampler(opt))
    rows: list[dict] = []

    def evaluate(cands: list[tuple[int, dict]]) -> list[dict]:
        specs = [s for i, p in cands for s in specs_for(opt, i, p)]
        got: dict[int, dict[int, tuple]] = {}
        for spec, _market, brands in run_batch(specs):
            got.setdefault(spec.point, {})[spec.replication] = brand_figures(opt, brands)
        out = []
        for i, p in cands:
            per = [got[i][r] for r in range(opt.seeds)]
            row = {"trial": i, **p, "profit": float(np.mean([x[0] for x in per])),
                   "spend": float(np.mean([x[1] for x in per]))}
            row["feasible"] = opt.max_spend is None or row["spend"] <= opt.max_spend
            for r, (pr, sp) in enumerate(per):
                row[f"profit_r{r}"], row[f"spend_r{r}"] = pr, sp
            out.append(row)
        return out

    base_values = {p.key: _lever_value(opt, p) for p in opt.parameters}
    rows += evaluate([(-1, {})])
    rows[0].update(base_values)
    while len(rows) - 1 < opt.trials:
        k = min(batch, opt.trials - (len(rows) - 1))
        asked = [(len(rows) - 1 + i, study.ask(dists)) for i in range(k)]
        new = evaluate([(i, {p.key: _native(t.params[p.key], p) for p in opt.parameters}) for i, t in asked])
        for (_, t), row in zip(asked, new):
            over = 0.0 if opt.max_spend is None else (row["spend"] - opt.max_spend) / opt.max_spend
            if hasattr(t, "set_constraint"):  # optuna >= 5: TPE reads the constraint from the trial
                t.set_constraint("over_budget", over)
            t.set_user_attr("over_budget", over)
            study.tell(t, row["profit"])
        rows += new
        if progress:
            progress(len(rows) - 1, opt.trials)
    return pd.DataFrame(rows)


def _lever_value(opt: Optimization, p: Parameter):
    """The base policy's own value of a lever (the resolved base scenario's)."""
    return get_value(opt.scenario, p.key)


# ---------------------------------------------------------------- what the trials say


def paired_ci(a: np.ndarray, b: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean of ``a - b`` over the seeds and its t interval: (mean, low, high)."""
    from .stats import t_ci

    m, lo, hi, _ = t_ci(np.asarray(a, float) - np.asarray(b, float), level)
    return m, lo, hi


def analyse(opt: Optimization, trials: pd.DataFrame) -> dict:
    """The best candidate, its profit's interval over the seeds and its paired gain over the base policy, the flat
    set (candidates not distinguishable from the best) and each lever's range over it."""
    from .stats import t_ci

    pcols = [f"profit_r{r}" for r in range(opt.seeds)]
    base = trials[trials["trial"] == -1].iloc[0]
    cands = trials[(trials["trial"] >= 0) & trials["feasible"]]
    if cands.empty:
        return {"best": None, "feasible": 0}
    best = cands.loc[cands["profit"].idxmax()]
    P = cands[pcols].to_numpy(float)
    bp = best[pcols].to_numpy(float)
    flat = []
    for i in range(len(cands)):
        _, lo, hi = paired_ci(P[i], bp)
        flat.append(bool(not (hi < 0)) if np.isfinite(hi) else True)
    flat_set = cands[np.array(flat)]
    mean, lo, hi, _ = t_ci(bp)
    gain, glo, ghi = paired_ci(bp, base[pcols].to_numpy(float))
    return {
        "best": {"trial": int(best["trial"]), "levers": {p.key: _native(best[p.key], p) for p in opt.parameters},
                 "profit": float(mean), "profit_ci": [float(lo), float(hi)], "spend": float(best["spend"]),
                 "gain_over_base": float(gain), "gain_ci": [float(glo), float(ghi)]},
        "base": {"levers": {p.key: base[p.key] for p in opt.parameters}, "profit": float(base["profit"]),
                 "spend": float(base["spend"])},
        "flat": {"candidates": int(len(flat_set)), "of": int(len(cands)),
                 "levers": {p.key: [_native(flat_set[p.key].min(), p), _native(flat_set[p.key].max(), p)]
                            for p in opt.parameters}},
        "feasible": int(len(cands)), "infeasible": int(((trials["trial"] >= 0) & ~trials["feasible"]).sum()),
        "flat_trials": [int(t) for t in flat_set["trial"]],
    }


def render(opt: Optimization, trials: pd.DataFrame, result: dict) -> str:
    """report.html: the best policy in words, profit against each lever (flat set and best marked), the
    search's trace; self-contained (plotly.js inlined)."""
    import html

    import plotly.graph_objects as go

    from . import plots

    cur = str(opt.scenario.get("currency") or "currency units")
    cands = trials[trials["trial"] >= 0]
    flat = set(result.get("flat_trials", []))
    figs = []
    for p in opt.parameters:
        fig = go.Figure()
        groups = (("infeasible (over max_spend)", ~cands["feasible"], "#bbbbbb"),
                  ("candidate", cands["feasible"] & ~cands["trial"].isin(flat), "#1f77b4"),
                  ("not distinguishable from the best", cands["trial"].isin(flat), "#ff7f0e"))
        for label, mask, color in groups:
            g = cands[mask]
            if len(g):
                fig.add_trace(go.Scatter(x=g[p.key], y=g["profit"], mode="markers", name=label,
                                         marker={"color": color, "size": 8}))
        if result.get("best"):
            b = result["best"]
            fig.add_trace(go.Scatter(x=[b["levers"][p.key]], y=[b["profit"]], mode="markers", name="best",
                                     marker={"color": "#d62728", "size": 14, "symbol": "star"},
                                     error_y={"type": "data", "array": [b["profit_ci"][1] - b["profit"]],
                                              "arrayminus": [b["profit"] - b["profit_ci"][0]]}))
        fig.add_hline(y=result["base"]["profit"] if result.get("base") else 0, line_dash="dot",
                      annotation_text="base policy")
        fig.update_layout(title=f"{opt.brand}'s profit (mean over {opt.seeds} seeds) against {p.key}",
                          xaxis_title=p.key, yaxis_title=f"profit ({cur})")
        figs.append(fig)
    trace = go.Figure(go.Scatter(x=cands["trial"], y=cands["profit"].where(cands["feasible"]).cummax(),
                                 mode="lines", name="best so far"))
    trace.add_trace(go.Scatter(x=cands["trial"], y=cands["profit"], mode="markers", name="candidate"))
    trace.update_layout(title="The search", xaxis_title="candidate", yaxis_title=f"profit ({cur})")
    figs.append(trace)
    parts = [f'<div class="figure">{f.to_html(full_html=False, include_plotlyjs=i == 0, config=plots.PLOTLY_CONFIG)}'
             "</div>" for i, f in enumerate(figs)]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>simcommerce — optimize {html.escape(opt.name)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}}
.verdict{{border-left:4px solid #243b55;background:#f0f3f8;padding:4px 12px}}</style></head><body>
<h1>Best policy for {html.escape(opt.brand)} — {html.escape(opt.name)}</h1>
<div class="verdict" id="verdict"><p>{html.escape(summary_text(opt, result))}</p></div>
<p class="note">{opt.trials} candidates × {opt.seeds} seeds (the same seeds for every candidate and the base policy:
common random numbers); sampler {opt.sampler}. Intervals: 95% t intervals over the seeds; the gain is paired by
seed. The best of many noisy candidates is optimistic: rerun it on new seeds (an experiment) before a costly
decision.</p>
{"".join(parts)}
</body></html>"""


def summary_text(opt: Optimization, result: dict, lang: str = "en") -> str:
    """The result in one paragraph (in ``lang``: ``en`` or ``zh-CN``)."""
    from .i18n import t
    from .verdict import money

    cur = str(opt.scenario.get("currency") or "currency units")
    if not result.get("best"):
        return t("No candidate kept the marketing spend within {cap}.", lang, cap=money(opt.max_spend, cur))
    b, f = result["best"], result["flat"]
    levers = ", ".join(f"{k} = {v:.4g}" for k, v in b["levers"].items())
    ranges = "; ".join(t("{k} from {lo} to {hi}", lang, k=k, lo=f"{lo:.4g}", hi=f"{hi:.4g}")
                       for k, (lo, hi) in f["levers"].items())
    return t("Best: {levers}: profit {profit} (95% CI {lo} to {hi}), {gain} over the base policy (paired 95% CI "
             "{glo} to {ghi}), marketing spend {spend}. How flat: {n} of {of} candidates are not distinguishable "
             "from the best ({ranges}).", lang, levers=levers, profit=money(b["profit"], cur),
             lo=money(b["profit_ci"][0], cur), hi=money(b["profit_ci"][1], cur),
             gain=money(b["gain_over_base"], cur, sign=True), glo=money(b["gain_ci"][0], cur, sign=True),
             ghi=money(b["gain_ci"][1], cur, sign=True), spend=money(b["spend"], cur), n=f["candidates"],
             of=f["of"], ranges=ranges)


def write_outputs(opt: Optimization, out: Path, trials: pd.DataFrame, seconds: float, command: str) -> dict:
    """trials.parquet, best.json, report.html and the manifest; returns the analysis."""
    from .results import atomic_write_bytes, versions, write_manifest, write_table

    write_table(trials, out / TRIALS)
    result = analyse(opt, trials)
    atomic_write_bytes(out / "best.json", json.dumps(result, indent=1, default=float).encode())
    atomic_write_bytes(out / "report.html", render(opt, trials, result).encode())
    write_manifest(out, {"kind": "optimisation", "status": "done", "command": command, "optimisation": opt.as_dict(),
                         "versions": versions(), "seconds": round(seconds, 1),
                         "files": [TRIALS, "best.json", "report.html"]})
    return result


def prepare(out: Path) -> None:
    """Refuse a non-empty results folder or a file."""
    from .results import OutputDirError

    if out.exists() and not out.is_dir():
        raise OutputDirError(f"{out}: expected a folder for the results, found a file.")
    if out.exists() and any(out.iterdir()):
        raise OutputDirError(f"{out}: expected an empty or new folder, found existing files.")
    out.mkdir(parents=True, exist_ok=True)


def run(opt: Optimization, out: Path, workers: int | None = None, scheduler: str | None = None,
        command: str = "", progress=None) -> dict:
    """The whole optimisation through the executors (local processes or Dask); returns the analysis."""
    import io

    from . import executors

    keys = [p.key for p in opt.parameters]

    def run_batch(specs):
        results = (executors.run_dask(specs, opt.base_data, keys, scheduler) if scheduler else
                   executors.run_local(specs, opt.base_data, keys, workers))
        for spec, blobs, _ in results:
            yield spec, None, pd.read_parquet(io.BytesIO(blobs["brands"]))

    batch = opt.batch or (8 if scheduler else max(2, executors.local_workers(workers)))
    t0 = time.perf_counter()
    trials = optimize(opt, run_batch, batch, progress)
    return write_outputs(opt, out, trials, time.perf_counter() - t0, command)
