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

**The format** is declared by :func:`experiment_spec`, the same kind of tree as the scenario's
(:mod:`simcommerce.spec`): it validates the file, prints its JSON Schema (``simcommerce schema --experiment``)
and docs/experiment-reference.md. :func:`load_experiment` then checks what needs the base scenario (each
policy's overrides are resolved through the scenario format, so a misspelt key is named with the closest
valid one; every sweep value; the metrics) and raises one :class:`~simcommerce.spec.ScenarioError` naming
the experiment file, the key path and line. :func:`design` expands the experiment into a list of
:class:`RunSpec`.
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
from .spec import (MAX_SEED, NONBLANK, ListOf, OneOf, Param, ScenarioError, Section, Source, describe, one_line,
                   resolve, suggest)

MAX_BUDGET = 100_000  # cap on a search's runs (calibration, optimisation)
SAMPLERS = ("tpe", "cmaes", "random")  # optuna's samplers
MAX_RUNS = 10_000  # default cap on policies x points x replications (max_runs: overrides it)
MAX_COUNT = 10**9  # bound of the counts (replications, samples, max_runs)
MAX_BOUND = 10**15  # bound of a range's ends (each end is then checked as a value of its scenario key)
METHODS = ("grid", "lhs", "sobol", "morris")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # a policy name (it names files)
POINTS_PER_SAMPLE = {"lhs": lambda d: 1, "sobol": lambda d: d + 2, "morris": lambda d: d + 1}


# ---------------------------------------------------------------------------------------- the format

def _one_base(ex: dict, given: dict, path: str, src: Source) -> None:
    """Exactly one of `base` (a scenario file) and `scenario` (inline)."""
    if ("base" in given) == ("scenario" in given):
        raise src.error("base" if "base" in given else "", "exactly one of 'base' (a scenario file) or 'scenario' "
                        "(an inline mapping)", "both" if "base" in given else "neither")


def _reference_is_a_policy(ex: dict, given: dict, path: str, src: Source) -> None:
    """`reference` names a policy (default: the first)."""
    if ex["reference"] is not None and ex["reference"] not in ex["policies"]:
        raise src.error("reference", f"the name of a policy{suggest(ex['reference'], list(ex['policies']))}",
                        describe(ex["reference"]))


def _design_size(block: dict | None) -> int:
    """Points a validated ``sweep``/``uncertainties`` block has (1 when absent)."""
    if block is None:
        return 1
    if "from_calibration" in block:
        return block["samples"]
    params = block["parameters"]
    if block["method"] == "grid":
        return math.prod(len(v) for v in params.values())
    return block["samples"] * POINTS_PER_SAMPLE[block["method"]](len(params))


def _fits_max_runs(ex: dict, given: dict, path: str, src: Source) -> None:
    """policies x points x replications <= `max_runs` (checked before any point is drawn)."""
    reps, cap = ex["replications"], ex["max_runs"]
    if reps > cap:
        raise src.error("replications", f"at most max_runs ({cap:,}) runs in all", f"{reps:,} replications")
    n_points = _design_size(ex["sweep"]) * _design_size(ex["uncertainties"])
    runs = len(ex["policies"]) * n_points * reps
    if runs > cap:
        raise src.error("sweep" if "sweep" in given else "uncertainties" if "uncertainties" in given else
                        "replications", f"a design of at most max_runs ({cap:,}) runs (policies x points x "
                        "replications; raise max_runs to allow more)",
                        f"{len(ex['policies'])} x {n_points:,} x {reps} = {runs:,}")


def _method_fits_values(block: dict, given: dict, path: str, src: Source) -> None:
    """`grid` takes lists of values and no `samples`; `lhs`, `sobol`, `morris` take ranges and `samples`."""
    method = block["method"]
    if method == "grid" and block["samples"] is not None:
        raise src.error(f"{path}.samples", "no 'samples' with method grid (the grid is the values given)",
                        describe(block["samples"]))
    if method != "grid" and block["samples"] is None:
        what = {"lhs": "Latin hypercube sample size", "sobol": "Sobol base sample size N (N·(D+2) points)",
                "morris": "number of Morris trajectories (N·(D+1) points)"}[method]
        raise src.error(f"{path}.samples", f"a whole number >= 1 ({what})", "it missing")
    for key, v in block["parameters"].items():
        if (method == "grid") != isinstance(v, list):
            raise src.error(f"{path}.parameters.{key}", "a non-empty list of values (method grid)" if method == "grid"
                            else f"a mapping {{min: a, max: b}} (method {method})", describe(v))


def _min_below_max(rng: dict, given: dict, path: str, src: Source) -> None:
    """A range's `min` < `max`."""
    if not rng["min"] < rng["max"]:
        raise src.error(path, "min < max", f"min {rng['min']}, max {rng['max']}")


def range_spec(help: str, low: str, extra: dict | None = None, checks: tuple = ()) -> Section:
    """``{min: a, max: b}`` (numbers as written: whole-number ends give whole-number values), plus ``extra``."""
    return Section({
        "min": Param(None, "number", low, min=-MAX_BOUND, max=MAX_BOUND, required=True),
        "max": Param(None, "number", "highest value", min=-MAX_BOUND, max=MAX_BOUND, required=True),
        **(extra or {}),
    }, help, checks=(_min_below_max, *checks))


def file_fields(kind: str, base_required: bool = True) -> dict:
    """``name``, ``description`` and ``base``: the first keys of every file format but the scenario's."""
    return {
        "name": Param(None, "str", f"the {kind}'s name; default: the file's name", nullable=True, pattern=NONBLANK),
        "description": Param("", "str", f"what the {kind} asks"),
        "base": Param(None, "path", "the base scenario file, relative to this file" +
                      ("" if base_required else "; or give 'scenario'"), required=base_required, pattern=NONBLANK),
    }


def _budget_fits_seeds(data: dict, given: dict, path: str, src: Source) -> None:
    """`budget` >= 2 x `seeds` (at least two candidates)."""
    if data["budget"] is not None and data["budget"] < 2 * data["seeds"]:
        raise src.error("budget", f"a whole number of runs from 2 x seeds ({2 * data['seeds']}) to "
                        f"{MAX_BUDGET:,}", describe(data["budget"]))


def search_fields(budget_per_seed: int) -> dict:
    """``seeds``, ``seed``, ``budget``, ``sampler``, ``batch``: the keys of an optuna search (calibration,
    optimisation); with :func:`_budget_fits_seeds`."""
    return {
        "seeds": Param(3, "int", "runs per candidate, seeds seed, seed+1, ... for every candidate: common random "
                       "numbers; their spread is the noise", min=2, max=100),
        "seed": Param(None, "int", "root seed of the first run of every candidate; default: the base scenario's "
                      "seed", min=0, max=MAX_SEED - 100, nullable=True),
        "budget": Param(None, "int", f"runs in all (candidates x seeds), at least 2 x seeds; default: "
                        f"{budget_per_seed} x seeds", min=1, max=MAX_BUDGET, nullable=True),
        "sampler": Param("tpe", "str", "optuna's sampler", choices=SAMPLERS),
        "batch": Param(None, "int", "candidates evaluated together; default: the workers", min=1, max=MAX_COUNT,
                       nullable=True),
    }


def design_block(help: str) -> OneOf:
    """A ``sweep``/``uncertainties`` block: a design over values or ranges, or draws from a calibration."""
    values = ListOf(Param(None, "any", "a value of the scenario key"), "the values of the key, for grid", min_items=1,
                    unique=None)
    rng = range_spec("the range of the key, for lhs, sobol, morris",
                     "lowest value; whole-number ends give whole-number values")
    design = Section({
        "method": Param("grid", "str", "grid: every combination of the values; lhs: a Latin hypercube of the ranges; "
                        "sobol, morris: SALib's designs for sensitivity analysis (need simcommerce[analysis])",
                        choices=METHODS),
        "samples": Param(None, "int", "lhs: points; sobol: base size N (N·(D+2) points); morris: trajectories "
                         "(N·(D+1) points); D parameters; not with grid", min=1, max=MAX_COUNT, nullable=True),
        "parameters": Section({}, "dotted scenario key -> its values or range", open_keys=OneOf(
            (values, rng), "a non-empty list of values (grid) or a mapping {min: a, max: b} (lhs, sobol, morris)",
            pick=lambda v: 0 if isinstance(v, list) else 1 if isinstance(v, dict) else None),
            key_pattern=NONBLANK, key_help="dotted scenario keys (text)", min_keys=1),
    }, help, checks=(_method_fits_values,))
    posterior = Section({
        "from_calibration": Param(None, "path", "the folder of a finished calibration (simcommerce calibrate --out "
                                  "DIR), relative to the experiment file", required=True, pattern=NONBLANK),
        "samples": Param(None, "int", "parameter sets drawn from the calibration's posterior", min=1,
                         max=MAX_COUNT, required=True),
    }, help + "; or draws from a calibration's posterior")
    return OneOf((design, posterior), help,
                 pick=lambda v: 1 if isinstance(v, dict) and "from_calibration" in v else 0)


def experiment_spec() -> Section:
    """The experiment file format (docs/experiment-reference.md)."""
    overrides = Section({}, "dotted.key: value overrides of the base scenario; {} for the base as is",
                        open_keys=Param(None, "any", "the scenario key's value for this policy"),
                        key_pattern=NONBLANK, key_help="dotted scenario keys (text)")
    return Section({
        **file_fields("experiment", base_required=False),
        "scenario": Param(None, "mapping", "the base scenario inline, in the scenario format; or give 'base'"),
        "replications": Param(1, "int", "runs per policy and point, at most max_runs in all; replication r uses "
                              "root seed seed + r", min=1, max=MAX_COUNT),
        "seed": Param(None, "int", "root seed of replication 0; default: the base scenario's seed", min=0,
                      max=MAX_SEED, nullable=True),
        "policies": Section({}, "policy name -> {dotted.key: value} overrides of the base; {} is the base as is",
                            open_keys=overrides, key_pattern=NAME_RE.pattern,
                            key_help="a policy name of letters, digits, '_', '.' or '-' (it names files)", min_keys=1),
        "reference": Param(None, "str", "the name of a policy, the one the others are compared with; default: "
                           "the first", nullable=True),
        "metrics": ListOf(Param(None, "str", "an end-of-run market metric", pattern=NONBLANK),
                          "end-of-run market metrics to compare, e.g. [cum_orders, cum_gmv]", min_items=1,
                          unique=None),
        "sweep": design_block("points combined with every policy"),
        "uncertainties": design_block("points crossed with the sweep's (the uncertainty a comparison must hold "
                                      "over)"),
        "max_runs": Param(MAX_RUNS, "int", "the largest design accepted (policies x points x replications)", min=1,
                          max=MAX_COUNT),
    }, "an experiment: a base scenario, policies, sweeps, replications", checks=(
        _one_base, _reference_is_a_policy, _fits_max_runs))


# the file formats beside the scenario's: kind -> (its reference page, the page that explains it)
FORMATS = {"experiment": ("docs/experiment-reference.md", "experiments/README.md"),
           "calibration": ("docs/calibration-reference.md", "docs/calibration.md"),
           "optimisation": ("docs/optimization-reference.md", "docs/optimize.md")}


def format_spec(kind: str) -> Section:
    """The spec tree of a file format of :data:`FORMATS`."""
    if kind == "calibration":
        from .calibration import calibration_spec

        return calibration_spec()
    if kind == "optimisation":
        from .optimize import optimization_spec

        return optimization_spec()
    return experiment_spec()


def schema_json(kind: str = "experiment") -> str:
    """The ``kind`` file format (:data:`FORMATS`) as a JSON Schema document."""
    from .spec import schema_document

    return schema_document(format_spec(kind), f"simcommerce {kind}")


def reference_markdown(kind: str = "experiment") -> str:
    """The ``kind`` file format's reference page (:data:`FORMATS`): every key, and the declared checks."""
    from .spec import reference_markdown as spec_reference

    page, guide = FORMATS[kind]
    return spec_reference(format_spec(kind), f"{kind.capitalize()} reference",
                          f"Generated from the {kind} format by `simcommerce docs` (or `simcommerce schema --{kind} "
                          f"--markdown`);\na test fails when this file is stale. `[]` marks a list item; `<name>` any "
                          f"key.\n{guide} explains the format with an example.", containers=True)


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
    ex, data, src, _ = read_spec_file(path, "experiment", experiment_spec(), "name, base, policies, ...")
    name = ex["name"] or path.stem

    # --- the base scenario: a file or inline
    base_dir = path.parent
    if ex["base"] is not None:
        raw, base_src, base_file, _ = read_base(ex["base"], src, path)
        base_dir, base = base_file.parent, str(base_file.resolve())
        prefix = ""
    else:
        raw = data["scenario"]
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
    raw = copy.deepcopy(raw)
    fr = (raw.get("network") or {}).get("friendship") or {}
    if isinstance(fr, dict) and fr.get("path"):
        fr["path"] = scenario["network"]["friendship"]["path"]  # absolute, so workers anywhere find it
    base_dir = Path(".")
    reps, seed = ex["replications"], scenario["seed"] if ex["seed"] is None else ex["seed"]

    # --- policies: each one's overrides resolved through the scenario format
    out_policies: dict[str, dict] = ex["policies"]
    policy_scenarios = [resolve_with(overrides, f"policies.{pname}") for pname, overrides in out_policies.items()]
    reference = ex["reference"] or next(iter(out_policies))

    # --- sweep and uncertainties (sizes checked before any point is drawn)
    sweep_points, sweep = _points(ex["sweep"], "sweep", src, seed)
    unc_points, unc = _points(ex["uncertainties"], "uncertainties", src, seed + 7919)
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

    # --- metrics: declared by the mechanisms, so no probe run is needed
    metrics = ex["metrics"]
    known = end_of_run_metrics([scenario, *policy_scenarios])
    for i, m in enumerate(metrics):
        if m not in known:
            raise src.error(f"metrics[{i}]", "an end-of-run market metric" + suggest(m, sorted(known)),
                            one_line(m))

    return Experiment(name=name, description=ex["description"], file=str(path.resolve()), base=base, base_data=raw,
                      scenario=scenario, replications=reps, seed=seed, policies=out_policies,
                      reference=reference, metrics=list(metrics), sweep=sweep, uncertainties=unc, points=points)


def read_spec_file(path: Path, kind: str, spec: Section, example: str) -> tuple[dict, dict, Source, str]:
    """A YAML file of ``kind`` (experiment, calibration, optimisation) validated against ``spec``: (resolved, as
    written, its Source, its text).

    Raises:
        ScenarioError: the file is missing or unreadable, not a mapping, or not of the format.
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
    return resolve(spec, data, "", src), data, src, text


def read_base(base: str, src: Source, path: Path) -> tuple[Any, Source, Path, str]:
    """The scenario file ``base`` (relative to ``path``'s folder), as written: (mapping, its Source, its path,
    its text)."""
    base_file = Path(base)
    if not base_file.is_absolute():
        base_file = path.parent / base_file
    try:
        base_text = base_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise src.error("base", "an existing scenario file", f"'{base}' (no such file: {base_file})") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise src.error("base", "a readable scenario file", f"'{base}' ({type(exc).__name__})") from None
    raw, base_lines = _compose_with_lines(base_text, str(base_file))
    return raw, Source(str(base_file), base_lines), base_file, base_text


def _points(block: dict | None, where: str, src: Source, seed: int) -> tuple[list[dict], dict | None]:
    """Expand a validated ``sweep``/``uncertainties`` block into a list of ``{dotted.key: value}`` points."""
    if block is None:
        return [{}], None
    if "from_calibration" in block:
        return _calibration_points(block, where, src, seed)
    method, params = block["method"], block["parameters"]
    keys = list(params)
    if method == "grid":
        points = [dict(zip(keys, combo)) for combo in itertools.product(*params.values())]
        return points, {"method": "grid", "parameters": copy.deepcopy(params)}
    n = block["samples"]
    bounds = [(v["min"], v["max"], isinstance(v["min"], int) and isinstance(v["max"], int)) for v in params.values()]
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

    folder = block["from_calibration"]
    path = Path(folder) if Path(folder).is_absolute() else Path(src.file).parent / folder
    if not (path / "posterior.json").is_file():
        raise src.error(f"{where}.from_calibration", "the folder of a finished calibration (with posterior.json)",
                        f"'{folder}' ({'no such folder' if not path.is_dir() else 'no posterior.json in it'})")
    n = block["samples"]
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
