"""Writing results files so that a file that exists is complete (written under a temporary name, then
renamed): Parquet tables with units, manifests, versions.

The layout of a run's or an experiment's results folder, its writer and its loader are in
:mod:`simcommerce.store`; calibrations and optimisations write their own files with these helpers.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd


class OutputDirError(Exception):
    """The output folder cannot be used (non-empty without --force, or not a folder)."""


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
