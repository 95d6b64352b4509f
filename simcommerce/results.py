"""Results folders: tidy Parquet tables plus ``manifest.json``, written so that a table that
exists is complete (each file is written under a temporary name, then renamed).

Layout of ``DIR``::

    manifest.json     scenario as resolved, seeds, versions, timings, status
    market.parquet    one row per run × day, one column per metric
    brands.parquet    one row per run × day × brand, one column per metric
    runs.parquet      one row per run: seed, timings, end-of-run figures
    report.html       self-contained report (plotly.js inlined)
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

import pandas as pd

TABLES = ("market", "brands", "runs")


class OutputDirError(Exception):
    """The output folder cannot be used (non-empty without --force, or not a folder)."""


def prepare_output(out: Path, force: bool) -> None:
    """Create ``out``; refuse a non-empty folder unless ``force`` (then clear our own files only)."""
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"{out}: expected a folder for the results, found a file.")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise OutputDirError(f"{out}: expected an empty or new folder, found existing files "
                                 "(use --force to overwrite).")
        for name in [*(f"{t}.parquet" for t in TABLES), "manifest.json", "report.html"]:
            (out / name).unlink(missing_ok=True)
        for f in (out / REPLICATIONS).glob("r*-*.parquet"):
            f.unlink()
    out.mkdir(parents=True, exist_ok=True)


REPLICATIONS = "replications"  # folder of a run's finished replications until all are done (for --resume)


def save_replication(out: Path, result) -> None:
    """Keep one finished replication (a :class:`~simcommerce.runner.RunResult`) in ``out/replications/``."""
    folder = out / REPLICATIONS
    folder.mkdir(exist_ok=True)
    timing = {"build_seconds": result.build_seconds, "seconds": result.seconds}
    write_table(pd.DataFrame([{**result.summary, **{f"_{k}": v for k, v in timing.items()}}]),
                folder / f"r{result.run:05d}-runs.parquet")
    write_table(result.market, folder / f"r{result.run:05d}-market.parquet")
    write_table(result.brands, folder / f"r{result.run:05d}-brands.parquet")  # last: marks it complete


def load_replications(out: Path, seeds: list[int]) -> list:
    """The replications kept by :func:`save_replication` whose three files are readable and match ``seeds``
    (a damaged one is left out, so it is run again)."""
    from .runner import RunResult

    kept = []
    for r, seed in enumerate(seeds):
        try:
            runs, market, brands = (pd.read_parquet(out / REPLICATIONS / f"r{r:05d}-{t}.parquet")
                                    for t in ("runs", "market", "brands"))
        except Exception:  # noqa: BLE001 - missing or damaged (any reader error): run it again
            continue
        market, brands = (df.astype({c: float for c in df.columns if c not in ("run", "seed", "day", "brand")})
                          for df in (market, brands))  # as the recorder made them (stored: ints and booleans)
        row = runs.iloc[0].to_dict()
        if int(row.get("seed", -1)) != seed or int(row.get("run", -1)) != r:
            continue
        build, seconds = row.pop("_build_seconds"), row.pop("_seconds")
        row = {k: (int(v) if k in ("run", "seed", "days", "consumers") else float(v)) for k, v in row.items()}
        kept.append(RunResult(r, seed, market, brands, row, build, seconds))
    return kept


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a reader sees the old file or the whole new one, and a failed
    write (a full disk) leaves neither a half-written file nor its ``.partial`` behind."""
    tmp = path.with_name(f".{path.name}.partial")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def column_units(columns) -> dict[str, str]:
    """``{column: unit}`` ("" where nothing declares it), for manifests."""
    from .metrics import column_info

    return {c: (column_info(c) or ("", ""))[1] for c in columns}


def write_table(df: pd.DataFrame, path: Path) -> None:
    """Write a Parquet table atomically (as :func:`atomic_write_bytes`), each declared column with its unit and
    meaning in the field metadata, counts as integers and flags as booleans (:func:`~simcommerce.metrics.with_units`)."""
    import pyarrow.parquet as pq

    from .metrics import with_units

    tmp = path.with_name(f".{path.name}.partial")
    try:
        pq.write_table(with_units(df), tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_manifest(out: Path, manifest: dict) -> None:
    atomic_write_bytes(out / "manifest.json", json.dumps(manifest, indent=2, default=str).encode())


def versions() -> dict:
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in ("simcommerce", "mesa", "numpy", "networkx", "pandas", "pyarrow", "plotly"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def new_manifest(scenario: dict, seeds: list[int], command: str) -> dict:
    return {"status": "running", "command": command, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seeds": seeds, "replications": len(seeds), "versions": versions(), "scenario": scenario,
            "tables": {}}


def write_results(out: Path, results: list, manifest: dict) -> dict[str, pd.DataFrame]:
    """Write the three tables of ``results`` (a list of :class:`RunResult`) and finish the manifest."""
    tables = {
        "market": pd.concat([r.market for r in results], ignore_index=True),
        "brands": pd.concat([r.brands for r in results], ignore_index=True),
        "runs": pd.DataFrame([r.summary for r in results]),
    }
    for name, df in tables.items():
        write_table(df, out / f"{name}.parquet")
        manifest["tables"][name] = {"file": f"{name}.parquet", "rows": len(df), "columns": column_units(df.columns)}
    return tables


def load_results(out: str | Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """Read a results folder back: ``(manifest, {table: DataFrame})``."""
    out = Path(out)
    manifest = json.loads((out / "manifest.json").read_text())
    return manifest, {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES if (out / f"{t}.parquet").exists()}
