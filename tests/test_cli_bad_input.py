"""Bad input through the real command line (DESIGN.md §4 "Bad input").

Every bad scenario must make ``simcommerce`` exit with code 2 and print exactly one line
on stderr (never a traceback) naming the file, the key path, the line where known, what
was expected and what was found. The cases call ``simcommerce.cli.main`` in-process, where
an escaping exception counts as the traceback it would print; one case runs as a real
subprocess (``sys.executable -m simcommerce.cli``), for the exit code and stderr a shell sees.

Also here: ``check`` / ``schema`` on good input, ``run``'s refusal to touch a non-empty
``--out``, and a hypothesis property: any mutation of a valid scenario either resolves
or raises :class:`ScenarioError`, never any other exception.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simcommerce.cli import main
from simcommerce.scenario import resolve_scenario
from simcommerce.spec import ScenarioError

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"

# A valid minimal scenario; every bad case below is one small edit of it.
MINIMAL = """\
name: tiny
seed: 3
steps: 5
population:
  consumers: 200
network:
  friendship:
    model: holme_kim
    mean_degree: 4
brands:
  - name: Glow
    products:
      - name: serum
        price: 20
        quality: 0.7
"""

EDGELIST_NETWORK = """\
network:
  friendship:
    model: edgelist
    path: {path}
"""


def edit(old: str, new: str, text: str = MINIMAL) -> str:
    """``text`` with the one occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"fixture edit: {old!r} must occur once"
    return text.replace(old, new)


def with_policy(block: str) -> str:
    """MINIMAL with the brand's ``policy: {block}``."""
    return edit("        quality: 0.7\n", "        quality: 0.7\n    policy: {" + block + "}\n")


# a "billion laughs": 9^9 strings once the aliases are expanded, in 600 bytes
LAUGHS = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))


def with_edgelist(path: str) -> str:
    """MINIMAL with the friendship network read from ``path`` (consumers from the file)."""
    text = edit("population:\n  consumers: 200\n", "")
    return edit("network:\n  friendship:\n    model: holme_kim\n    mean_degree: 4\n",
                EDGELIST_NETWORK.format(path=path), text)


def line_of(text: str, marker: str, occurrence: int = 1) -> int:
    """1-based line number of the ``occurrence``-th line of ``text`` containing ``marker``."""
    hits = [i for i, ln in enumerate(text.splitlines(), start=1) if marker in ln]
    assert len(hits) >= occurrence, f"fixture: {marker!r} not in the scenario"
    return hits[occurrence - 1]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m simcommerce.cli ARGS`` and capture its output (this checkout first on the path)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("COLUMNS", None)
    return subprocess.run([sys.executable, "-m", "simcommerce.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def cli_in_process(*args: str) -> subprocess.CompletedProcess:
    """``simcommerce.cli.main(ARGS)`` in this process, reported like a finished subprocess.

    An exception escaping ``main`` is what the real command would print as a traceback
    (exit code 1), so it is reported that way.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception:  # noqa: BLE001 - the real CLI would die with a traceback
            traceback.print_exc(file=err)
            code = 1
    return subprocess.CompletedProcess(["simcommerce", *args], code, out.getvalue(), err.getvalue())


def assert_one_clean_line(proc: subprocess.CompletedProcess) -> str:
    """Exit code 2 and exactly one non-empty line on stderr without a traceback; returns that line."""
    assert proc.returncode == 2, f"exit code {proc.returncode}; stderr:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"expected one line on stderr, got:\n{proc.stderr}"
    return lines[0]


# ------------------------------------------------------------------ the battery


@dataclass
class Case:
    """One bad scenario and what its error message must say.

    Attributes:
        id: test id.
        text: the scenario file's content (str, or bytes for encoding problems).
        key: the key path the message must name ("" when the problem is the file as a whole).
        line_marker: text of the offending line in ``text`` (the message must give its number);
            None when no line is meaningful.
        expected: substrings of the message's "expected ..." part.
        found: substrings of the message's "found ..." part.
        files: extra files next to the scenario: name -> content, or a Path to copy.
        named_file: the file the message must name (default: the scenario file).
        scenario_name: the scenario's file name.
        create: write the scenario file (False: leave it absent, or make a folder named "a_folder").
        line_text: the line number of the offending line of an edge-list file, given in the message.
    """

    id: str
    text: str | bytes = MINIMAL
    key: str = ""
    line_marker: str | None = None
    line_occurrence: int = 1
    expected: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    files: dict[str, str | Path] = field(default_factory=dict)
    named_file: str | None = None
    scenario_name: str = "scenario.yaml"
    create: bool = True
    line_text: str | None = None


NEXT_BRAND = "  - name: Glow\n    products: [{name: lotion, price: 9, quality: 0.5}]\n"

CASES = [
    # --- YAML syntax
    Case("yaml-syntax-mapping-values", edit("  consumers: 200\n", "  consumers: 200: 300\n"),
         line_marker="consumers: 200: 300", expected=["YAML"]),
    Case("yaml-syntax-tab-indent", edit("  consumers: 200\n", "\tconsumers: 200\n"),
         line_marker="\tconsumers", expected=["YAML"]),
    Case("yaml-syntax-bad-indent", edit("        quality: 0.7\n", "       quality: 0.7\n"),
         line_marker="       quality", expected=["YAML"]),
    # --- unknown keys, with a suggestion
    Case("unknown-top-level-key", MINIMAL + "stepz: 3\n", key="stepz", line_marker="stepz",
         expected=["did you mean 'steps'"], found=["stepz"]),
    Case("unknown-nested-key", edit("  consumers: 200\n", "  consumers: 200\n  consumer: 3\n"),
         key="population.consumer", line_marker="consumer: 3",
         expected=["did you mean 'consumers'"], found=["consumer"]),
    Case("unknown-key-in-list-item", edit("        price: 20\n", "        prise: 20\n"),
         key="brands[0].products[0].prise", line_marker="prise",
         expected=["did you mean 'price'"], found=["prise"]),
    # --- wrong types
    Case("wrong-type-consumers", edit("consumers: 200", "consumers: many"), key="population.consumers",
         line_marker="consumers: many", expected=["whole number"], found=["many"]),
    Case("wrong-type-price", edit("price: 20", "price: cheap"), key="brands[0].products[0].price",
         line_marker="price: cheap", expected=["number"], found=["cheap"]),
    Case("wrong-type-brands-not-list", edit(MINIMAL[MINIMAL.index("brands:"):], "brands: Glow\n"),
         key="brands", line_marker="brands: Glow", expected=["list"], found=["Glow"]),
    # --- out of range
    Case("negative-consumers", edit("consumers: 200", "consumers: -5"), key="population.consumers",
         line_marker="consumers: -5", expected=["2"], found=["-5"]),
    Case("probability-above-1-quality", edit("quality: 0.7", "quality: 1.5"),
         key="brands[0].products[0].quality", line_marker="quality: 1.5", expected=["1"], found=["1.5"]),
    Case("probability-above-1-population",
         edit("  consumers: 200\n", "  consumers: 200\n  daily_active_share: 1.2\n"),
         key="population.daily_active_share", line_marker="daily_active_share", expected=["1"], found=["1.2"]),
    Case("negative-price", edit("price: 20", "price: -3"), key="brands[0].products[0].price",
         line_marker="price: -3", expected=["0.01"], found=["-3"]),
    Case("steps-zero", edit("steps: 5", "steps: 0"), key="steps", line_marker="steps: 0",
         expected=["1"], found=["0"]),
    Case("probability-nan", edit("quality: 0.7", "quality: .nan"),
                      key="brands[0].products[0].quality", line_marker="quality: .nan", found=["nan"]),
    Case("price-infinite", edit("price: 20", "price: .inf"), key="brands[0].products[0].price",
                      line_marker="price: .inf", found=["inf"]),
    Case("price-huge-integer", edit("price: 20", "price: 1" + "0" * 400),
                      key="brands[0].products[0].price", line_marker="price: 1000"),
    # --- missing required keys
    Case("brand-without-products", MINIMAL[:MINIMAL.index("    products:")], key="brands[0].products",
         line_marker="- name: Glow", expected=["products"], found=["missing"]),
    Case("product-without-price", edit("        price: 20\n", ""), key="brands[0].products[0].price",
         line_marker="- name: serum", expected=["price"], found=["missing"]),
    Case("product-without-quality", edit("        quality: 0.7\n", ""), key="brands[0].products[0].quality",
         line_marker="- name: serum", expected=["quality"], found=["missing"]),
    Case("no-brands", MINIMAL[:MINIMAL.index("brands:")], key="brands", expected=["brands"], found=["missing"]),
    Case("consumers-missing", edit("population:\n  consumers: 200\n", ""),
                      key="population.consumers", expected=["consumers"]),
    # --- events referring to things that do not exist
    Case("event-unknown-brand",
         MINIMAL + "events:\n  - day: 2\n    type: quality_scandal\n    brand: Nope\n",
         key="events[0].brand", line_marker="brand: Nope", expected=["Glow"], found=["Nope"]),
    Case("event-unknown-influencer",
         MINIMAL + "influencers:\n  named:\n    - name: Ann\n"
                   "events:\n  - day: 2\n    type: influencer_scandal\n    influencer: Ghost\n",
         key="events[0].influencer", line_marker="influencer: Ghost", expected=["Ann"], found=["Ghost"]),
    Case("event-day-beyond-steps",
         MINIMAL + "events:\n  - type: quality_scandal\n    brand: Glow\n    day: 9\n",
         key="events[0].day", line_marker="day: 9", expected=["5"], found=["9"]),
    Case("event-unknown-type",
         MINIMAL + "events:\n  - day: 2\n    type: alien_invasion\n    brand: Glow\n",
         key="events[0].type", line_marker="type: alien_invasion",
         expected=["quality_scandal", "influencer_scandal"], found=["alien_invasion"]),
    Case("event-second-item-bad",
         MINIMAL + "events:\n  - {day: 2, type: quality_scandal, brand: Glow}\n"
                   "  - {day: 3, type: quality_scandal, brand: Glo}\n",
         key="events[1].brand", line_marker="brand: Glo}", expected=["Glow"], found=["Glo"]),
    # --- duplicates
    Case("duplicate-brand-names", MINIMAL + NEXT_BRAND, key="brands[1].name", line_marker="- name: Glow",
         line_occurrence=2, expected=["unique"], found=["Glow"]),
    # --- edge lists
    Case("edgelist-does-not-exist", with_edgelist("nothere.csv"), key="network.friendship.path",
         line_marker="path: nothere.csv", expected=["edge-list"], found=["nothere.csv"]),
    Case("edgelist-one-column", with_edgelist("one_column.csv"), key="network.friendship.path",
         files={"one_column.csv": DATA / "edges_one_column.csv"}, named_file="one_column.csv",
         expected=["two"], line_text="2"),
    Case("edgelist-non-integer-ids", with_edgelist("bad_ids.csv"), key="network.friendship.path",
         files={"bad_ids.csv": DATA / "edges_non_integer.csv"}, named_file="bad_ids.csv",
         expected=["integer"], found=["'abc' in column 2"], line_text="3"),
    Case("edgelist-third-column", with_edgelist("weights.csv"), key="network.friendship.path",
         files={"weights.csv": "1,2,0.5\n2,3,0.1\n"}, named_file="weights.csv", expected=["two id columns"],
         found=["3 columns"], line_text="1"),
    Case("edgelist-only-self-loops", with_edgelist("loops.csv"), key="network.friendship.path",
         files={"loops.csv": "1,1\n2,2\n"}, named_file="loops.csv", found=["only self-loops"]),
    Case("edgelist-empty", with_edgelist("empty.tsv"), key="network.friendship.path",
         files={"empty.tsv": "# nothing but a comment\n"}, named_file="empty.tsv", expected=["edge"]),
    Case("edgelist-path-without-edgelist-model",
         edit("    mean_degree: 4\n", "    mean_degree: 4\n    path: edges.csv\n"),
         key="network.friendship.path", line_marker="path: edges.csv", expected=["edgelist"]),
    Case("edgelist-huge-id", with_edgelist("huge.csv"), key="network.friendship.path",
                      files={"huge.csv": "1,2\n99999999999999999999,1\n"}, named_file="huge.csv",
                      found=["99999999999999999999"]),
    Case("edgelist-path-too-long", with_edgelist("x" * 300 + ".csv"), key="network.friendship.path",
                      line_marker="path: xxx"),
    # --- the file itself
    Case("scenario-file-does-not-exist", create=False, scenario_name="missing.yaml", expected=["file"]),
    Case("scenario-is-a-directory", create=False, scenario_name="a_folder", expected=["file"]),
    Case("top-level-list", "- name: tiny\n- steps: 5\n", expected=["mapping"], found=["list"]),
    Case("empty-file", "", expected=["mapping"]),
    Case("only-a-comment", "# nothing here\n", expected=["mapping"]),
    Case("not-utf8", b"name: caf\xe9\nsteps: 5\n", expected=["UTF-8"]),
    Case("python-tag", edit("name: tiny", "name: !!python/object/apply:os.system [echo]"),
         line_marker="name: !!python", expected=["YAML"]),
    Case("unknown-key-with-newline", MINIMAL + '"step\\ns": 3\n', line_marker='"step'),
    # --- hardening (issue 16): bounded parsing, finite bounds, sizes against the market
    Case("yaml-alias-bomb", LAUGHS, expected=["aliases"], found=["bomb"]),
    Case("yaml-deep-nesting", "x: " + "[" * 10000 + "]" * 10000 + "\n", expected=["nested"]),
    Case("yaml-complex-key", MINIMAL + "? [a, b]\n: 1\n", line_marker="? [a, b]", expected=["plain names"],
         found=["list"]),
    Case("seed-beyond-int64", edit("seed: 3", "seed: 9223372036854775808"), key="seed", line_marker="seed:",
         expected=["between 0 and"], found=["9223372036854775808"]),
    Case("seed-1e300", edit("seed: 3", "seed: 1.0e+300"), key="seed", line_marker="seed:", found=["1e+300"]),
    Case("number-written-1e300", edit("price: 20", "price: 1e300"), key="brands[0].products[0].price",
         line_marker="price: 1e300", expected=["number"], found=["write e.g. 1.0e+300"]),
    Case("float-key-not-called-whole", edit("price: 20", "price: 2000000000"), key="brands[0].products[0].price",
         line_marker="price: 2000000000", expected=["a number between"]),
    Case("seeding-id-1e29", with_policy("seeding: {consumers: [1.0e+29]}"),
         key="brands[0].policy.seeding.consumers[0]", found=["1e+29"]),
    Case("seeding-id-beyond-population", with_policy("seeding: {consumers: [5, 200]}"),
         key="brands[0].policy.seeding.consumers", found=["200"]),
    Case("seeding-day-beyond-steps", with_policy("seeding: {count: 3, day: 9}"),
         key="brands[0].policy.seeding.day", expected=["steps (5)"]),
    Case("seeding-count-beyond-market", with_policy("seeding: {count: 500}"),
         key="brands[0].policy.seeding.count", expected=["200 consumers"]),
    Case("impressions-1e300", with_policy("ads: {impressions_per_day: 1.0e+300}"),
         key="brands[0].policy.ads.impressions_per_day", found=["1e+300"]),
    Case("impressions-beyond-market", with_policy("ads: {impressions_per_day: 100000}"),
         key="brands[0].policy.ads.impressions_per_day", expected=["per consumer"]),
    Case("fake-reviews-1e300", with_policy("fake_reviews: {per_day: 1.0e+300}"),
         key="brands[0].policy.fake_reviews.per_day", found=["1e+300"]),
    Case("livestream-tier-without-influencers",
         with_policy("livestream: {sessions_per_week: 2, host_tier: macro}") + "influencers: {counts: {macro: 0}}\n",
         key="brands[0].policy.livestream.host_tier", found=["with none"]),
    Case("influencers-beyond-market", MINIMAL + "influencers: {counts: {nano: 90000, micro: 90000}}\n",
         key="influencers.counts", expected=["one influencer per consumer"]),
    Case("word-of-mouth-broadcast-on-complete-graph",  # each share read by ~16,000: refused, not out of memory
         edit("model: holme_kim\n    mean_degree: 4", "model: complete", edit("consumers: 200", "consumers: 100000")),
         key="mechanisms.word_of_mouth.reach", expected=["random_friends", "10,000"], found=["16,000 readers"]),
    Case("mean-degree-beyond-market", edit("mean_degree: 4", "mean_degree: 200"),
         key="network.friendship.mean_degree", line_marker="mean_degree: 200", expected=["fewer friends"]),
    Case("population-beyond-memory", edit("consumers: 200", "consumers: 2000000000"), key="population.consumers",
         expected=["memory"], found=["GiB"]),
    Case("referral-rates-above-1", with_policy("referral: {rates: [0.7, 0.5]}"),
         key="brands[0].policy.referral.rates", expected=["at most 1"]),
    Case("brand-names-equal-after-trimming",
         MINIMAL + "  - name: ' glow '\n    products: [{name: x, price: 1, quality: 0.5}]\n",
         key="brands[1].name", expected=["unlike the others"]),
]

# A valid experiment over MINIMAL (market.yaml beside it); every bad case is one small edit of it, checked by
# ``simcommerce check`` like the scenarios above.
EXPERIMENT = """\
name: study
base: market.yaml
replications: 2
policies:
  base: {}
  cheap: {brands.Glow.products.serum.price: 10}
metrics: [cum_orders, cum_gmv]
"""
GRID = "sweep: {method: grid, parameters: {steps: [3, 4]}}\n"
LHS = "sweep: {method: lhs, samples: 3, parameters: {steps: {min: 3, max: 5}}}\n"


def experiment_case(cid: str, text: str, **kw) -> Case:
    """A bad experiment file (exp.yaml) beside a valid market.yaml (unless ``files`` says otherwise)."""
    kw.setdefault("files", {"market.yaml": MINIMAL})
    return Case(cid, text, scenario_name="exp.yaml", **kw)


EXPERIMENT_CASES = [
    experiment_case("exp-unknown-top-level-key", EXPERIMENT + "replication: 3\n", key="replication",
                    line_marker="replication:", expected=["did you mean 'replications'"], found=["replication"]),
    experiment_case("exp-zero-replications", edit("replications: 2", "replications: 0", EXPERIMENT),
                    key="replications", line_marker="replications: 0", expected=["whole number between 1 and"],
                    found=["0"]),
    experiment_case("exp-replications-text", edit("replications: 2", "replications: two", EXPERIMENT),
                    key="replications", line_marker="replications:", expected=["whole number"], found=["two"]),
    experiment_case("exp-no-policies", EXPERIMENT.replace(EXPERIMENT[EXPERIMENT.index("policies:"):
                                                                     EXPERIMENT.index("metrics:")], ""),
                    key="policies", expected=["the required key 'policies'"], found=["missing"]),
    experiment_case("exp-empty-policies", EXPERIMENT.replace(EXPERIMENT[EXPERIMENT.index("policies:"):
                                                                        EXPERIMENT.index("metrics:")],
                                                             "policies: {}\n"),
                    key="policies", line_marker="policies:", expected=["at least 1"], found=["none"]),
    experiment_case("exp-policy-name-with-space", edit("  base: {}", "  'two words': {}", EXPERIMENT),
                    key="policies.two words", line_marker="two words", expected=["letters, digits"],
                    found=["two words"]),
    experiment_case("exp-policy-not-a-mapping", edit("  base: {}", "  base: [steps]", EXPERIMENT),
                    key="policies.base", line_marker="base: [steps]", expected=["mapping"], found=["a list"]),
    experiment_case("exp-override-key-not-text", edit("  base: {}", "  base: {5: 1}", EXPERIMENT),
                    key="policies.base.5", line_marker="base: {5: 1}", expected=["dotted scenario keys"],
                    found=["5"]),
    experiment_case("exp-override-unknown-key", edit("serum.price", "serum.prize", EXPERIMENT),
                    key="policies.cheap.brands.Glow.products.serum.prize", line_marker="serum.prize",
                    expected=["did you mean", "price"], found=["prize"]),
    experiment_case("exp-override-out-of-range", edit("serum.price: 10", "serum.price: -10", EXPERIMENT),
                    key="policies.cheap.brands.Glow.products.serum.price", line_marker="price: -10",
                    expected=["number"], found=["-10"]),
    experiment_case("exp-base-and-inline-scenario", EXPERIMENT + "scenario: {steps: 3}\n", key="base",
                    line_marker="base:", expected=["exactly one of 'base'"], found=["both"]),
    experiment_case("exp-neither-base-nor-scenario", edit("base: market.yaml\n", "", EXPERIMENT),
                    expected=["exactly one of 'base'"], found=["neither"]),
    experiment_case("exp-base-file-missing", edit("market.yaml", "nowhere.yaml", EXPERIMENT), key="base",
                    line_marker="base:", expected=["existing scenario file"], found=["no such file"]),
    experiment_case("exp-base-blank", edit("base: market.yaml", "base: ' '", EXPERIMENT), key="base",
                    line_marker="base:", expected=["non-empty text"], found=["' '"]),
    experiment_case("exp-base-scenario-bad", EXPERIMENT, files={"market.yaml": edit("consumers: 200",
                                                                                     "consumers: -5")},
                    named_file="market.yaml", key="population.consumers", expected=["whole number"],
                    found=["-5"]),
    experiment_case("exp-inline-scenario-not-a-mapping", edit("base: market.yaml", "scenario: 5", EXPERIMENT),
                    key="scenario", line_marker="scenario: 5", expected=["mapping"], found=["5"]),
    experiment_case("exp-inline-scenario-bad", edit("base: market.yaml", "scenario:\n  steps: -5\n  brands: "
                                                    "[{name: Glow, products: [{name: serum, price: 20, quality: 0.7}]}]",
                                                    EXPERIMENT),
                    key="scenario.steps", line_marker="steps: -5", expected=["whole number"], found=["-5"]),
    experiment_case("exp-no-metrics", edit("metrics: [cum_orders, cum_gmv]\n", "", EXPERIMENT), key="metrics",
                    expected=["the required list 'metrics'"], found=["missing"]),
    experiment_case("exp-metrics-empty", edit("[cum_orders, cum_gmv]", "[]", EXPERIMENT), key="metrics",
                    line_marker="metrics:", expected=["at least 1"], found=["0"]),
    experiment_case("exp-metrics-not-a-list", edit("[cum_orders, cum_gmv]", "cum_orders", EXPERIMENT),
                    key="metrics", line_marker="metrics:", expected=["a list"], found=["cum_orders"]),
    experiment_case("exp-metric-unknown", edit("cum_gmv]", "cum_gmvv]", EXPERIMENT), key="metrics[1]",
                    line_marker="metrics:", expected=["did you mean 'cum_gmv'"], found=["cum_gmvv"]),
    experiment_case("exp-metric-daily-flow", edit("cum_gmv]", "new_orders]", EXPERIMENT), key="metrics[1]",
                    line_marker="metrics:", expected=["end-of-run market metric"], found=["new_orders"]),
    experiment_case("exp-metric-not-text", edit("cum_gmv]", "5]", EXPERIMENT), key="metrics[1]",
                    line_marker="metrics:", expected=["text"], found=["5"]),
    experiment_case("exp-reference-unknown", EXPERIMENT + "reference: cheapest\n", key="reference",
                    line_marker="reference:", expected=["name of a policy", "cheap"], found=["cheapest"]),
    experiment_case("exp-seed-beyond-64-bit", EXPERIMENT + "seed: 9223372036854775808\n", key="seed",
                    line_marker="seed:", expected=["between 0 and"], found=["9223372036854775808"]),
    experiment_case("exp-name-blank", edit("name: study", "name: ''", EXPERIMENT), key="name",
                    line_marker="name:", expected=["non-empty text"]),
    experiment_case("exp-sweep-not-a-mapping", EXPERIMENT + "sweep: [steps]\n", key="sweep",
                    line_marker="sweep:", expected=["mapping"], found=["a list"]),
    experiment_case("exp-sweep-unknown-method", EXPERIMENT + GRID.replace("grid", "halton"), key="sweep.method",
                    line_marker="sweep:", expected=["grid, lhs, sobol, morris"], found=["halton"]),
    experiment_case("exp-sweep-unknown-key", EXPERIMENT + GRID.replace("method:", "methd:"), key="sweep.methd",
                    line_marker="sweep:", expected=["did you mean 'method'"], found=["methd"]),
    experiment_case("exp-sweep-no-parameters", EXPERIMENT + "sweep: {method: grid}\n", key="sweep.parameters",
                    line_marker="sweep:", expected=["the required key 'parameters'"], found=["missing"]),
    experiment_case("exp-sweep-grid-with-range", EXPERIMENT + LHS.replace("lhs, samples: 3", "grid"),
                    key="sweep.parameters.steps", line_marker="sweep:", expected=["list of values"],
                    found=["a mapping"]),
    experiment_case("exp-sweep-grid-with-samples", EXPERIMENT + GRID.replace("grid,", "grid, samples: 3,"),
                    key="sweep.samples", line_marker="sweep:", expected=["no 'samples' with method grid"],
                    found=["3"]),
    experiment_case("exp-sweep-grid-empty-values", EXPERIMENT + GRID.replace("[3, 4]", "[]"),
                    key="sweep.parameters.steps", line_marker="sweep:", expected=["at least 1"], found=["0"]),
    experiment_case("exp-sweep-value-a-scalar", EXPERIMENT + GRID.replace("[3, 4]", "4"),
                    key="sweep.parameters.steps", line_marker="sweep:", expected=["list of values", "min: a"],
                    found=["4"]),
    experiment_case("exp-sweep-value-invalid-for-the-scenario", EXPERIMENT + GRID.replace("[3, 4]", "[3, -1]"),
                    key="sweep.parameters.steps", line_marker="sweep:", expected=["whole number", "policy"],
                    found=["-1"]),
    experiment_case("exp-sweep-key-unknown", EXPERIMENT + GRID.replace("steps:", "stepz:"),
                    key="sweep.parameters.stepz", line_marker="sweep:", expected=["did you mean 'steps'"]),
    experiment_case("exp-lhs-without-samples", EXPERIMENT + LHS.replace(" samples: 3,", ""), key="sweep.samples",
                    line_marker="sweep:", expected=["Latin hypercube sample size"], found=["missing"]),
    experiment_case("exp-lhs-with-values", EXPERIMENT + LHS.replace("{min: 3, max: 5}", "[3, 5]"),
                    key="sweep.parameters.steps", line_marker="sweep:", expected=["{min: a, max: b}", "lhs"],
                    found=["a list"]),
    experiment_case("exp-lhs-min-above-max", EXPERIMENT + LHS.replace("min: 3, max: 5", "min: 5, max: 3"),
                    key="sweep.parameters.steps", line_marker="sweep:", expected=["min < max"],
                    found=["min 5, max 3"]),
    experiment_case("exp-lhs-bound-not-a-number", EXPERIMENT + LHS.replace("min: 3", "min: three"),
                    key="sweep.parameters.steps.min", line_marker="sweep:", expected=["number"], found=["three"]),
    experiment_case("exp-lhs-bound-nan", EXPERIMENT + LHS.replace("min: 3", "min: .nan"),
                    key="sweep.parameters.steps.min", line_marker="sweep:", expected=["finite number"],
                    found=["nan"]),
    experiment_case("exp-lhs-range-extra-key", EXPERIMENT + LHS.replace("max: 5", "max: 5, step: 1"),
                    key="sweep.parameters.steps.step", line_marker="sweep:", expected=["valid keys: max, min"],
                    found=["step"]),
    experiment_case("exp-design-beyond-max-runs", EXPERIMENT + GRID.replace("[3, 4]", "[3, 4, 5]") +
                    "max_runs: 10\n", key="sweep", line_marker="sweep:", expected=["max_runs (10)"],
                    found=["2 x 3 x 2 = 12"]),
    experiment_case("exp-replications-beyond-max-runs", EXPERIMENT + "max_runs: 1\n", key="replications",
                    line_marker="replications:", expected=["max_runs (1)"], found=["2 replications"]),
    experiment_case("exp-uncertainties-from-missing-calibration",
                    EXPERIMENT + "uncertainties: {from_calibration: nowhere, samples: 2}\n",
                    key="uncertainties.from_calibration", line_marker="uncertainties:",
                    expected=["finished calibration"], found=["no such folder"]),
    experiment_case("exp-uncertainties-from-calibration-without-samples",
                    EXPERIMENT + "uncertainties: {from_calibration: nowhere}\n", key="uncertainties.samples",
                    line_marker="uncertainties:", expected=["the required key 'samples'"], found=["missing"]),
    experiment_case("exp-uncertainties-from-calibration-with-method",
                    EXPERIMENT + "uncertainties: {from_calibration: nowhere, samples: 2, method: lhs}\n",
                    key="uncertainties.method", line_marker="uncertainties:",
                    expected=["valid keys: from_calibration, samples"], found=["method"]),
]
CASES += EXPERIMENT_CASES


def _unwrap(c) -> Case:
    """The Case inside a ``pytest.param`` (or the Case itself)."""
    return c.values[0] if hasattr(c, "values") else c


CASE_IDS = [_unwrap(c).id for c in CASES]


@pytest.fixture(scope="module")
def battery(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """Write every case to its own folder and run ``simcommerce check`` on it, in this process."""
    jobs = {}
    for c in map(_unwrap, CASES):
        folder = tmp_path_factory.mktemp(c.id)
        scenario = folder / c.scenario_name
        if c.create:
            if isinstance(c.text, bytes):
                scenario.write_bytes(c.text)
            else:
                scenario.write_text(c.text, encoding="utf-8")
        elif c.scenario_name == "a_folder":
            scenario.mkdir()
        for name, content in c.files.items():
            if isinstance(content, Path):
                shutil.copy(content, folder / name)
            else:
                (folder / name).write_text(content, encoding="utf-8")
        jobs[c.id] = scenario
    return {cid: (path, cli_in_process("check", str(path))) for cid, path in jobs.items()}


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_bad_scenario_gives_one_clear_line(case: Case, battery):
    scenario, proc = battery[case.id]
    msg = assert_one_clean_line(proc)
    assert "ok" not in proc.stdout, proc.stdout
    # the file
    named = case.named_file or str(scenario)
    assert named in msg, f"message does not name {named}: {msg}"
    # the key path
    if case.key:
        assert case.key in msg, f"message does not name key path {case.key!r}: {msg}"
        assert re.search(rf"(?<![\w\[.]){re.escape(case.key)}(?![\w\[.])", msg), \
            f"key path {case.key!r} is only part of a longer path: {msg}"
    # the line of the offending key in the scenario file
    if case.line_marker is not None:
        line = line_of(case.text, case.line_marker, case.line_occurrence)
        assert re.search(rf"{re.escape(str(scenario))}:{line}\b|\bline {line}\b", msg), \
            f"message does not give line {line}: {msg}"
    if case.line_text is not None:
        assert re.search(rf"\bline {case.line_text}\b|:{case.line_text}\b", msg), \
            f"message does not give line {case.line_text} of the edge list: {msg}"
    # what was expected and what was found
    assert "expected" in msg, msg
    exp_part = msg[msg.index("expected"):]
    found_part = ""
    if "found" in exp_part:
        exp_part, found_part = exp_part[:exp_part.rindex("found")], exp_part[exp_part.rindex("found"):]
    for s in case.expected:
        assert s in exp_part, f"{s!r} not in the expected part {exp_part!r}"
    assert case.found == [] or found_part, f"no 'found' part in: {msg}"
    for s in case.found:
        assert s in found_part, f"{s!r} not in the found part {found_part!r}"


def test_the_real_command_exits_2_with_one_line(tmp_path):
    """The one case run as a real process: the exit code and stderr that a shell sees, no traceback."""
    case = next(c for c in map(_unwrap, CASES) if c.id == "yaml-syntax-mapping-values")
    scenario = tmp_path / case.scenario_name
    scenario.write_text(case.text, encoding="utf-8")
    proc = cli("check", str(scenario), cwd=tmp_path)
    msg = assert_one_clean_line(proc)
    assert proc.stdout == ""
    line = line_of(case.text, case.line_marker)
    assert msg.startswith(f"error: {scenario}:{line}") and "expected" in msg, msg


# ------------------------------------------------------------------ check / schema on good input


def test_check_valid_file_prints_ok(tmp_path):
    scenario = tmp_path / "good.yaml"
    scenario.write_text(MINIMAL)
    proc = cli_in_process("check", str(scenario))
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stdout
    assert str(scenario) in proc.stdout
    assert "200" in proc.stdout  # the consumers it resolved
    assert proc.stderr == ""
    assert list(tmp_path.iterdir()) == [scenario]  # check writes nothing


def test_check_valid_edgelist_scenario(tmp_path, monkeypatch):
    shutil.copy(DATA / "edges.csv", tmp_path / "friends.csv")
    scenario = tmp_path / "edges.yaml"
    scenario.write_text(with_edgelist("friends.csv"))
    monkeypatch.chdir(REPO)  # the path is relative to the scenario, not the cwd
    proc = cli_in_process("check", str(scenario))
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stdout
    assert "5 consumers" in proc.stdout  # the edge list's node count


def _schema_errors(schema: dict, value, path: str = "$") -> list[str]:
    """A small JSON Schema checker for the keywords the scenario schema uses (jsonschema is not installed)."""
    errors = []
    types = schema.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        ok = {
            "object": isinstance(value, dict),
            "array": isinstance(value, list),
            "string": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "null": value is None,
        }
        if not any(ok[t] for t in types):
            return [f"{path}: {value!r} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} > {schema['maximum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for req in schema.get("required", []):
            if req not in value:
                errors.append(f"{path}: missing {req}")
        for k, v in value.items():
            if k in props:
                errors += _schema_errors(props[k], v, f"{path}.{k}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected key {k}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += _schema_errors(schema["additionalProperties"], v, f"{path}.{k}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        for i, v in enumerate(value):
            errors += _schema_errors(schema.get("items", {}), v, f"{path}[{i}]")
    return errors


@pytest.fixture(scope="module")
def schema() -> dict:
    proc = cli_in_process("schema")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_schema_is_json_schema_of_the_format(schema):
    assert schema["type"] == "object"
    assert "$schema" in schema
    props = schema["properties"]
    for section in ("population", "network", "brands", "mechanisms", "events", "influencers", "platform"):
        assert section in props, section
    assert schema["additionalProperties"] is False
    assert "brands" in schema.get("required", [])
    assert props["brands"]["type"] == "array" and props["brands"]["minItems"] >= 1
    product = props["brands"]["items"]["properties"]["products"]["items"]
    assert {"name", "price", "quality"} <= set(product["required"])
    assert product["properties"]["quality"]["maximum"] == 1
    assert set(props["network"]["properties"]["friendship"]["properties"]["model"]["enum"]) >= {
        "barabasi_albert", "watts_strogatz", "holme_kim", "planted_communities", "complete", "edgelist"}
    for name, mech in props["mechanisms"]["properties"].items():
        assert mech["properties"]["enabled"]["type"] == "boolean", name
    # every parameter is documented
    def walk(node, path=""):
        if node.get("type") == "object":
            for k, v in node.get("properties", {}).items():
                yield from walk(v, f"{path}.{k}")
        elif node.get("type") == "array" and node.get("items", {}).get("type") == "object":
            yield from walk(node["items"], f"{path}[]")
        else:
            yield path, node
    leaves = list(walk(schema))
    assert len(leaves) > 30
    undocumented = [p for p, n in leaves if not n.get("description")]
    assert not undocumented, undocumented


def test_schema_validates_shipped_scenarios(schema):
    files = sorted((REPO / "scenarios").glob("*.yaml"))
    assert files, "no shipped scenarios"
    for f in files:
        data = yaml.safe_load(f.read_text())
        assert _schema_errors(schema, data) == [], f.name


def test_schema_rejects_what_the_loader_rejects(schema):
    """The schema is strict: a typo'd key, a wrong type and an out-of-range value each fail it."""
    good = yaml.safe_load(MINIMAL)
    assert _schema_errors(schema, good) == []
    for bad_text in (MINIMAL + "stepz: 3\n", edit("consumers: 200", "consumers: many"),
                     edit("quality: 0.7", "quality: 1.5"), edit("        price: 20\n", "")):
        assert _schema_errors(schema, yaml.safe_load(bad_text)), bad_text


# ------------------------------------------------------------------ run: the results folder is never damaged


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def good_scenario(tmp_path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(MINIMAL)
    return path


def test_run_refuses_non_empty_out_and_leaves_it_untouched(tmp_path, good_scenario):
    out = tmp_path / "out"
    out.mkdir()
    (out / "market.parquet").write_bytes(b"precious results from yesterday")
    (out / "notes.txt").write_text("my notes\n")
    before = _snapshot(out)
    proc = cli_in_process("run", str(good_scenario), "--out", str(out))
    msg = assert_one_clean_line(proc)
    assert str(out) in msg
    assert "--force" in msg
    assert _snapshot(out) == before  # same files, same bytes, nothing added


def test_run_force_overwrites_its_own_files(tmp_path, good_scenario):
    out = tmp_path / "out"
    out.mkdir()
    (out / "market.parquet").write_bytes(b"stale")  # an older run's flat table: ours, removed
    (out / "runs" / "policy=old").mkdir(parents=True)
    (out / "runs" / "policy=old" / "old-p000-r00.parquet").write_bytes(b"stale")  # a previous run's
    (out / "notes.txt").write_text("my notes\n")
    proc = cli_in_process("run", str(good_scenario), "--out", str(out), "--force", "--no-report")
    assert proc.returncode == 0, proc.stderr
    assert not (out / "market.parquet").exists() and not (out / "runs" / "policy=old").exists()
    [table] = (out / "market").rglob("*.parquet")
    assert table.read_bytes()[:4] == b"PAR1"  # a real Parquet file, in the store's layout
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    assert (out / "notes.txt").read_text() == "my notes\n"  # files that are not ours survive


def test_run_out_is_a_file(tmp_path, good_scenario):
    out = tmp_path / "out"
    out.write_text("not a folder")
    msg = assert_one_clean_line(cli_in_process("run", str(good_scenario), "--out", str(out)))
    assert str(out) in msg
    assert out.read_text() == "not a folder"


def test_run_bad_scenario_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(edit("consumers: 200", "consumers: -5"))
    out = tmp_path / "out"
    msg = assert_one_clean_line(cli_in_process("run", str(bad), "--out", str(out)))
    assert "population.consumers" in msg and str(bad) in msg
    assert not out.exists()


@pytest.mark.parametrize("reps", ["0", "-1"])
def test_run_rejects_non_positive_replications(tmp_path, good_scenario, reps):
    out = tmp_path / "out"
    msg = assert_one_clean_line(cli_in_process("run", str(good_scenario), "--out", str(out), "--replications", reps))
    assert "--replications" in msg
    assert reps in msg
    assert not out.exists()


def test_run_rejects_non_integer_replications(tmp_path, good_scenario):
    msg = assert_one_clean_line(cli_in_process("run", str(good_scenario), "--out", str(tmp_path / "o"),
                                               "--replications", "two"))
    assert "replications" in msg and "two" in msg
    assert not (tmp_path / "o").exists()


def test_run_rejects_negative_seed(tmp_path, good_scenario):
    out = tmp_path / "out"
    msg = assert_one_clean_line(cli_in_process("run", str(good_scenario), "--out", str(out), "--seed", "-1"))
    assert "--seed" in msg
    assert not out.exists() or not any(out.iterdir())


# ------------------------------------------------------------------ property: only ScenarioError escapes


BASE_SCENARIOS = [
    yaml.safe_load(MINIMAL),
    {
        "name": "rich", "seed": 1, "steps": 30,
        "population": {"consumers": 500, "daily_active_share": 0.5},
        "network": {"friendship": {"model": "planted_communities", "mean_degree": 6, "communities": 4},
                    "follows": {"tail_exponent": 2.0, "reach_share": {"mega": 0.2}}},
        "influencers": {"counts": {"nano": 3, "mega": 1}, "named": [{"name": "Ann", "tier": "macro"}]},
        "brands": [
            {"name": "Glow", "marketing_budget": 1000,
             "products": [{"name": "serum", "price": 20, "quality": 0.7, "claimed_quality": 0.9},
                          {"name": "mask", "category": "skin", "price": 5, "quality": 0.4}],
             "policy": {"ads": {"impressions_per_day": 100, "targeting": "interest"}}},
            {"name": "Dull", "products": [{"name": "soap", "price": 2, "quality": 0.5}]},
        ],
        "platform": {"take_rate": 0.1},
        "mechanisms": {"reviews": {"star_cutoffs": [0.1, 0.3, 0.5, 0.7]}, "referral": {"enabled": False}},
        "events": [{"day": 10, "type": "quality_scandal", "brand": "Glow"},
                   {"day": 12, "type": "influencer_scandal", "influencer": "Ann", "severity": 0.2}],
    },
    {
        "steps": 3,
        "network": {"friendship": {"model": "edgelist", "path": str(DATA / "edges.csv")}},
        "brands": [{"name": "Glow", "products": [{"name": "serum", "price": 20, "quality": 0.7}]}],
    },
]

# strings that mean something somewhere in the format
MEANINGFUL = ["Glow", "Dull", "Ann", "serum", "quality_scandal", "influencer_scandal", "edgelist", "complete",
              "holme_kim", "mega", "nano", "interest", "random", "name", "price", "", str(DATA / "edges.csv"),
              str(DATA / "edges_one_column.csv"), str(DATA), "tests",
              # ... and in experiment files
              "grid", "lhs", "sobol", "morris", "samples", "parameters", "from_calibration", "min", "max", "steps",
              "cum_orders", "cheap", "base", "scenario", "policies", "platform.take_rate"]

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-10**15, max_value=10**15),  # beyond ~1e308 is the known OverflowError bug
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),  # long paths hit the known ENAMETOOLONG bug
    st.sampled_from(MEANINGFUL),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(max_size=8), st.sampled_from(MEANINGFUL)),
                                                 inner, max_size=3)), max_leaves=6)


def _nodes(tree, path=()):
    """Every (path, node) in a nested dict/list, the root included."""
    yield path, tree
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _nodes(v, path + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _nodes(v, path + (i,))


def _get(tree, path):
    for p in path:
        tree = tree[p]
    return tree


def _mutated(data, tree):
    """A copy of ``tree`` with 1 to 3 random edits (replace, insert or delete a node) drawn from ``data``."""
    base = copy.deepcopy(tree)
    for _ in range(data.draw(st.integers(1, 3), label="n_mutations")):
        nodes = list(_nodes(base))
        path, node = data.draw(st.sampled_from(nodes), label="target")
        op = data.draw(st.sampled_from(["replace", "insert", "delete"]), label="op")
        value = data.draw(values, label="value")
        if op == "replace" and path:
            _get(base, path[:-1])[path[-1]] = value
        elif op == "insert" and isinstance(node, dict):
            key = data.draw(st.one_of(st.text(max_size=10), st.sampled_from(MEANINGFUL), st.integers(0, 3)),
                            label="key")
            node[key] = value
        elif op == "insert" and isinstance(node, list):
            node.insert(data.draw(st.integers(0, len(node)), label="index"), value)
        elif op == "delete" and path:
            del _get(base, path[:-1])[path[-1]]
        elif not path:
            base = value
    return base


@pytest.mark.slow
@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_scenarios_resolve_or_raise_scenario_error(data):
    base = _mutated(data, data.draw(st.sampled_from(BASE_SCENARIOS), label="base"))
    before = copy.deepcopy(base)
    try:
        sc = resolve_scenario(base)
    except ScenarioError as exc:
        msg = str(exc)
        assert "expected" in msg
        assert msg.startswith(("<scenario>", str(DATA))), msg  # scenario or edge-list file
        return
    finally:
        if not _has_nan(before):
            assert base == before, "resolve_scenario modified its input"
    assert isinstance(sc, dict) and sc["brands"]
    for b in sc["brands"]:
        for p in b["products"]:
            assert p["claimed_quality"] is not None


BASE_EXPERIMENTS = [
    {**yaml.safe_load(EXPERIMENT.replace("base: market.yaml\n", "")), "scenario": yaml.safe_load(MINIMAL),
     **yaml.safe_load(GRID)},
    {**yaml.safe_load(EXPERIMENT.replace("base: market.yaml\n", "")), "scenario": yaml.safe_load(MINIMAL),
     **yaml.safe_load(LHS), "uncertainties": {"method": "grid", "parameters": {"platform.take_rate": [0.1]}},
     "reference": "cheap", "seed": 5, "max_runs": 100},
]


@pytest.mark.slow
@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_experiments_load_or_raise_scenario_error(data, tmp_path_factory):
    """Any edit of a valid experiment file loads, or is refused with one ScenarioError naming the file."""
    from simcommerce.experiment import design, load_experiment

    exp = _mutated(data, data.draw(st.sampled_from(BASE_EXPERIMENTS), label="experiment"))
    path = tmp_path_factory.mktemp("mutated") / "exp.yaml"
    path.write_text(yaml.safe_dump(exp, allow_unicode=True))
    try:
        loaded = load_experiment(path)
    except ScenarioError as exc:
        assert str(exc).startswith(str(path)) and "expected" in str(exc), str(exc)
        return
    assert loaded.policies and loaded.metrics and len(design(loaded)) <= 10_000


def _has_nan(tree) -> bool:
    return any(isinstance(v, float) and math.isnan(v) for _, v in _nodes(tree))


def test_check_accepts_experiment_files():
    proc = cli_in_process("check", str(REPO / "experiments" / "referral_study.yaml"))
    assert proc.returncode == 0 and "ok — experiment 'referral_study'" in proc.stdout, proc.stderr
    assert "15 runs" in proc.stdout
    assert "base: 20000 consumers" in proc.stdout  # its base scenario, resolved


def test_check_detects_an_experiment_by_its_keys(tmp_path):
    """An inline-scenario experiment has no ``base``; ``check`` still reads it as an experiment."""
    exp = tmp_path / "exp.yaml"
    exp.write_text(edit("base: market.yaml", "scenario:\n" + "".join(f"  {ln}\n" for ln in MINIMAL.splitlines()),
                        EXPERIMENT) + GRID)
    proc = cli_in_process("check", str(exp))
    assert proc.returncode == 0, proc.stderr
    assert f"{exp}: ok — experiment 'study': 2 policies × 2 point(s) × 2 replication(s) = 8 runs" in proc.stdout
    assert "base: 200 consumers" in proc.stdout and proc.stderr == ""
    assert list(tmp_path.iterdir()) == [exp]  # check writes nothing


def format_schema(kind: str):
    """A jsonschema validator of ``simcommerce schema --KIND`` (itself checked as a JSON Schema)."""
    jsonschema = pytest.importorskip("jsonschema")
    proc = cli_in_process("schema", f"--{kind}")
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["title"] == f"simcommerce {kind}" and schema["additionalProperties"] is False
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def experiment_schema():
    return format_schema("experiment")


@pytest.mark.parametrize("kind, files", [
    ("experiment", ["experiments/referral_study.yaml", "simcommerce/data/experiments/referral_study.yaml"]),
    ("calibration", ["experiments/calibration/fit.yaml", "experiments/calibration/defaults.yaml"]),
    ("optimisation", ["experiments/optimize/best_commission.yaml"]),
])
def test_format_schemas_accept_the_shipped_files(kind, files):
    validator = format_schema(kind)
    texts = [(REPO / f).read_text() for f in files]
    if kind == "experiment":
        texts += [EXPERIMENT, EXPERIMENT + GRID, EXPERIMENT + LHS]
    for text in texts:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(text))]
        assert errors == [], (text, errors)


@pytest.mark.parametrize("bad", [
    EXPERIMENT + "replication: 3\n", edit("replications: 2", "replications: 0", EXPERIMENT),
    edit("  base: {}", "  'two words': {}", EXPERIMENT), edit("[cum_orders, cum_gmv]", "[]", EXPERIMENT),
    EXPERIMENT + GRID.replace("grid", "halton"), EXPERIMENT + LHS.replace("max: 5", "max: 5, step: 1"),
    EXPERIMENT + GRID.replace("[3, 4]", "4"), EXPERIMENT + "uncertainties: {from_calibration: x}\n",
], ids=["unknown-key", "zero-replications", "policy-name", "no-metrics", "method", "range-key", "scalar-values",
        "posterior-without-samples"])
def test_experiment_schema_rejects_what_the_loader_rejects(experiment_schema, bad):
    assert not experiment_schema.is_valid(yaml.safe_load(bad))
