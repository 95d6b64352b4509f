"""Execution of an experiment's runs: in-process, a local process pool, or a Dask cluster.

The unit of work is :func:`execute_encoded` — a top-level (picklable) function of one
:class:`~simcommerce.runspec.RunSpec` and the base scenario that runs it and encodes its
tables to Parquet where it ran, so the main process (which only writes the bytes) stays idle
while the workers compute; on Dask, one task runs a batch of up to 4 specs (:func:`batches`).
Every executor yields results as runs finish, in any order; each run's tables depend only on its
spec and the base, so the tables are identical whichever executor or worker count is used.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any

# This module imports nothing heavy at import time: the CLI starts the pool's forkserver before the model is
# imported, and a Dask scheduler unpickling tasks imports only this module.
if TYPE_CHECKING:
    import pandas as pd

    from .runspec import RunSpec

    Result = tuple[str, pd.DataFrame, pd.DataFrame, dict]
    Encoded = tuple[RunSpec, dict[str, bytes], dict]  # spec, Parquet bytes per table, timings

# runs per Dask task, at most: each task costs the scheduler, the client and the worker's event loop ~10 ms of
# CPU, ~3% of a 10k-consumer run; 4 runs a task make it <1% (benchmarks/README.md)
RUNS_PER_DASK_TASK = 4


def execute(spec: RunSpec, scenario_or_path: dict | str | Path, progress=None, profile: dict | None = None) -> Result:
    """Run one spec.

    Args:
        spec: the run (policy overrides + point parameters, seed).
        scenario_or_path: the base scenario as written (a raw mapping, e.g. ``Experiment.base_data``)
            or the path of a scenario file; ``spec.overrides`` are applied before validation.
        progress: optional ``progress(day)``, called after each simulated day.
        profile: optional dict that gathers CPU seconds per step of the day (:attr:`Market.profile`).

    Returns:
        ``(run_id, market, brands, summary)``: the market table (one row per day), the brands
        table (one row per day × brand), both led by ``run_id, policy, replication, seed, point``;
        and the end-of-run summary (with ``_build_seconds``/``_seconds`` timings, which are not
        part of the tables).
    """
    import pandas as pd

    from .runner import run_once
    from .scenario import load_scenario, resolve_scenario
    from .spec import Source

    if isinstance(scenario_or_path, (str, Path)):
        scenario = load_scenario(scenario_or_path, overrides=spec.overrides)
    else:
        scenario = resolve_scenario(scenario_or_path, Source("<experiment base>"), ".", spec.overrides)
    res = run_once(scenario, spec.replication, spec.seed, progress, profile)
    ids = {"run_id": spec.run_id, "policy": spec.policy, "replication": spec.replication, "seed": spec.seed,
           "point": spec.point}
    tables = []
    for df in (res.market, res.brands):
        df = df.drop(columns=["run", "seed"])
        for i, (k, v) in enumerate(ids.items()):
            df.insert(i, k, v)
        tables.append(df)
    summary = {k: v for k, v in res.summary.items() if k not in ("run", "seed")}
    summary["_build_seconds"] = res.build_seconds
    summary["_seconds"] = res.seconds
    if res.referrals is not None:  # optional event tables, for cascade sizes and promoters' earnings
        summary["_events"] = res.referrals.assign(run_id=spec.run_id)
        summary["_promoters"] = pd.DataFrame({"run_id": spec.run_id, "promoter_earned": res.promoter_earnings})
    return spec.run_id, tables[0], tables[1], summary


def execute_encoded(spec: RunSpec, base: Any, parameters: list[str], progress=None,
                    profile: dict | None = None) -> Encoded:
    """Run one spec (:func:`execute`) and encode its tables for the store.

    Args:
        parameters: the experiment's swept/uncertain dotted keys (columns of the runs table).
        progress: optional ``progress(day)`` (:func:`execute`).
        profile: optional dict that gathers CPU seconds per step of the day (:attr:`Market.profile`).
    """
    from .store import encode_tables, run_tables

    _, market, brands, summary = execute(spec, base, progress, profile)
    tables, timing = run_tables(spec, market, brands, summary, parameters)
    return spec, encode_tables(tables), timing


def execute_batch(specs: list[RunSpec], base: Any, parameters: list[str]) -> list[Encoded]:
    """Run several specs one after the other (:func:`execute_encoded`): one Dask task."""
    return [execute_encoded(spec, base, parameters) for spec in specs]


def batches(specs: list[RunSpec], threads: int, most: int = RUNS_PER_DASK_TASK) -> list[list[RunSpec]]:
    """Split ``specs``, in order, into batches of at most ``most`` runs that shrink towards the end — each
    at most half of what is left per thread (guided self-scheduling) — so the workers finish together.

    Args:
        threads: the cluster's worker threads (0 when none has joined yet counts as 1).
    """
    out, i = [], 0
    while i < len(specs):
        size = min(most, max(1, -(-(len(specs) - i) // (2 * max(threads, 1)))))
        out.append(specs[i:i + size])
        i += size
    return out


def run_serial(specs: list[RunSpec], base: Any, parameters: list[str]) -> Iterator[Encoded]:
    """Run the specs one after the other in this process."""
    for spec in specs:
        yield execute_encoded(spec, base, parameters)


def exit_when_gone(pid: int) -> None:
    """Pool-worker initializer: end this worker within a second once process ``pid`` (the experiment's main
    process) is gone. A main process killed without clean-up (SIGKILL, the OOM killer) otherwise leaves its
    workers blocked for ever on results nobody reads, and with them the forkserver."""
    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)

    threading.Thread(target=watch, name="exit-when-main-is-gone", daemon=True).start()


def local_workers(workers: int | None) -> int:
    """The local pool's size: ``workers``, by default the machine's CPU count."""
    return workers or os.cpu_count() or 1


def forkserver() -> multiprocessing.context.BaseContext:
    """The local pool's process context, its server started (idempotent).

    forkserver: a fresh, single-threaded parent for the workers (fork from a threaded process may
    deadlock); it imports the model once (~1 s), so each worker starts without importing it again.
    Called early, the server imports the model on another core while this process imports its own."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["simcommerce.executors", "simcommerce.runner", "simcommerce.scenario",
                                "simcommerce.store"])
    from multiprocessing import forkserver as server

    server.ensure_running()
    return ctx


def run_local(specs: list[RunSpec], base: Any, parameters: list[str], workers: int | None = None) -> Iterator[Encoded]:
    """Run the specs in a local process pool (``workers`` default: CPU count; 1 runs in-process)."""
    workers = local_workers(workers)
    if workers == 1 or len(specs) <= 1:
        yield from run_serial(specs, base, parameters)
        return
    ctx = forkserver()
    with ProcessPoolExecutor(max_workers=min(workers, len(specs)), mp_context=ctx, initializer=exit_when_gone,
                             initargs=(os.getpid(),)) as pool:
        futures = [pool.submit(execute_encoded, spec, base, parameters) for spec in specs]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        finally:
            for fut in futures:
                fut.cancel()


def profiler_note(client) -> str | None:
    """A one-line hint when the cluster's workers run Dask's statistical profiler, else None.

    The profiler samples the running task's Python stack every 10 ms, which makes a simcommerce run
    ~9% slower (benchmarks/README.md); the project's dask-config/ turns it off, with other settings.
    """
    import dask.config

    on = sum(bool(v) for v in client.run(dask.config.get, "distributed.worker.profile.enabled").values())
    if not on:
        return None
    return (f"note: {on} Dask worker(s) run Dask's statistical profiler, which makes each run ~9% slower; "
            "start the workers with distributed.worker.profile.enabled: false (README: 'On a Dask cluster')")


def run_dask(specs: list[RunSpec], base: Any, parameters: list[str], address: str) -> Iterator[Encoded]:
    """Run the specs on a Dask distributed cluster (``address``: e.g. ``tcp://host:8786``)."""
    import logging
    from concurrent.futures import CancelledError

    from distributed import Client
    from distributed import as_completed as dask_as_completed

    logging.getLogger("distributed.client").setLevel(logging.CRITICAL)  # a lost scheduler: our one line, not its log
    client = Client(address, set_as_default=False)
    try:
        note = profiler_note(client)
        if note:
            print(note, file=sys.stderr)
        [base_future] = client.scatter([base], broadcast=True)
        threads = sum(client.nthreads().values())
        futures = [client.submit(execute_batch, batch, base_future, parameters,
                                 key=f"simcommerce-{batch[0].run_id}-{os.getpid()}", pure=False)
                   for batch in batches(specs, threads)]
        try:
            with client.as_current():
                done = dask_as_completed(futures)
            for fut in done:
                try:
                    result = fut.result()
                except CancelledError as exc:  # distributed cancels every future when the scheduler is lost
                    raise ConnectionError(f"lost the connection ({str(exc).splitlines()[0][-60:]})") from None
                yield from result
                fut.release()  # the worker may drop the results now
        finally:
            if unfinished := [f for f in futures if not f.done()]:
                client.cancel(unfinished)
    finally:
        client.close()
