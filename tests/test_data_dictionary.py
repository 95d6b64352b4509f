"""Tidy data with units: every results column is declared, with a unit in the Parquet field metadata;
counts are integers and flags booleans; docs/data-dictionary.md is generated and complete; a store reads
as a whole with pyarrow.dataset and DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from simcommerce.cli import main
from simcommerce.metrics import column_info, data_dictionary_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_every_column_has_a_unit_in_the_field_metadata_and_counts_are_integers(tmp_path):
    from simcommerce import load_scenario
    from simcommerce.results import write_table
    from simcommerce.runner import run_once

    s = load_scenario(ROOT / "benchmarks" / "all_mechanisms.yaml",
                      {"population.consumers": 2000, "steps": 10, "events": []})
    res = run_once(s, 0, 1)
    for name, df in (("market", res.market), ("brands", res.brands)):
        path = tmp_path / f"{name}.parquet"
        write_table(df, path)
        schema = pq.read_schema(path)
        for field in schema:
            assert field.metadata and field.metadata[b"unit"], f"{name}.{field.name} has no unit"
            assert column_info(field.name) is not None
        assert str(schema.field("cum_orders").type) == "int64" and str(schema.field("new_orders").type) == "int64"
        assert str(schema.field("flag_pyramid").type) == "bool"
        assert str(schema.field("cum_gmv").type) == "double"
        assert schema.field("cum_gmv").metadata[b"unit"] == b"currency units"
        assert schema.field("mean_trust").metadata[b"unit"] == b"share (0-1)"


def test_the_data_dictionary_is_current_and_complete():
    text = (ROOT / "docs" / "data-dictionary.md").read_text()
    assert text == data_dictionary_markdown(), "regenerate with: simcommerce docs"
    from simcommerce.metrics import all_declarations

    for name in all_declarations():
        assert f"| `{name}` |" in text, name


@pytest.mark.slow
def test_a_store_reads_as_a_whole_with_pyarrow_and_duckdb_and_its_manifest_lists_units(tmp_path):
    exp = tmp_path / "exp.yaml"
    exp.write_text(f"""name: units
base: {ROOT / 'scenarios' / 'baseline.yaml'}
replications: 2
policies:
  none: {{population.consumers: 800, steps: 8}}
  referral: {{population.consumers: 800, steps: 8, brands.Glow.policy.referral.rates: [0.1, 0.05]}}
metrics: [cum_orders, cum_gmv]
""")
    out = tmp_path / "store"
    assert main(["experiment", str(exp), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    runs = ds.dataset(out / "runs", format="parquet", partitioning="hive").to_table()
    assert runs.num_rows == 4 and set(runs.column("policy").to_pylist()) == {"none", "referral"}
    duckdb = pytest.importorskip("duckdb")
    got = duckdb.sql(f"SELECT policy, count(*) AS n, avg(cum_orders) AS orders FROM "
                     f"read_parquet('{out}/runs/*/*.parquet', hive_partitioning=true) GROUP BY policy "
                     "ORDER BY policy").fetchall()
    assert [(p, n) for p, n, _ in got] == [("none", 2), ("referral", 2)] and all(o > 0 for *_, o in got)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["columns"]["runs"]["cum_gmv"] == "currency units"
    assert manifest["columns"]["market"]["cum_commission_level_2"] == "currency units"
