"""Command-line conventions and honest packaging: --version, a usage line, --quiet/--verbose, help that
points to the file format, declared dependencies, a licence, no README link outside the repository."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from simcommerce.cli import main

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simcommerce.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_version_and_a_usage_line_without_a_command():
    from importlib import metadata

    proc = cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"simcommerce {metadata.version('simcommerce')}"
    proc = cli()
    assert proc.returncode == 2 and proc.stderr.startswith("usage: simcommerce") and "--help" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_experiment_help_shows_the_file_format(capsys):
    with pytest.raises(SystemExit):
        main(["experiment", "--help"])
    out = capsys.readouterr().out
    assert "policies:" in out and "replications:" in out and "max_runs" in out and "simcommerce check" in out


@pytest.fixture
def tiny(tmp_path) -> Path:
    sc = tmp_path / "tiny.yaml"
    sc.write_text((ROOT / "scenarios" / "baseline.yaml").read_text().replace("consumers: 20000", "consumers: 600")
                  .replace("steps: 120", "steps: 5"))
    return sc


@pytest.mark.slow
def test_quiet_prints_nothing_and_verbose_prints_each_run(tiny, tmp_path, capsys):
    assert main(["--quiet", "run", str(tiny), "--out", str(tmp_path / "q"), "--no-report"]) == 0
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    assert main(["--verbose", "run", str(tiny), "--out", str(tmp_path / "v"), "--replications", "2",
                 "--no-report"]) == 0
    out = capsys.readouterr()
    assert len(re.findall(r"^run \d \(seed \d+\): \d+ orders", out.err, re.M)) == 2, out.err
    assert "2 run(s)" in out.out
    assert main(["run", str(tiny), "--out", str(tmp_path / "n"), "--no-report"]) == 0
    out = capsys.readouterr()
    assert "1 run(s)" in out.out and "orders in" not in out.err


def _imported_packages() -> set[str]:
    names = set()
    for f in (ROOT / "simcommerce").rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_every_third_party_import_is_declared():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {re.split(r"[\[<>=!~ ]", d)[0].lower().replace("-", "_") for d in meta["dependencies"]}
    for extra in meta["optional-dependencies"].values():
        declared |= {re.split(r"[\[<>=!~ ]", d)[0].lower().replace("-", "_") for d in extra}
    import_names = {"yaml": "pyyaml", "SALib": "salib", "dask": "dask", "distributed": "dask", "mesa": "mesa"}
    third_party = {m for m in _imported_packages() if m not in sys.stdlib_module_names and m != "simcommerce"}
    missing = {m for m in third_party if import_names.get(m, m).lower() not in declared}
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"
    assert {"scipy", "matplotlib"} <= declared


def test_a_licence_and_no_readme_link_outside_the_repository():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["license"] == "MIT" and "MIT License" in (ROOT / "LICENSE").read_text()
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)]+)\)|`(\.\./[^`]+)`", readme)
    outside = [a or b for a, b in links if (a or b).startswith("../")]
    assert not outside, outside


def test_shipped_scenarios_are_listed_run_by_name_and_copied(tmp_path, capsys):
    assert main(["scenarios"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert any(line.startswith("baseline ") for line in listed) and len(listed) >= 13
    assert main(["check", "baseline"]) == 0 and "baseline: ok" in capsys.readouterr().out
    assert main(["scenarios", "copy", "livestream", str(tmp_path)]) == 0
    copied = tmp_path / "livestream.yaml"
    assert copied.read_text() == (ROOT / "scenarios" / "livestream.yaml").read_text()
    assert main(["scenarios", "copy", "livestream", str(tmp_path)]) == 2  # never overwrites
    assert main(["scenarios", "copy", "basline", str(tmp_path / "x.yaml")]) == 2
    assert "did you mean 'baseline'" in capsys.readouterr().err


HEAVY = ("pandas", "pyarrow", "plotly", "scipy", "mesa", "dask", "distributed", "networkx", "matplotlib", "dash",
         "tqdm")


@pytest.mark.slow
def test_help_and_check_import_none_of_the_heavy_libraries():
    """`simcommerce --help` and `check FILE` start fast because they import no heavy library (their start-up
    time is measured in benchmarks/README.md, not here)."""
    code = ("import contextlib, io, sys\n"
            "from simcommerce.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n"
            "        main(['--help'])\n"
            "    except SystemExit:\n"
            "        pass\n"
            "    after_help = set(sys.modules)\n"
            f"    assert main(['check', {str(ROOT / 'scenarios' / 'baseline.yaml')!r}]) == 0\n"
            "print(' '.join(sorted(m for m in after_help if m.split('.')[0] in sys.argv[1:])))\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in sys.argv[1:])))\n")
    proc = subprocess.run([sys.executable, "-c", code, *HEAVY], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    after_help, after_check = proc.stdout.split("\n")[:2]
    assert after_help == "" and after_check == "", proc.stdout
    # the check is real: the same probe sees a heavy library once something imports it
    proc = subprocess.run([sys.executable, "-c", "import sys, simcommerce.market; print('mesa' in sys.modules)"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.stdout.strip() == "True", proc.stderr
