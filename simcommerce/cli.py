"""``simcommerce`` command line: run, check, schema, experiment, compare, dashboard, ...

Bad input exits with code 2 and one sentence on stderr naming the file, the key path
(and line), what was expected and what was found.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import time
from pathlib import Path

from .spec import ScenarioError

EXIT_BAD_INPUT = 2
QUIET = VERBOSE = False  # set from --quiet / --verbose


def say(text: str) -> None:
    """A result line on stdout (not with --quiet)."""
    if not QUIET:
        print(text)


def detail(text: str) -> None:
    """A progress line on stderr (with --verbose only)."""
    if VERBOSE:
        print(text, file=sys.stderr, flush=True)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's usage errors: one line, exit 2
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("simcommerce")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown (not installed)"


def _experiment_format() -> str:
    """The experiment file format, from :mod:`simcommerce.experiment`'s docstring (read, not imported: --help
    stays fast)."""
    import ast

    doc = ast.get_docstring(ast.parse(Path(__file__).with_name("experiment.py").read_text(encoding="utf-8")))
    return doc.split("\n\n", 1)[1].split("**Common", 1)[0].rstrip() + \
        "\n\nCheck a file without running it: simcommerce check FILE.yaml\nEvery key and check: " \
        "docs/experiment-reference.md (simcommerce schema --experiment [--markdown])\n"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="simcommerce", description="Agent-based simulator of social-commerce markets.",
                     epilog="Start with: simcommerce run scenarios/baseline.yaml --out results/baseline")
    parser.add_argument("--version", action="version", version=f"simcommerce {_version()}")
    noise = _Parser(add_help=False)  # before or after the command: simcommerce -q run ... / run ... -q
    for p in (parser, noise):
        group = p.add_mutually_exclusive_group()
        group.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print errors only")
        group.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                           help="also print each finished run")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    _add_parser = sub.add_parser
    sub.add_parser = lambda *a, **k: _add_parser(*a, parents=[noise], **k)
    run = sub.add_parser("run", help="run a scenario's replications (a one-policy experiment) and write its "
                         "store + report")
    run.add_argument("scenario", type=Path, help="scenario YAML file, or the name of a shipped one (simcommerce "
                     "scenarios lists them)")
    run.add_argument("--out", type=Path, required=True, help="results folder (new or empty), laid out as an "
                     "experiment's: compare takes it")
    run.add_argument("--replications", type=int, default=1, help="number of runs (seeds seed, seed+1, ...)")
    run.add_argument("--resume", action="store_true", help="finish an interrupted run in --out: the replications "
                     "already finished are kept")
    run.add_argument("--seed", type=int, default=None, help="root seed of the first run (default: scenario's)")
    run.add_argument("--force", action="store_true", help="overwrite the results in a non-empty --out")
    run.add_argument("--no-report", action="store_true", help="skip report.html")
    run.add_argument("--profile", action="store_true", help="print the CPU time of each step of the day (the activity "
                     "draw, each mechanism, the recording), summed over the runs")
    check = sub.add_parser("check", help="validate a scenario, experiment, calibration or optimisation file without "
                           "running it")
    check.add_argument("scenario", type=Path, help="scenario, experiment, calibration or optimisation YAML file, or "
                       "a shipped scenario's name")
    check.add_argument("--plan", action="store_true", help="also print the day's plan: each step's stage, mechanism, "
                       "what it reads and what it writes")
    scen = sub.add_parser("scenarios", help="list the shipped scenarios, or copy one to edit (scenarios copy NAME DEST)")
    scen.add_argument("action", nargs="?", choices=["list", "copy"], default="list")
    scen.add_argument("name", nargs="?", help="copy: the shipped scenario's name")
    scen.add_argument("dest", nargs="?", type=Path, help="copy: the file (or folder) to write")
    validate = sub.add_parser("validate", help="dock the model to published theory and data")
    validate.add_argument("--out", type=Path, default=Path("results/validation"), help="folder for report.html")
    validate.add_argument("--quick", action="store_true", help="smaller sizes (about 2 minutes)")
    docs = sub.add_parser("docs", help="regenerate the generated parts of docs/ (run from the repository root)")
    docs.add_argument("--root", type=Path, default=Path("."), help="repository root")
    compare = sub.add_parser("compare", help="compare the policies of experiment and run folders: HTML report + "
                             "summary")
    compare.add_argument("dirs", type=Path, nargs="+", metavar="DIR", help="experiment or run folder(s) (merged; "
                         "a run is one policy)")
    compare.add_argument("--out", type=Path, required=True, help="report file (summary.csv/.parquet beside it)")
    compare.add_argument("--metrics", default=None, help="comma-separated metrics (default: the experiment's)")
    compare.add_argument("--reference", default=None, help="reference policy (default: the experiment's)")
    compare.add_argument("--brand", default=None, help="the brand the verdict is for (default: the first brand)")
    compare.add_argument("--lang", default="en", choices=["en", "zh", "zh-CN"],
                         help="language of the report's verdict and title (zh: Chinese)")
    exp = sub.add_parser("experiment", help="run an experiment's policies × points × replications into a store",
                         formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_experiment_format())
    exp.add_argument("experiment", type=Path, help="experiment YAML file")
    exp.add_argument("--out", type=Path, required=True, help="results folder (new or empty; see --resume)")
    exp.add_argument("--workers", type=int, default=None, help="local worker processes (default: CPU count)")
    exp.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run on a Dask cluster, e.g. tcp://host:8786 (needs simcommerce[distributed])")
    exp.add_argument("--resume", action="store_true", help="finish an interrupted experiment in --out")
    cal = sub.add_parser("calibrate", help="fit a scenario's parameters to observed data: estimates, intervals, "
                         "calibrated.yaml, report (needs simcommerce[calibrate])")
    cal.add_argument("calibration", type=Path, help="calibration YAML file (docs/calibration.md)")
    cal.add_argument("--out", type=Path, required=True, help="results folder (new or empty; see --resume)")
    cal.add_argument("--workers", type=int, default=None, help="local worker processes (default: CPU count)")
    cal.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run on a Dask cluster, e.g. tcp://host:8786 (needs simcommerce[distributed])")
    cal.add_argument("--resume", action="store_true", help="finish an interrupted calibration in --out")
    opt = sub.add_parser("optimize", help="search a brand's levers for the highest expected profit: best policy, "
                         "its interval, how flat the optimum is, report (needs simcommerce[calibrate])")
    opt.add_argument("optimization", type=Path, help="optimisation YAML file (docs/optimize.md)")
    opt.add_argument("--out", type=Path, required=True, help="results folder (new or empty)")
    opt.add_argument("--workers", type=int, default=None, help="local worker processes (default: CPU count)")
    opt.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run on a Dask cluster, e.g. tcp://host:8786 (needs simcommerce[distributed])")
    dash = sub.add_parser("dashboard", help="the strategist's dashboard in the browser (needs simcommerce[dashboard])")
    dash.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    dash.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    dash.add_argument("--results", type=Path, default=Path("results"),
                      help="results store: experiments to browse; dashboard runs go to DIR/dashboard/<browser>/")
    dash.add_argument("--workers", type=int, default=None, help="worker processes per run (default: CPU count)")
    schema = sub.add_parser("schema", help="print the JSON Schema of the scenario format (or of the experiment, "
                            "calibration or optimisation format)")
    schema.add_argument("--markdown", action="store_true", help="print the format's reference (markdown) instead")
    which = schema.add_mutually_exclusive_group()
    for kind in ("experiment", "calibration", "optimisation"):
        which.add_argument(f"--{kind}", dest="format", action="store_const", const=kind,
                           help=f"the {kind} file format instead of the scenario's")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        print(parser.format_usage().rstrip() + "\n(simcommerce --help lists the commands; try: simcommerce run "
              "scenarios/baseline.yaml --out results/baseline)", file=sys.stderr)
        return EXIT_BAD_INPUT
    global QUIET, VERBOSE
    QUIET, VERBOSE = getattr(args, "quiet", False), getattr(args, "verbose", False)
    try:
        if args.command == "check":
            return cmd_check(args)
        if args.command == "schema":
            if args.format:
                from . import experiment

                text = (experiment.reference_markdown if args.markdown else experiment.schema_json)(args.format)
            else:
                from .scenario import reference_markdown, schema_json

                text = reference_markdown() if args.markdown else schema_json()
            print(text, end="" if args.markdown else "\n")
            return 0
        if args.command == "run":
            return cmd_run(args)
        if args.command == "validate":
            return cmd_validate(args)
        if args.command == "docs":
            return cmd_docs(args)
        if args.command == "compare":
            return cmd_compare(args)
        if args.command == "experiment":
            return cmd_experiment(args)
        if args.command == "dashboard":
            return cmd_dashboard(args)
        if args.command == "calibrate":
            return cmd_calibrate(args)
        if args.command == "scenarios":
            return cmd_scenarios(args)
        if args.command == "optimize":
            return cmd_optimize(args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        print("error: not enough memory for this scenario; reduce population.consumers or the number of products.",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output was piped into a command that stopped reading (| head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 1


def _file_kind(path: str) -> str:
    """``optimisation`` (it has ``levers``), ``calibration`` (it has ``targets`` or ``parameters``), ``experiment``
    (a key of the experiment format that is not a scenario key: ``policies``, ``base``, ...) or ``scenario``."""
    from .scenario import _compose_with_lines

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "scenario"  # the scenario loader names the problem
    data, _ = _compose_with_lines(text, path)
    if not isinstance(data, dict):
        return "scenario"
    import difflib

    if "levers" in data and "policies" not in data:
        return "optimisation"
    own = ("holdout", "budget", "sampler")  # keys only calibrations have; their two long ones may be misspelt
    if "policies" not in data and any(k in own or difflib.get_close_matches(str(k), ("parameters", "targets"), n=1,
                                                                          cutoff=0.8) for k in data):
        return "calibration"
    from .experiment import experiment_spec
    from .scenario import scenario_spec

    own = set(experiment_spec().fields) - set(scenario_spec().fields)
    return "experiment" if own & {str(k) for k in data} else "scenario"


def cmd_check(args) -> int:
    from . import plan
    from .scenario import load_scenario, scenario_path

    kind = _file_kind(args.scenario)
    if kind == "optimisation":
        from .optimize import load_optimization

        opt = load_optimization(args.scenario)
        say(f"{args.scenario}: ok — optimisation '{opt.name}' for {opt.brand}: {len(opt.parameters)} lever(s), "
            f"{opt.trials} candidates × {opt.seeds} seeds = {opt.trials * opt.seeds} runs (+ {opt.seeds} of the "
            f"base policy)" + (f"; max spend {opt.max_spend:,.0f}" if opt.max_spend is not None else ""))
        return 0
    if kind == "calibration":
        from .calibration import load_calibration

        cal = load_calibration(args.scenario)
        say(f"{args.scenario}: ok — calibration '{cal.name}': {len(cal.parameters)} parameter(s), "
            f"{len(cal.metrics)} observed metric(s), {len(cal.statistics)} statistic(s); {cal.trials} candidates × "
            f"{cal.seeds} seeds = {cal.trials * cal.seeds} runs")
        return 0
    if kind == "experiment":
        from .experiment import design, load_experiment

        exp = load_experiment(args.scenario)  # resolves every policy's scenario and every point's values
        n = len(exp.policies)
        say(f"{args.scenario}: ok — experiment '{exp.name}': {n} polic{'y' if n == 1 else 'ies'} × "
            f"{max(1, len(exp.points))} point(s) × {exp.replications} replication(s) = {len(design(exp))} runs; "
            f"base: {_scenario_summary(exp.scenario)}; metrics: {', '.join(exp.metrics)}")
        return 0
    sc = load_scenario(scenario_path(args.scenario))
    day = plan.ordered([k for k, v in sc["mechanisms"].items() if v["enabled"]])
    say(f"{args.scenario}: ok — {_scenario_summary(sc)}; mechanisms: {', '.join(c.name for c in day)}")
    if args.plan:
        print(plan.text(day), end="")
    return 0


def _scenario_summary(sc: dict) -> str:
    """``N consumers, B brand(s), I influencers, D days`` of a resolved scenario."""
    n_inf = sum(sc["influencers"]["counts"].values()) + len(sc["influencers"]["named"])
    return f"{sc['population']['consumers']} consumers, {len(sc['brands'])} brand(s), {n_inf} influencers, " \
           f"{sc['steps']} days"


def cmd_run(args) -> int:
    from . import executors
    from .experiment import design
    from .report import write_report
    from .results import OutputDirError
    from .runner import one_policy_experiment
    from .scenario import load_scenario, scenario_path
    from .store import ExperimentStore, load_results

    if args.replications < 1:
        raise ScenarioError("command line", "--replications", "a whole number >= 1", str(args.replications))
    if args.seed is not None and args.seed < 0:
        raise ScenarioError("command line", "--seed", "a whole number >= 0", str(args.seed))
    if args.resume and args.force:
        raise ScenarioError("command line", "--resume", "either --resume or --force", "both")
    path = scenario_path(args.scenario)
    scenario = load_scenario(path)
    experiment = one_policy_experiment(scenario, path, args.replications, args.seed)  # same store as experiments
    specs = design(experiment)
    try:
        store = ExperimentStore.open(args.out, experiment, specs, resume=args.resume, force=args.force,
                                     command=" ".join(["simcommerce", *sys.argv[1:]]))
    except OutputDirError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    todo = store.pending(specs)
    t0 = time.perf_counter()
    profile = {} if args.profile else None
    with _progress(len(todo) * scenario["steps"], f"{scenario['name']}") as bar:
        try:
            for spec in todo:
                _, blobs, timing = executors.execute_encoded(spec, path, experiment.parameters,
                                                             progress=lambda day: bar.update(1), profile=profile)
                store.write_encoded(spec.policy, spec.run_id, blobs, timing)
                if VERBOSE:
                    import io

                    import pandas as pd

                    row = pd.read_parquet(io.BytesIO(blobs["runs"])).iloc[0]
                    detail(f"run {spec.replication} (seed {spec.seed}): {int(row.get('cum_orders', 0))} orders in "
                           f"{timing['seconds']:.1f} s")
        except KeyboardInterrupt:
            store.finish(time.perf_counter() - t0, "this process", interrupted=True)
            print(f"interrupted: {store.n_done()} of {len(specs)} replication(s) finished and kept in "
                  f"{args.out}; finish with the same command and --resume", file=sys.stderr)
            return 130
        except OSError as exc:  # a full disk: say so, keep what finished
            try:
                store.finish(time.perf_counter() - t0, "this process")
            except OSError:
                pass
            print(f"error: cannot write to {args.out} ({(exc.strerror or str(exc)).splitlines()[0]}); "
                  f"{store.n_done()} finished replication(s) are kept, rerun with --resume.", file=sys.stderr)
            return 1
    store.finish(time.perf_counter() - t0, "this process")
    results = load_results(args.out)
    if not args.no_report:
        write_report(args.out, results)
    if profile:
        print(_profile_table(profile), end="")
    last = results["runs"].iloc[-1]
    say(f"{scenario['name']}: {len(specs)} run(s) × {scenario['steps']} days in "
        f"{store.manifest['timings']['wall_seconds']:.1f} s; last run: {int(last.get('cum_orders', 0))} orders, "
        f"GMV {last.get('cum_gmv', 0):,.0f}, {int(last['n_aware'])} aware. Results in {args.out}/")
    return 0


def _profile_table(profile: dict[str, float]) -> str:
    """CPU seconds per step of the day, largest first, with shares of the total."""
    total = sum(profile.values()) or 1.0
    rows = [f"{'step':<20} {'CPU s':>8} {'share':>7}"]
    rows += [f"{name:<20} {sec:8.3f} {sec / total:7.1%}" for name, sec in sorted(profile.items(), key=lambda kv: -kv[1])]
    return "\n".join(rows + [f"{'total':<20} {total:8.3f}"]) + "\n"


WRITE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EACCES)


def cmd_experiment(args) -> int:
    from . import executors

    _workers_and_scheduler(args)
    if not args.scheduler and executors.local_workers(args.workers) > 1:
        executors.forkserver()  # imports the model while this process imports its own and reads the experiment
    from .experiment import design, load_experiment
    from .results import OutputDirError
    from .store import ExperimentStore
    experiment = load_experiment(args.experiment)
    specs = design(experiment)
    if not args.scheduler:  # local workers run at once on this machine: they must fit in its memory together
        from .experiment import peak_run_memory
        from .scenario import available_memory

        per_run, have = peak_run_memory(experiment), available_memory()
        workers = min(executors.local_workers(args.workers), len(specs))
        if per_run * workers > have:
            raise ScenarioError("command line", "--workers", f"at most {max(1, have // per_run)} worker(s): runs "
                                f"of about {per_run / 2**30:.1f} GiB each in {have / 2**30:.1f} GiB of memory",
                                f"{workers} worker(s)")
    try:
        store = ExperimentStore.open(args.out, experiment, specs, resume=args.resume,
                                     command=" ".join(["simcommerce", *sys.argv[1:]]))
    except OutputDirError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    todo = store.pending(specs)
    params = experiment.parameters
    if args.scheduler:
        results = executors.run_dask(todo, experiment.base_data, params, args.scheduler)
        executor = f"dask {args.scheduler}"
    else:
        results = executors.run_local(todo, experiment.base_data, params, args.workers)
        executor = f"local, {args.workers or 'CPU count'} worker(s)"
    t0 = time.perf_counter()
    from tqdm import tqdm

    with tqdm(total=len(specs), initial=len(specs) - len(todo), desc=experiment.name, unit="run",
              disable=not sys.stderr.isatty(), leave=False) as bar:
        try:
            for spec, blobs, timing in results:
                store.write_encoded(spec.policy, spec.run_id, blobs, timing)
                bar.update(1)
                detail(f"{spec.run_id} done ({store.n_done()} of {len(specs)})")
        except KeyboardInterrupt:
            store.finish(time.perf_counter() - t0, executor)
            raise
        except OSError as exc:  # a full disk, or a lost Dask scheduler: say so, keep what finished
            try:
                store.finish(time.perf_counter() - t0, executor)  # the manifest: "incomplete"
            except OSError:
                pass  # the disk is still full: the files of the finished runs tell --resume what is done
            what = (f"cannot write to {args.out}" if exc.filename or exc.errno in WRITE_ERRORS else
                    f"cannot use the Dask scheduler at {args.scheduler}" if args.scheduler else "a system error")
            print(f"error: {what} ({(exc.strerror or str(exc)).splitlines()[0]}); {store.n_done()} finished "
                  f"run(s) are kept, rerun with --resume.", file=sys.stderr)
            return 1
    store.finish(time.perf_counter() - t0, executor)
    say(f"{experiment.name}: {len(todo)} run(s) done ({len(specs) - len(todo)} already done) of "
          f"{len(specs)}: {len(experiment.policies)} policies × {len(experiment.points)} point(s) × "
          f"{experiment.replications} replications in {time.perf_counter() - t0:.1f} s. Results in {args.out}/")
    return 0


def _workers_and_scheduler(args) -> None:
    """Refuse a bad --workers, and --scheduler without Dask installed."""
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("command line", "--workers", "a whole number >= 1", str(args.workers))
    if args.scheduler is not None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ScenarioError("command line", "--scheduler", "Dask distributed installed "
                                "(pip install 'simcommerce[distributed]')", "it missing") from None


def _optuna_command(args, command: str) -> None:
    """Checks of a command that searches with optuna over the executors: workers or scheduler, optuna
    installed, and the forkserver start method for local worker processes."""
    from . import executors

    _workers_and_scheduler(args)
    try:
        import optuna  # noqa: F401
    except ImportError:
        raise ScenarioError("command line", command, "optuna installed (pip install 'simcommerce[calibrate]')",
                            "it missing") from None
    if not args.scheduler and executors.local_workers(args.workers) > 1:
        executors.forkserver()


def cmd_calibrate(args) -> int:
    import io

    from . import executors

    _optuna_command(args, "calibrate")
    import pandas as pd

    from .calibration import calibrate, load_calibration, start_manifest, write_outputs
    from .results import OutputDirError
    from .store import ExperimentStore

    cal = load_calibration(args.calibration)
    command = " ".join(["simcommerce", *sys.argv[1:]])
    try:
        start_manifest(cal, args.out, args.resume, command)
        lock = ExperimentStore._take_lock(args.out)  # noqa: F841 (held until this process ends)
    except OutputDirError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    keys = [p.key for p in cal.parameters]
    workers = 1 if args.scheduler else executors.local_workers(args.workers)

    def run_batch(specs):
        results = (executors.run_dask(specs, cal.base_data, keys, args.scheduler) if args.scheduler else
                   executors.run_local(specs, cal.base_data, keys, args.workers))
        for spec, blobs, _ in results:
            yield spec, pd.read_parquet(io.BytesIO(blobs["market"])), pd.read_parquet(io.BytesIO(blobs["brands"]))

    batch = cal.batch or (8 if args.scheduler else max(2, workers))  # candidates per round
    t0 = time.perf_counter()
    with _progress(cal.trials, cal.name, unit="candidate") as bar:
        def progress(done, total):
            bar.n = done
            bar.refresh()
            detail(f"{done} of {total} candidates")

        try:
            trials = calibrate(cal, args.out, run_batch, batch, resume=args.resume, progress=progress)
        except OSError as exc:
            what = f"cannot write to {args.out}" if exc.filename or exc.errno in WRITE_ERRORS else \
                f"cannot use the Dask scheduler at {args.scheduler}" if args.scheduler else "a system error"
            print(f"error: {what} ({(exc.strerror or str(exc)).splitlines()[0]}); the finished candidates are "
                  "kept, rerun with --resume.", file=sys.stderr)
            return 1
    summary = write_outputs(cal, args.out, trials, time.perf_counter() - t0, command)

    est = pd.read_csv(args.out / "estimates.csv")
    for r in est.itertuples():
        say(f"  {r.parameter} = {r.estimate:.4g}  (95% {r.low:.4g} to {r.high:.4g})"
            + ("" if r.identified else "  not identified"))
    say(f"{cal.name}: {summary['trials']} candidates and {summary['checks']} checks ({summary['runs']} runs) in "
        f"{summary['seconds']:.0f} s. "
        f"Estimates in {args.out / 'estimates.csv'}, calibrated scenario {args.out / 'calibrated.yaml'}, "
        f"report {args.out / 'report.html'}")
    return 0


def cmd_optimize(args) -> int:
    _optuna_command(args, "optimize")
    from .optimize import load_optimization, prepare, run, summary_text
    from .results import OutputDirError

    opt = load_optimization(args.optimization)
    try:
        prepare(args.out)
    except OutputDirError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    with _progress(opt.trials, opt.name, unit="candidate") as bar:
        def progress(done, total):
            bar.n = done
            bar.refresh()
            detail(f"{done} of {total} candidates")

        try:
            result = run(opt, args.out, args.workers, args.scheduler, " ".join(["simcommerce", *sys.argv[1:]]),
                         progress)
        except OSError as exc:
            what = f"cannot write to {args.out}" if exc.filename or exc.errno in WRITE_ERRORS else \
                f"cannot use the Dask scheduler at {args.scheduler}" if args.scheduler else "a system error"
            print(f"error: {what} ({(exc.strerror or str(exc)).splitlines()[0]}).", file=sys.stderr)
            return 1
    say(summary_text(opt, result))
    say(f"{opt.name}: best policy in {args.out / 'best.json'}, trials {args.out / 'trials.parquet'}, report "
        f"{args.out / 'report.html'}")
    return 0


def cmd_compare(args) -> int:
    from .compare import compare
    from .i18n import lang_of

    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()] if args.metrics else None
    try:
        out, summary = compare(args.dirs, args.out, metrics, args.reference, args.brand, lang_of(args.lang))
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    say(f"compared {summary['policy'].nunique()} policies on {summary['metric'].nunique()} metrics: "
          f"report {out}, summary {out.parent / 'summary.csv'}")
    return 0


def cmd_scenarios(args) -> int:
    from .scenario import BUNDLED, _compose_with_lines

    names = sorted(p.stem for p in BUNDLED.glob("*.yaml"))
    if args.action == "list":
        for name in names:
            data, _ = _compose_with_lines((BUNDLED / f"{name}.yaml").read_text(encoding="utf-8"), name)
            say(f"{name:28s} {(data or {}).get('description', '')}")
        return 0
    if args.name not in names:
        from .spec import suggest

        raise ScenarioError("command line", "scenarios copy NAME", "the name of a shipped scenario" +
                            suggest(str(args.name), names), repr(args.name))
    if args.dest is None:
        raise ScenarioError("command line", "scenarios copy NAME DEST", "a destination file or folder", "none")
    dest = args.dest / f"{args.name}.yaml" if args.dest.is_dir() else args.dest
    if dest.exists():
        print(f"error: {dest}: expected a new file, found an existing one (nothing was changed).", file=sys.stderr)
        return EXIT_BAD_INPUT
    text = (BUNDLED / f"{args.name}.yaml").read_text(encoding="utf-8")
    dest.write_text(text, encoding="utf-8")
    say(f"copied {args.name} to {dest}: edit it, then simcommerce run {dest} --out results/{args.name}")
    return 0


def cmd_dashboard(args) -> int:
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("command line", "--workers", "a whole number >= 1", str(args.workers))
    if not 0 < args.port < 65536:
        raise ScenarioError("command line", "--port", "a port number between 1 and 65535", str(args.port))
    try:
        import dash  # noqa: F401
    except ImportError:
        raise ScenarioError("command line", "dashboard", "Dash installed (pip install 'simcommerce[dashboard]')",
                            "it missing") from None
    from .dashboard import serve

    try:
        serve(args.host, args.port, args.results, args.workers)
    except OSError as exc:
        print(f"error: cannot serve the dashboard on {args.host}:{args.port} ({exc.strerror or exc}).",
              file=sys.stderr)
        return 1
    return 0


def cmd_docs(args) -> int:
    from . import odd, plan
    from .experiment import FORMATS
    from .experiment import reference_markdown as format_reference
    from .metrics import data_dictionary_markdown
    from .scenario import reference_markdown

    docs = args.root / "docs"
    (docs / "scenario-reference.md").write_text(reference_markdown())
    for kind, (page, _) in FORMATS.items():
        (args.root / page).write_text(format_reference(kind))
    (docs / "odd.md").write_text(odd.render((docs / "odd.md").read_text()))
    (docs / "data-dictionary.md").write_text(data_dictionary_markdown())
    (docs / "model.md").write_text(plan.render_model_doc((docs / "model.md").read_text()))
    say(f"wrote {docs / 'scenario-reference.md'}, the references of the {', '.join(FORMATS)} formats, "
        f"{docs / 'data-dictionary.md'} and the generated parts of {docs / 'odd.md'} and {docs / 'model.md'}")
    return 0


def cmd_validate(args) -> int:
    from .results import atomic_write_bytes
    from .validation import checks, render_html, table

    outcomes = []
    t0 = time.perf_counter()
    for module in checks():
        print(f"… {module.TITLE}", file=sys.stderr, flush=True)
        outcomes.append(module.run(args.quick))
    print(table(outcomes))
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(args.out / "report.html", render_html(outcomes, args.quick).encode("utf-8"))
    passed = all(o.passed for o in outcomes)
    print(f"\n{'all checks pass' if passed else 'SOME CHECKS FAIL'} in {time.perf_counter() - t0:.0f} s; "
          f"report: {args.out / 'report.html'}")
    return 0 if passed else 1


def _progress(total: int, desc: str, unit: str = "day"):
    """A tqdm bar on a terminal, silent otherwise."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not sys.stderr.isatty(), leave=False)


if __name__ == "__main__":
    sys.exit(main())
