"""Experiment files: a base scenario, named policies, sweeps, uncertainties, replications.

An experiment file (YAML; DESIGN.md §4 "Experiment")::

    name: referral_study
    base: ../scenarios/baseline.yaml       # a scenario file, relative to this file
    # scenario: {...}                      # ... or the scenario inline (exactly one of base/scenario)
    replications: 5                        # runs per policy and point, >= 1
    seed: 100                              # root seed of replication 0 (default: the base scenario's seed)
    policies:                              # name -> {dotted.key: value}; {} is the base as is
      no_referral: {}
      referral_10: {brands.Glow.policy.referral.rates: [0.1]}
    reference: no_referral                 # default: the first policy
    metrics: [cum_orders, cum_gmv, profit] # market metrics to compare (end-of-run values)
    sweep:                                 # optional: every point is combined with every policy
      method: grid                         # grid | lhs | sobol | morris (the last two need SALib)
      parameters: {platform.take_rate: [0.02, 0.05, 0.1]}
    uncertainties:                         # optional, same forms; its points are crossed with the sweep's
      method: lhs
      samples: 4
      parameters: {population.daily_active_share: {min: 0.4, max: 0.8}}
    # uncertainties: {from_calibration: ../results/calibration, samples: 8}   # or draws from a calibration's
                                           # posterior (simcommerce calibrate), so comparisons carry its uncertainty
    max_runs: 10000                        # refuse larger designs (policies x points x replications)

**Common random numbers**: replication ``r`` of *every* policy and every point uses root
seed ``seed + r``, so paired differences between policies remove the noise they share.

:func:`load_experiment` validates everything (each policy's overrides are resolved through the
scenario format, so a misspelt key is named with the closest valid one) and raises one
:class:`~simcommerce.spec.ScenarioError` naming the experiment file, the key path and line.
:func:`design` expands the experiment into a list of :class:`RunSpec`.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .metrics import declared_columns
from .runspec import RunSpec
from .scenario import _compose_with_lines, resolve_scenario
from .spec import MAX_SEED, ScenarioError, Source, describe, one_line, suggest

KEYS = ("name", "description", "base", "scenario", "replications", "seed", "policies", "reference", "metrics",
        "sweep", "uncertainties", "max_runs")
MAX_RUNS = 10_000  # default cap on policies x points x replications (max_runs: overrides it)
METHODS = ("grid", "lhs", "sobol", "morris")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass
class Experiment:
    """A validated experiment (see the module docstring for the file format)."""

    name: str
    description: str
    file: str
    base: str | None                 # the base scenario file (absolute), or None when inline
    base_data: dict                  # the base scenario as written (raw mapping; edge-list path made absolute)
    scenario: dict                   # the base scenario, resolved
    replications: int
    seed: int
    policies: dict[str, dict]
    reference: str
    metrics: list[str]
    sweep: dict | None = None
    uncertainties: dict | None = None
    points: list[dict] = field(default_factory=list)

    @property
    def parameters(self) -> list[str]:
        """The swept/uncertain dotted keys, sorted (one column each in the runs table)."""
        return sorted({k for p in self.points for k in p})

    def as_dict(self) -> dict:
        """The experiment as resolved (for the manifest)."""
        return {"name": self.name, "description": self.description, "file": self.file, "base": self.base,
                "replications": self.replications, "seed": self.seed, "policies": self.policies,
                "reference": self.reference, "metrics": self.metrics, "sweep": self.sweep,
                "uncertainties": self.uncertainties, "points": self.points,
                "parameters": self.parameters}


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file.

    Args:
        path: the experiment YAML file.

    Raises:
        ScenarioError: on any problem, naming the experiment file, key path and line.
    """
    path = Path(path)
    file = str(path)
    data, src, _ = read_mapping(path, "experiment", KEYS, "name, base, policies, ...")
    name, description = name_and_description(data, src, path)

    # --- the base scenario: a file or inline
    if ("base" in data) == ("scenario" in data):
        raise src.error("base" if "base" in data else "", "exactly one of 'base' (a scenario file) or 'scenario' "
                        "(an inline mapping)", "both" if "base" in data else "neither")
    base_dir = path.parent
    if "base" in data:
        raw, base_src, base_file, _ = read_base(data, src, path, "experiment")
        base_dir, base = base_file.parent, str(base_file.resolve())
        prefix = ""
    else:
        raw = data["scenario"]
        if not isinstance(raw, dict):
            raise src.error("scenario", "an inline scenario mapping", describe(raw))
        base_src = Source(file, {k[len("scenario."):]: v for k, v in src.lines.items() if k.startswith("scenario.")})
        base = None
        prefix = "scenario."

    def resolve_with(overrides: dict, where: str | None) -> dict:
        """Resolve the base with overrides; errors in an override are reported at ``where.<key>``."""
        try:
            return resolve_scenario(raw, base_src, base_dir, overrides)
        except ScenarioError as exc:
            if where is None:
                if prefix:  # an inline scenario: name the experiment file's key path
                    raise ScenarioError(file, prefix + exc.path, exc.expected, exc.found, exc.line) from None
                raise
            culprit = None
            for key, value in overrides.items():  # find the first key that fails on its own
                try:
                    resolve_scenario(raw, base_src, base_dir, {key: value})
                except ScenarioError as one:
                    culprit, exc = key, one
                    break
            key_path = f"{where}.{culprit}" if culprit else where
            expected = exc.expected + (f" (scenario key '{exc.path}')" if exc.path and exc.path != culprit else "")
            close = re.search(r"did you mean '([^']+)'", exc.expected)
            parts = culprit.split(".") if culprit else []
            wrong = exc.found.strip("'")
            if close and wrong in parts:  # name the closest valid dotted path
                i = parts.index(wrong)
                closest = ".".join([*parts[:i], close[1], *parts[i + 1:]])
                expected = f"a valid scenario key path (did you mean '{closest}'?)"
            raise ScenarioError(file, key_path, expected, exc.found, src.line(key_path)) from None

    scenario = resolve_with({}, None)
    if not isinstance(raw, dict):  # resolve_with raised already; keeps type checkers happy
        raise src.error(prefix.rstrip(".") or "base", "a scenario mapping", describe(raw))
    raw = copy.deepcopy(raw)
    fr = (raw.get("network") or {}).get("friendship") or {}
    if isinstance(fr, dict) and fr.get("path"):
        fr["path"] = scenario["network"]["friendship"]["path"]  # absolute, so workers anywhere find it
    base_dir = Path(".")

    # --- replications, seed
    reps = data.get("replications", 1)
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise src.error("replications", "a whole number >= 1 (runs per policy and point)", describe(reps))
    seed = data.get("seed", scenario["seed"])
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise src.error("seed", f"a whole number between 0 and {MAX_SEED} (root seed of replication 0)",
                        describe(seed))
    max_runs = data.get("max_runs", MAX_RUNS)
    if isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 1:
        raise src.error("max_runs", "a whole number >= 1 (the largest design to accept)", describe(max_runs))
    if reps > max_runs:
        raise src.error("replications", f"at most max_runs ({max_runs:,}) runs in all", f"{reps:,} replications")

    # --- policies
    policies = data.get("policies")
    if not isinstance(policies, dict) or not policies:
        raise src.error("policies", "a non-empty mapping of policy name -> {dotted.key: value} overrides",
                        "it missing" if policies is None and "policies" not in data else describe(policies))
    out_policies: dict[str, dict] = {}
    policy_scenarios = []  # resolved, for the metric check
    for pname, overrides in policies.items():
        where = f"policies.{pname}"
        if not isinstance(pname, str) or not NAME_RE.match(pname):
            raise src.error(where, "a policy name of letters, digits, '_', '.' or '-' (it names files)",
                            one_line(str(pname)))
        if overrides is None:
            overrides = {}
        if not isinstance(overrides, dict):
            raise src.error(where, "a mapping of dotted.key: value overrides ({} for the base as is)",
                            describe(overrides))
        for key in overrides:
            if not isinstance(key, str) or not key:
                raise src.error(where, "dotted scenario keys (text)", describe(key))
        policy_scenarios.append(resolve_with(overrides, where))
        out_policies[pname] = copy.deepcopy(overrides)

    reference = data.get("reference", next(iter(out_policies)))
    if not isinstance(reference, str) or reference not in out_policies:
        close = suggest(str(reference), list(out_policies))
        raise src.error("reference", f"the name of a policy{close}", describe(reference))

    # --- sweep and uncertainties (sizes checked before any point is drawn)
    n_points = _design_size(data.get("sweep"), "sweep", src) * _design_size(data.get("uncertainties"),
                                                                           "uncertainties", src)
    runs = len(out_policies) * n_points * reps
    if runs > max_runs:
        raise src.error("sweep" if "sweep" in data else "uncertainties" if "uncertainties" in data else "replications",
                        f"a design of at most max_runs ({max_runs:,}) runs (policies x points x replications; raise "
                        "max_runs to allow more)", f"{len(out_policies)} x {n_points:,} x {reps} = {runs:,}")
    sweep_points, sweep = _points(data.get("sweep"), "sweep", src, seed)
    unc_points, unc = _points(data.get("uncertainties"), "uncertainties", src, seed + 7919)
    points = [dict(a, **b) for a, b in itertools.product(sweep_points, unc_points)]
    # every value must be valid with every policy: each parameter's distinct values (a grid's values, a sample's
    # extremes) are resolved one key at a time, so the check grows with the values, not with the points
    values: dict[str, dict] = {}
    for pt in points:
        for k, v in pt.items():
            values.setdefault(k, {})[repr(v)] = v
    for key, vals in values.items():
        section = "sweep" if key in (sweep or {}).get("parameters", {}) else "uncertainties"
        kp = f"{section}.parameters.{key}"
        vals = list(vals.values())
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            vals = [min(vals), max(vals)]
        for v in vals:
            for pname, overrides in out_policies.items():
                try:
                    resolve_scenario(raw, base_src, base_dir if base is None else Path("."), {**overrides, key: v})
                except ScenarioError as exc:
                    raise ScenarioError(file, kp, f"{exc.expected} (value {one_line(v)}, policy {pname})",
                                        exc.found, src.line(kp)) from None

    # --- metrics
    metrics = data.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        raise src.error("metrics", "a non-empty list of market metric names (e.g. [cum_orders, cum_gmv])",
                        "it missing" if "metrics" not in data else describe(metrics))
    for i, m in enumerate(metrics):
        if not isinstance(m, str) or not m.strip():
            raise src.error(f"metrics[{i}]", "a metric name (text)", describe(m))
    known = end_of_run_metrics([scenario, *policy_scenarios])  # declared metrics, so no probe run is needed
    for i, m in enumerate(metrics):
        if m not in known:
            raise src.error(f"metrics[{i}]", "an end-of-run market metric" + suggest(m, sorted(known)),
                            one_line(m))

    return Experiment(name=name, description=description, file=str(path.resolve()), base=base, base_data=raw,
                      scenario=scenario, replications=reps, seed=seed, policies=out_policies,
                      reference=reference, metrics=list(metrics), sweep=sweep, uncertainties=unc, points=points)


def read_mapping(path: Path, kind: str, keys, example: str) -> tuple[dict, Source, str]:
    """A YAML file of ``kind`` (experiment, calibration) as (mapping, its Source, its text), its top-level keys
    checked against ``keys``.

    Raises:
        ScenarioError: the file is missing or unreadable, not a mapping, or has an unknown key.
    """
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(file, "", f"an existing {kind} file", "no such file") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise ScenarioError(file, "", "a readable UTF-8 text file", type(exc).__name__) from None
    data, lines = _compose_with_lines(text, file)
    src = Source(file, lines)
    if not isinstance(data, dict):
        raise src.error("", f"a mapping of {kind} keys ({example})", describe(data))
    for key in data:
        if key not in keys:
            raise src.error(str(key), "a known key" + suggest(str(key), list(keys)), one_line(str(key)))
    return data, src, text


def name_and_description(data: dict, src: Source, path: Path) -> tuple[str, str]:
    """The file's ``name`` (default: the file's stem) and ``description``, checked."""
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise src.error("name", "a non-empty name (text)", describe(name))
    description = data.get("description", "")
    if not isinstance(description, str):
        raise src.error("description", "text", describe(description))
    return name, description


def read_base(data: dict, src: Source, path: Path, kind: str) -> tuple[Any, Source, Path, str]:
    """The scenario file ``data['base']`` names (relative to ``path``'s folder), as written: (mapping, its
    Source, its path, its text)."""
    if not isinstance(data.get("base"), str) or not data["base"].strip():
        raise src.error("base", f"the path of a scenario file (relative to the {kind} file)",
                        "it missing" if "base" not in data else describe(data.get("base")))
    base_file = Path(data["base"])
    if not base_file.is_absolute():
        base_file = path.parent / base_file
    try:
        base_text = base_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise src.error("base", "an existing scenario file", f"'{data['base']}' (no such file: {base_file})") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise src.error("base", "a readable scenario file", f"'{data['base']}' ({type(exc).__name__})") from None
    raw, base_lines = _compose_with_lines(base_text, str(base_file))
    return raw, Source(str(base_file), base_lines), base_file, base_text


def _design_size(block: Any, where: str, src: Source) -> int:
    """Number of points a ``sweep``/``uncertainties`` block will have (1 if absent or not yet valid: the
    full check is :func:`_points`)."""
    if isinstance(block, dict) and "from_calibration" in block:
        n = block.get("samples")
        return n if isinstance(n, int) and not isinstance(n, bool) and n >= 1 else 1
    if not isinstance(block, dict) or not isinstance(block.get("parameters"), dict):
        return 1
    params, method = block["parameters"], block.get("method", "grid")
    if method == "grid":
        return math.prod(len(v) if isinstance(v, list) else 1 for v in params.values())
    n = block.get("samples")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        return 1
    d = len(params)
    return n * {"lhs": 1, "sobol": d + 2, "morris": d + 1}.get(method, 1)


def _points(block: Any, where: str, src: Source, seed: int) -> tuple[list[dict], dict | None]:
    """Expand a ``sweep``/``uncertainties`` block into a list of ``{dotted.key: value}`` points."""
    if block is None:
        return [{}], None
    if not isinstance(block, dict):
        raise src.error(where, "a mapping with 'method' and 'parameters'", describe(block))
    if "from_calibration" in block:
        return _calibration_points(block, where, src, seed)
    for key in block:
        if key not in ("method", "parameters", "samples"):
            raise src.error(f"{where}.{key}", "a known key" + suggest(key, ["method", "parameters", "samples"]),
                            one_line(str(key)))
    method = block.get("method", "grid")
    if method not in METHODS:
        raise src.error(f"{where}.method", "one of grid, lhs, sobol, morris", describe(method))
    params = block.get("parameters")
    if not isinstance(params, dict) or not params:
        raise src.error(f"{where}.parameters", "a non-empty mapping of dotted.key -> values",
                        "it missing" if params is None else describe(params))
    keys = list(params)
    if method == "grid":
        if "samples" in block:
            raise src.error(f"{where}.samples", "no 'samples' with method grid (the grid is the values given)",
                            describe(block["samples"]))
        for k, v in params.items():
            if not isinstance(v, list) or not v:
                raise src.error(f"{where}.parameters.{k}", "a non-empty list of values", describe(v))
        points = [dict(zip(keys, combo)) for combo in itertools.product(*params.values())]
        return points, {"method": "grid", "parameters": copy.deepcopy(params)}
    n = block.get("samples")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        what = {"lhs": "Latin hypercube sample size", "sobol": "Sobol base sample size N (N·(D+2) points)",
                "morris": "number of Morris trajectories (N·(D+1) points)"}[method]
        raise src.error(f"{where}.samples", f"a whole number >= 1 ({what})",
                        "it missing" if n is None else describe(n))
    bounds = []
    for k, v in params.items():
        kp = f"{where}.parameters.{k}"
        if not isinstance(v, dict) or set(v) != {"min", "max"}:
            raise src.error(kp, "a mapping {min: a, max: b}", describe(v))
        lo, hi = v["min"], v["max"]
        for b, x in (("min", lo), ("max", hi)):
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                raise src.error(f"{kp}.{b}", "a number", describe(x))
        if not lo < hi:
            raise src.error(kp, "min < max", f"min {lo}, max {hi}")
        bounds.append((lo, hi, isinstance(lo, int) and isinstance(hi, int)))
    u = latin_hypercube(n, len(keys), seed) if method == "lhs" else salib_sample(method, n, len(keys), seed,
                                                                                      f"{where}.method", src)
    points = []
    for row in u:
        pt = {}
        for k, (lo, hi, whole), x in zip(keys, bounds, row):
            val = lo + x * (hi - lo)
            pt[k] = int(min(hi, np.floor(lo + x * (hi - lo + 1)))) if whole else float(val)
        points.append(pt)
    return points, {"method": method, "samples": n, "parameters": copy.deepcopy(params)}


def _calibration_points(block: dict, where: str, src: Source, seed: int) -> tuple[list[dict], dict]:
    """``{from_calibration: DIR, samples: n}``: n parameter sets drawn from the approximate posterior of the
    calibration in DIR (relative to the experiment file)."""
    from .calibration import posterior_points

    for key in block:
        if key not in ("from_calibration", "samples"):
            raise src.error(f"{where}.{key}", "a known key" + suggest(key, ["from_calibration", "samples"]),
                            one_line(str(key)))
    folder = block["from_calibration"]
    if not isinstance(folder, str) or not folder.strip():
        raise src.error(f"{where}.from_calibration", "the folder of a finished calibration (simcommerce calibrate "
                        "--out DIR)", describe(folder))
    path = Path(folder) if Path(folder).is_absolute() else Path(src.file).parent / folder
    if not (path / "posterior.json").is_file():
        raise src.error(f"{where}.from_calibration", "the folder of a finished calibration (with posterior.json)",
                        f"'{folder}' ({'no such folder' if not path.is_dir() else 'no posterior.json in it'})")
    n = block.get("samples")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise src.error(f"{where}.samples", "a whole number >= 1 (parameter sets drawn from the posterior)",
                        "it missing" if n is None else describe(n))
    try:
        points = posterior_points(path, n, seed)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise src.error(f"{where}.from_calibration", "a readable posterior.json", type(exc).__name__) from None
    return points, {"from_calibration": str(path.resolve()), "samples": n}


def salib_sample(method: str, n: int, d: int, seed: int, where: str, src: Source) -> np.ndarray:
    """A Sobol (Saltelli, first order: n·(d+2) points) or Morris (n trajectories of d+1 points) design
    in the unit cube, from SALib (the ``analysis`` extra)."""
    try:
        from SALib.sample import morris, sobol
    except ImportError:
        raise src.error(where, f"the SALib package for {method} designs (pip install 'simcommerce[analysis]')",
                        "it not installed") from None
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
    if method == "sobol":
        import warnings

        with warnings.catch_warnings():  # SALib warns when n is not a power of 2; the design is still valid
            warnings.simplefilter("ignore")
            return np.minimum(sobol.sample(problem, n, calc_second_order=False, seed=seed), 1 - 1e-12)
    return np.minimum(morris.sample(problem, n, num_levels=4, seed=seed), 1 - 1e-12)


def latin_hypercube(n: int, d: int, seed: int) -> np.ndarray:
    """``n`` × ``d`` Latin hypercube sample in [0, 1): one point per stratum of each dimension."""
    rng = np.random.default_rng([seed, 0x1A7])
    u = (rng.random((n, d)) + np.arange(n)[:, None]) / n
    for j in range(d):
        u[:, j] = u[rng.permutation(n), j]
    return u


def peak_run_memory(experiment: "Experiment") -> int:
    """Bytes the largest run of the design needs (:func:`~simcommerce.scenario.estimated_memory`)."""
    from .scenario import estimated_memory

    key = "population.consumers"
    biggest = max(experiment.points or [{}], key=lambda pt: pt.get(key) or 0)
    return max(estimated_memory(resolve_scenario(copy.deepcopy(experiment.base_data), overrides={**o, **biggest}))
               for o in experiment.policies.values())


def end_of_run_metrics(scenarios: list[dict]) -> set[str]:
    """Names of the runs table's end-of-run metrics for runs of any of ``scenarios``, from the mechanisms'
    declarations (no run needed): every declared metric but the daily flows ``new_*``, and the run's size."""
    names = {"days", "consumers", "max_money_imbalance"}
    for sc in scenarios:
        names |= {m for m in declared_columns(sc) if not m.startswith("new_")}
    return names


def run_id(policy: str, point: int, replication: int) -> str:
    return f"{policy}-p{point:03d}-r{replication:02d}"


def design(experiment: Experiment) -> list[RunSpec]:
    """All runs: policy × point × replication; replication r uses root seed ``seed + r`` everywhere."""
    specs = []
    for policy, overrides in experiment.policies.items():
        for i, pt in enumerate(experiment.points or [{}]):
            for r in range(experiment.replications):
                specs.append(RunSpec(run_id(policy, i, r), policy, i, r, experiment.seed + r,
                                     {**copy.deepcopy(overrides), **copy.deepcopy(pt)}, copy.deepcopy(pt)))
    return specs
