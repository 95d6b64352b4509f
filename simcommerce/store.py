"""The results store: the one layout, writer and loader of ``simcommerce experiment FILE --out DIR`` and
``simcommerce run FILE --out DIR`` (a run is a one-policy experiment: policy = the scenario's name, no sweep).

Layout of ``DIR``::

    manifest.json                              experiment as resolved, base scenario as resolved, versions,
                                               status and timings per run_id (pending/done), overall status
    market/policy=<name>/<run_id>.parquet      one row per run × day: run_id, replication, seed, point, metrics
    brands/policy=<name>/<run_id>.parquet      one row per run × day × brand
    runs/policy=<name>/<run_id>.parquet        one row per run: run_id, replication, seed, point, every
                                               sweep/uncertainty parameter (column = its dotted key), end-of-run
                                               summary metrics
    events/policy=<name>/<run_id>.parquet      referral orders (cascade edges): day, referrer, buyer, product
    promoters/policy=<name>/<run_id>.parquet   each promoter's commission earnings (promoter_earned)
                                               (these two only for runs where the referral mechanism acted)
    report.html                                ``simcommerce run`` only: the run's self-contained report

The ``policy`` column comes from the hive partition folder (a file does not repeat it: pyarrow
refuses a column that is both in the files and in the partitioning). Read a table with
``pandas.read_parquet(DIR / "runs")``, or with DuckDB::

    SELECT policy, avg(cum_gmv) FROM read_parquet('DIR/runs/*/*.parquet', hive_partitioning=true) GROUP BY policy

Each file is written under a temporary name and renamed (a file that exists is complete), the
``runs`` file last. The tables are encoded to Parquet where the run ran (in the worker), so the main
process only writes bytes. The manifest records each file's size and SHA-256 and is rewritten
(atomically) at most every ``MANIFEST_EVERY`` seconds and at the end; on ``--resume`` a run counts
as done only when each of its recorded files is there with that size and checksum, so an
interrupted experiment redoes the others, and a damaged or truncated file is redone, never trusted.
While a process writes a store it holds a lock on ``DIR/.lock``: a second ``--resume`` on the same
store is refused instead of redoing the same runs. :func:`load_results` reads a store back.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import time
from pathlib import Path

import pandas as pd

from .results import OutputDirError, atomic_write_bytes, versions, write_manifest

TABLES = ("market", "brands", "runs")
EVENT_TABLES = ("events", "promoters")  # optional per run: referral edges, promoters' earnings
MANIFEST_EVERY = 1.0  # seconds between manifest rewrites while runs finish


def run_tables(spec, market: pd.DataFrame, brands: pd.DataFrame, summary: dict,
               parameters: list[str]) -> tuple[dict[str, pd.DataFrame], dict]:
    """One run's tables (market, brands, runs and, where present, events/promoters) and its timings.

    Args:
        spec: the run's :class:`~simcommerce.runspec.RunSpec`.
        market, brands, summary: what :func:`simcommerce.executors.execute` returned for it.
        parameters: the experiment's swept/uncertain dotted keys (one ``runs`` column each).
    """
    summary = dict(summary)
    timing = {"build_seconds": round(summary.pop("_build_seconds", 0.0), 3),
              "seconds": round(summary.pop("_seconds", 0.0), 3)}
    extra = {name: summary.pop(f"_{name}", None) for name in EVENT_TABLES}
    row = {"run_id": spec.run_id, "replication": spec.replication, "seed": spec.seed, "point": spec.point}
    for key in parameters:
        value = spec.params.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = float(value)  # one column type across points (a grid may mix 1 and 0.5)
        row[key] = value
    row.update(summary)
    tables = {"market": market, "brands": brands}
    tables.update({name: df for name, df in extra.items() if df is not None and len(df)})
    tables["runs"] = pd.DataFrame([row])  # last: its file marks the run as finished
    return tables, timing


def encode_tables(tables: dict[str, pd.DataFrame]) -> dict[str, bytes]:
    """Each table as Parquet bytes, without the ``policy`` column (it is the partition folder), with units
    (:func:`~simcommerce.metrics.with_units`)."""
    import pyarrow.parquet as pq

    from .metrics import with_units

    out = {}
    for name, df in tables.items():
        buf = io.BytesIO()
        pq.write_table(with_units(df.drop(columns=["policy"], errors="ignore")), buf)
        out[name] = buf.getvalue()
    return out


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _plan(specs) -> dict:
    """What identifies the experiment's runs (compared on --resume)."""
    return {s.run_id: {"policy": s.policy, "point": s.point, "replication": s.replication, "seed": s.seed,
                       "overrides": s.overrides} for s in specs}


class ExperimentStore:
    """Writes an experiment's tables and manifest into ``out``."""

    def __init__(self, out: Path, manifest: dict, lock=None):
        self.out = Path(out)
        self.manifest = manifest
        self._flushed = time.monotonic()
        self._lock = lock  # the open .lock file, held while this store is written

    @staticmethod
    def _take_lock(out: Path):
        """Lock ``out`` for this process (released when it ends, however it ends)."""
        f = open(out / ".lock", "a+")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            f.close()
            raise OutputDirError(f"{out}: expected a store no other process is writing, found it locked by "
                                 f"{holder} (wait for it, or stop it first).") from None
        f.truncate(0)
        f.write(f"pid {os.getpid()}")
        f.flush()
        return f

    def _intact(self, run_id: str, run: dict) -> bool:
        """All the run's tables are there, each with the size and checksum the manifest recorded."""
        files = run.get("files", {})
        if not set(TABLES) <= set(files):
            return False
        for table, rec in files.items():
            path = self._path(table, run["policy"], run_id)
            try:
                if path.stat().st_size != rec["bytes"] or _sha256(path.read_bytes()) != rec["sha256"]:
                    return False
            except OSError:
                return False
        return True

    @classmethod
    def open(cls, out: str | Path, experiment, specs, resume: bool = False, command: str = "",
             force: bool | None = None) -> "ExperimentStore":
        """Create the store (``out`` new or empty), or reopen it with ``resume``.

        Args:
            force: clear this store's own files from a non-empty ``out`` first (others are kept); None: the
                command has no ``--force`` (``simcommerce experiment``).

        Raises:
            OutputDirError: ``out`` is a file, non-empty without ``resume``/``force``, or holds another experiment.
        """
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise OutputDirError(f"{out}: expected a folder for the results, found a file.")
        plan = json.loads(json.dumps(_plan(specs), default=str))
        lock = None
        if force and not resume and out.is_dir():
            lock = cls._take_lock(out)  # no other process is writing it: clear it
            _clear(out)
        if not (force and not resume) and out.exists() and any(p.name != ".lock" for p in out.iterdir()):
            if not resume:
                hint = ("use --resume to finish an interrupted experiment there" if force is None else
                        "use --force to overwrite, or --resume to finish an interrupted run there")
                raise OutputDirError(f"{out}: expected an empty or new folder, found existing files ({hint}).")
            mpath = out / "manifest.json"
            try:
                manifest = json.loads(mpath.read_text())
            except (OSError, ValueError):
                raise OutputDirError(f"{out}: expected an experiment folder to resume, found no readable "
                                     "manifest.json.") from None
            old = {rid: {k: v for k, v in r.items() if k in ("policy", "point", "replication", "seed",
                                                              "overrides")}
                   for rid, r in manifest.get("runs", {}).items()}
            if old != plan or _scenario_key(manifest.get("scenario")) != _scenario_key(experiment.scenario):
                raise OutputDirError(f"{out}: expected the results of this experiment to resume, found a "
                                     "different experiment (other policies, points, seeds, overrides or base "
                                     "scenario).")
            store = cls(out, manifest, cls._take_lock(out))
            for rid, r in manifest["runs"].items():  # done: all its files there, as recorded; else redone
                r["status"] = "done" if store._intact(rid, r) else "pending"
            manifest["status"] = "running"
            manifest.setdefault("resumed", []).append(_now())
            write_manifest(out, manifest)
            return store
        out.mkdir(parents=True, exist_ok=True)
        lock = lock or cls._take_lock(out)
        manifest = {
            "kind": "experiment", "status": "running", "command": command, "started": _now(),
            "experiment": experiment.as_dict(), "scenario": experiment.scenario, "versions": versions(),
            "tables": {t: f"{t}/policy=<name>/<run_id>.parquet" for t in TABLES},
            "runs": {rid: dict(r, status="pending") for rid, r in plan.items()},
            "timings": {},
        }
        write_manifest(out, manifest)
        return cls(out, manifest, lock)

    def _path(self, table: str, policy: str, run_id: str) -> Path:
        return self.out / table / f"policy={policy}" / f"{run_id}.parquet"

    def pending(self, specs) -> list:
        """The specs not marked done."""
        return [s for s in specs if self.manifest["runs"][s.run_id]["status"] != "done"]

    def n_done(self) -> int:
        return sum(r["status"] == "done" for r in self.manifest["runs"].values())

    def write_encoded(self, policy: str, run_id: str, blobs: dict[str, bytes], timing: dict) -> None:
        """Write one run's Parquet files (``runs`` last), then mark it done in the manifest."""
        files = {}
        for name in sorted(blobs, key=lambda n: n == "runs"):
            path = self._path(name, policy, run_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, blobs[name])
            files[name] = {"bytes": len(blobs[name]), "sha256": _sha256(blobs[name])}
        self.manifest["runs"][run_id].update(status="done", finished=_now(), files=files, **timing)
        if time.monotonic() - self._flushed >= MANIFEST_EVERY:
            self.flush()

    def flush(self) -> None:
        """Rewrite the manifest now."""
        write_manifest(self.out, self.manifest)
        self._flushed = time.monotonic()

    def finish(self, wall_seconds: float, executor: str, interrupted: bool = False) -> None:
        """Mark the store complete (every run done), else ``interrupted`` (Ctrl-C) or incomplete."""
        runs = self.manifest["runs"].values()
        self.manifest["status"] = ("complete" if all(r["status"] == "done" for r in runs) else
                                   "interrupted" if interrupted else "incomplete")
        self.manifest["timings"] = {"wall_seconds": round(wall_seconds, 3), "executor": executor,
                                    "run_seconds": round(sum(r.get("seconds", 0.0) for r in runs), 3)}
        self.manifest["finished"] = _now()
        self.manifest["columns"] = self._columns()
        self.flush()

    def _columns(self) -> dict[str, dict[str, str]]:
        """``{table: {column: unit}}`` of the files written (one file per policy is read: they share columns)."""
        import pyarrow.parquet as pq

        out = {}
        for table in (*TABLES, *EVENT_TABLES):
            cols: dict[str, str] = {}
            for folder in sorted((self.out / table).glob("policy=*")):
                first = next(iter(sorted(folder.glob("*.parquet"))), None)
                if first is not None:
                    for field in pq.read_schema(first):
                        cols.setdefault(field.name, (field.metadata or {}).get(b"unit", b"").decode())
            if cols:
                out[table] = {"policy": "text", **cols}
        return out


def _scenario_key(scenario) -> str:
    """A resolved scenario as comparable text, without its ``source`` (the path it was read by)."""
    return json.dumps({k: v for k, v in (scenario or {}).items() if k != "source"}, sort_keys=True, default=str)


OWN_FILES = ("manifest.json", "report.html")
FLAT_TABLES = ("market.parquet", "brands.parquet", "runs.parquet")  # the flat tables older runs wrote


def _clear(out: Path) -> None:
    """Remove a store's own files from ``out`` (and older runs' flat tables); other files stay."""
    for name in (*OWN_FILES, *FLAT_TABLES):
        (out / name).unlink(missing_ok=True)
    for f in (out / "replications").glob("r*-*.parquet"):  # older runs' kept replications
        f.unlink()
    for table in (*TABLES, *EVENT_TABLES):
        for folder in (out / table).glob("policy=*"):
            for f in folder.glob("*.parquet"):
                f.unlink()
            if not any(folder.iterdir()):
                folder.rmdir()
    for folder in [out / t for t in (*TABLES, *EVENT_TABLES)] + [out / "replications"]:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def read_partitioned(path: str | Path) -> pd.DataFrame | None:
    """A ``policy=<name>/<run_id>.parquet`` table as one frame (None if it holds no file), ``policy`` as text.

    The schema is the union of the files' schemas (a run of another policy may write columns another does
    not, e.g. deeper commission levels): a flow (``new_*``/``cum_*``) missing from a file is 0 in its rows,
    any other missing column is NaN. pandas' own reader would take the first file's schema and drop the rest.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    path = Path(path)
    files = sorted(path.glob("policy=*/*.parquet")) if path.is_dir() else []
    if not files:
        return None
    schemas = {}
    for f in files:
        for field in pq.read_schema(f):
            schemas.setdefault(field.name, field)
    partition = pa.schema([("policy", pa.string())])
    fields = [f for name, f in schemas.items() if name != "policy"] + list(partition)
    dataset = ds.dataset([str(f) for f in files], schema=pa.schema(fields),
                         partitioning=ds.partitioning(partition, flavor="hive"), partition_base_dir=str(path))
    df = dataset.to_table().to_pandas()
    flows = [c for c in df.columns if c.startswith(("new_", "cum_"))]  # never NaN where written
    df[flows] = df[flows].fillna(0)
    df["policy"] = df["policy"].astype(str)
    return df


def read_table(out: str | Path, table: str) -> pd.DataFrame:
    """One table of a store, ``policy`` as plain text, sorted by run_id (and day, brand where present)."""
    df = read_partitioned(Path(out) / table)
    if df is None:
        raise FileNotFoundError(f"{out} holds no {table} table yet ({Path(out) / table}/policy=*/*.parquet)")
    keys = [c for c in ("run_id", "day", "brand") if c in df.columns]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


EXPECTED = ("expected a results folder of simcommerce run or simcommerce experiment (manifest.json and "
            "runs/policy=<name>/*.parquet)")


def load_results(dir: str | Path) -> dict:
    """Load a results store (of ``simcommerce run`` or ``simcommerce experiment``).

    Returns:
        ``{"manifest": dict, "experiment": dict, "runs": DataFrame, "market": DataFrame | None,
        "brands": DataFrame | None, "events": DataFrame | None, "promoters": DataFrame | None,
        "dir": Path}``; ``policy`` is a plain string column; runs sorted by policy, point, replication.

    Raises:
        FileNotFoundError: ``dir`` is no such store; the message names it and what was expected.
    """
    d = Path(dir)
    mpath = d / "manifest.json"
    if not mpath.is_file():
        found = "no such folder" if not d.exists() else "a file" if not d.is_dir() else "no manifest.json"
        raise FileNotFoundError(f"{d}: {EXPECTED}, found {found}" +
                                (" (no manifest.json)" if found != "no manifest.json" else ""))
    try:
        manifest = json.loads(mpath.read_text())
    except (OSError, ValueError):
        raise FileNotFoundError(f"{d}: {EXPECTED}, found a manifest.json that is not readable JSON") from None
    kind = manifest.get("kind", "experiment") if isinstance(manifest, dict) else None
    if kind != "experiment":
        raise FileNotFoundError(f"{d}: {EXPECTED}, found the results of a {kind or 'different kind'}")
    runs = read_partitioned(d / "runs")
    if runs is None:
        if (d / "runs.parquet").exists():
            raise FileNotFoundError(f"{d}: {EXPECTED}, found the flat tables (runs.parquet) of a run by an older "
                                    "simcommerce: run it again with this version")
        raise FileNotFoundError(f"{d}: {EXPECTED}, found no runs yet (no {d / 'runs'}/policy=*/*.parquet)")
    sort = [c for c in ("policy", "point", "replication") if c in runs.columns]
    runs = runs.sort_values(sort, kind="stable").reset_index(drop=True)
    out = {"manifest": manifest, "experiment": manifest.get("experiment", {}), "runs": runs, "dir": d}
    for name in ("market", "brands", *EVENT_TABLES):
        out[name] = read_partitioned(d / name)
    return out


def merge_results(loaded: list[dict]) -> dict:
    """Merge several loaded stores (:func:`load_results`) into one. A policy name found in several stores is
    renamed: a store's only policy (a run's) takes the store's folder name, unless that clashes too; any other
    gets the folder name as prefix (``folder/policy``)."""
    if len(loaded) == 1:
        return loaded[0]
    seen: dict[str, int] = {}
    for e in loaded:
        for p in e["runs"]["policy"].unique():
            seen[p] = seen.get(p, 0) + 1
    folders = [e["dir"].name or str(e["dir"]) for e in loaded]
    policies = [list(e["runs"]["policy"].unique()) for e in loaded]
    first_try = [{p: p if seen[p] == 1 else prefix if len(pols) == 1 else f"{prefix}/{p}" for p in pols}
                 for pols, prefix in zip(policies, folders)]
    names = [n for names in first_try for n in names.values()]
    renames = [{p: n if names.count(n) == 1 else f"{prefix}/{p}" for p, n in names_.items()}
               for names_, prefix in zip(first_try, folders)]
    tables = {k: [] for k in ("runs", "market", "brands", *EVENT_TABLES)}
    for e, rename in zip(loaded, renames):
        for k, parts in tables.items():
            if e[k] is not None:
                t = e[k].copy()
                t["policy"] = t["policy"].replace(rename)
                parts.append(t)
    first = loaded[0]
    ref = first["experiment"].get("reference")
    titles = [e["experiment"].get("name", prefix) for e, prefix in zip(loaded, folders)]
    experiment = dict(first["experiment"], name=" + ".join(str(n) for n in titles),
                      reference=renames[0].get(ref, ref))
    metrics = list(dict.fromkeys(m for e in loaded for m in (e["experiment"].get("metrics") or [])))
    if metrics:
        experiment["metrics"] = metrics
    out = {"manifest": first["manifest"], "experiment": experiment, "dir": first["dir"]}
    for k, v in tables.items():
        out[k] = pd.concat(v, ignore_index=True) if v else None
    return out
