"""Scenario files: YAML -> a validated, fully resolved scenario (a plain nested dict).

The format (DESIGN.md §4) is declared once, as data, in :func:`scenario_spec`: the
core sections here, the ``mechanisms:`` and ``brands[].policy:`` sections from the
registered mechanisms. Every problem is reported as one :class:`ScenarioError`
naming the file, the key path, the line, what was expected and what was found.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from .mechanisms import REGISTRY
from .network import read_edgelist_ids
from .spec import (MAX_SEED, TIERS, ListOf, Param, ScenarioError, Section, Source, describe, one_line, resolve,
                   schema_document, tier_table)
from .spec import reference_markdown as spec_reference

# Peak memory of a market (build and run): bytes per consumer, per consumer and product/brand column, per
# consumer and friendship link (the planted-communities generator needs more while it builds). Measured with
# scripts/memory_per_consumer.py (benchmarks/README.md, "Memory"), rounded up.
BYTES_PER_CONSUMER = 120
BYTES_PER_COLUMN = 15
BYTES_PER_LINK = {"planted_communities": 100}
BYTES_PER_LINK_OTHER = 7

MIN_INFLUENCER_CAP = 100  # influencers allowed whatever the market's size (tiny test markets keep the defaults)

NETWORK_MODELS = ("holme_kim", "barabasi_albert", "watts_strogatz", "planted_communities", "complete", "edgelist")

PRODUCT = Section({
    "name": Param(None, "str", "product name, unique within the brand", required=True),
    "category": Param("general", "str", "product category; consumers' interests are per category"),
    "price": Param(None, "float", "list price", "currency units", min=0.01, max=1e9, required=True),
    "cost": Param(0.0, "float", "unit cost of goods sold", "currency units", min=0, max=1e9),
    "quality": Param(None, "float", "true quality, learned by buyers", "0-1", 0, 1, required=True),
    "claimed_quality": Param(None, "float", "quality claimed in ads and posts (default: the true quality)",
                             "0-1", 0, 1, nullable=True),
}, "a product sold by the brand")


def brand_spec() -> Section:
    policy = Section({name: Section(cls.policy, cls.help) for name, cls in REGISTRY.items() if cls.policy},
                     "the brand's marketing levers, one block per mechanism")
    return Section({
        "name": Param(None, "str", "brand name, unique", required=True),
        "products": ListOf(PRODUCT, "the brand's products", min_items=1),
        "marketing_budget": Param(None, "float", "total marketing budget over the run: ads, posts, slot fees, "
                                  "commissions, fake reviews and discounts; a paid item that would exceed it is not "
                                  "bought, and referral, group deals and samples pause once it is spent (null: "
                                  "unlimited)",
                                  "currency units", min=0, max=1e15, nullable=True),
        "initial_trust": Param(0.5, "float", "mean initial consumer trust in the brand", "0-1", 0, 1),
        "policy": policy,
    }, "a brand and its marketing policy")


INFLUENCER = Section({
    "name": Param(None, "str", "influencer name, unique", required=True),
    "tier": Param("micro", "str", "follower tier", choices=TIERS),
    "category": Param(None, "str", "content category (default: the first product category)", nullable=True),
    "credibility": Param(0.6, "float", "how much followers believe the influencer", "0-1", 0, 1),
}, "a named influencer (for events and hand-picked sponsorships)")

EVENT = Section({
    "day": Param(None, "int", "day the event happens", "day", min=1, max=36500, required=True),
    "type": Param(None, "str", "event type", required=True),
    "brand": Param(None, "str", "brand concerned", nullable=True),
    "influencer": Param(None, "str", "influencer concerned", nullable=True),
    "severity": Param(0.5, "float", "fraction of trust lost by those who hear", "0-1", 0, 1),
    "reach": Param(0.3, "float", "fraction of consumers who hear the news on the day", "0-1", 0, 1),
}, "a scheduled shock")


def scenario_spec() -> Section:
    """The whole scenario format."""
    return Section({
        "name": Param("scenario", "str", "short name of the scenario"),
        "description": Param("", "str", "what this scenario is for"),
        "seed": Param(1, "int", "root random seed of the first replication", min=0, max=MAX_SEED),
        "steps": Param(120, "int", "days to simulate", "days", 1, 36500),
        "currency": Param("currency units", "str", "how amounts of money are labelled in reports and the dashboard: "
                          "a symbol of up to 3 characters goes before the number (¥1,990), a word after it "
                          "(1,990 currency units); labels only, no conversion"),
        "population": Section({
            "consumers": Param(None, "int", "number of consumers (with an edge list: defaults to its node count)",
                               "consumers", 2, 2**31 - 1, nullable=True),
            "daily_active_share": Param(0.6, "float", "probability a consumer opens the app on a given day",
                                        "0-1", 0, 1),
            "interest_concentration": Param(2.0, "float",
                                            "Beta(a, a*(1-m)/m) shape of category interest (higher: more alike)",
                                            "", 0.05, 100),
            "mean_interest": Param(0.5, "float", "mean interest in each category", "0-1", 0.001, 1),
            "price_sensitivity_sd": Param(0.3, "float", "log-sd of price sensitivity around 1", "", 0, 3),
            "share_propensity": Param(0.3, "float", "mean propensity to share a purchase with friends", "0-1", 0, 1),
            "review_propensity": Param(0.3, "float", "mean propensity to write a review", "0-1", 0, 1),
            "initial_platform_trust": Param(0.6, "float", "mean initial trust in the platform", "0-1", 0, 1),
            "opt_out_share": Param(0.2, "float", "share of consumers who opt out of ad targeting", "0-1", 0, 1),
        }, "the consumers"),
        "network": Section({
            "friendship": Section({
                "model": Param("holme_kim", "str", "friendship graph generator", choices=NETWORK_MODELS),
                "mean_degree": Param(10.0, "float", "mean number of friends", "friends", 1, 10000),
                "triangle_prob": Param(0.5, "float", "holme_kim: probability of closing a triangle per link",
                                       "0-1", 0, 1),
                "rewire_prob": Param(0.1, "float", "watts_strogatz: probability of rewiring a lattice link",
                                     "0-1", 0, 1),
                "communities": Param(20, "int", "planted_communities: number of communities", "", 1, 10**6),
                "mixing": Param(0.1, "float", "planted_communities: share of a consumer's links across communities",
                                "0-1", 0, 1),
                "path": Param(None, "path", "edgelist: CSV/TSV file with two id columns (relative to the scenario)",
                              nullable=True),
            }, "undirected friendship graph (word of mouth, shares, news)"),
            "follows": Section({
                "reach_share": tier_table({"nano": 0.002, "micro": 0.01, "macro": 0.05, "mega": 0.15},
                                          "typical share of consumers following an influencer of this tier (the Pareto mean before "
                                          "truncation to the tier's range; must rise with the tier)", "0-1",
                                          0, 1),
                "tail_exponent": Param(2.5, "float", "Pareto exponent of follower counts within a tier", "", 1.1, 10),
                "interest_bias": Param(1.0, "float", "how strongly following depends on category interest "
                                       "(0: random followers)", "", 0, 10),
            }, "directed follow graph (influencer -> followers)"),
        }, "the social networks"),
        "influencers": Section({
            "counts": Section({t: Param(d, "int", f"number of generated {t} influencers", "", 0, 100000)
                               for t, d in zip(TIERS, (30, 10, 3, 1))}, "generated influencers per tier"),
            "named": ListOf(INFLUENCER, "influencers with a name (added to the generated ones)"),
            "credibility_mean": Param(0.6, "float", "mean credibility of generated influencers", "0-1", 0, 1),
            "fee_per_1k_followers": Param(100.0, "float", "fee a brand pays per sponsored post per 1,000 followers",
                                          "currency units", 0, 1e6),
        }, "the influencers"),
        "brands": ListOf(brand_spec(), "the brands", min_items=1),
        "platform": Section({
            "take_rate": Param(0.05, "float", "platform commission on each sale, paid by the brand", "0-1", 0, 1),
            "ad_cost_per_mille": Param(40.0, "float", "price of 1,000 ad impressions", "currency units", 0, 1e5),
        }, "the platform"),
        "mechanisms": Section({
            name: Section({"enabled": Param(cls.enabled_by_default, "bool", f"switch {name} on")} | cls.params,
                          cls.help)
            for name, cls in REGISTRY.items()
        }, "behavioural constants of the mechanisms"),
        "events": ListOf(EVENT, "scheduled shocks", unique=None),
    }, "a simcommerce scenario")


def event_types() -> dict[str, tuple[str, str]]:
    """Event type -> (mechanism, referenced kind: 'brand', 'influencer' or '' for platform-wide events)."""
    return {etype: (name, ref) for name, cls in REGISTRY.items() for etype, ref in cls.events.items()}


# ---------------------------------------------------------------- loading YAML


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that records the line of every key path."""


MAX_YAML_CHARS = 2_000_000  # a scenario or experiment file is a few kB
MAX_YAML_NODES = 100_000  # values once aliases (*anchor) are expanded: bounds a "billion laughs" document
MAX_YAML_DEPTH = 40  # levels of nesting (a scenario needs about 6)


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _check_size(root, file: str) -> None:
    """Refuse a document nested deeper than MAX_YAML_DEPTH or larger than MAX_YAML_NODES once expanded
    (a node repeated by an alias counts each time; sizes are memoised, so this is linear in the text)."""
    sizes: dict[int, int] = {}

    def size(node, depth: int) -> int:
        if depth > MAX_YAML_DEPTH:
            raise ScenarioError(file, "", f"YAML nested at most {MAX_YAML_DEPTH} levels deep",
                                "deeper nesting", node.start_mark.line + 1)
        if id(node) not in sizes:
            sizes[id(node)] = 1 + sum(size(c, depth + 1) for c in _children(node))
            if sizes[id(node)] > MAX_YAML_NODES:
                raise ScenarioError(file, "", f"at most {MAX_YAML_NODES:,} YAML values once aliases (*name) are "
                                    "expanded", "more (an alias bomb?)", node.start_mark.line + 1)
        return sizes[id(node)]

    if root is not None:
        size(root, 0)


def _compose_with_lines(text: str, file: str) -> tuple[Any, dict[str, int]]:
    """Parse YAML text safely: bounded in size, depth and alias expansion, keys plain scalars. Returns
    (data, {key path: line})."""
    if len(text) > MAX_YAML_CHARS:
        raise ScenarioError(file, "", f"a YAML file of at most {MAX_YAML_CHARS:,} characters", f"{len(text):,}")
    try:
        root = yaml.compose(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(file, "", "valid YAML", f"a syntax error ({problem})", line) from None
    except RecursionError:
        raise ScenarioError(file, "", f"YAML nested at most {MAX_YAML_DEPTH} levels deep", "deeper nesting") from None
    _check_size(root, file)
    lines: dict[str, int] = {}
    seen_maps: dict[int, set] = {}

    def visit(node, path):
        if node is None or id(node) in seen_maps:  # an alias (*anchor) repeats a node already read
            return
        lines.setdefault(path, node.start_mark.line + 1) if path else None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode):
                    kind = "a list" if isinstance(k, yaml.SequenceNode) else "a mapping"
                    raise ScenarioError(file, path, "keys that are plain names", f"{kind} as a key (? ...)",
                                        k.start_mark.line + 1)
                key = k.value
                sub = f"{path}.{key}" if path else key
                if key in seen_maps.setdefault(id(node), set()) and key != "<<":
                    raise ScenarioError(file, sub, "each key once per mapping",
                                        f"'{key}' again (first on line {lines[sub]})", k.start_mark.line + 1)
                seen_maps[id(node)].add(key)
                lines[sub] = k.start_mark.line + 1
                visit(v, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                visit(v, f"{path}[{i}]")

    visit(root, "")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:  # constructor errors (e.g. bad tags)
        mark = getattr(exc, "problem_mark", None)
        raise ScenarioError(file, "", "valid YAML", str(exc).splitlines()[0], mark.line + 1 if mark else None) from None
    return data, lines


DATA = Path(__file__).resolve().parent / "data"  # shipped inside the package (the repository links to it)
BUNDLED = DATA / "scenarios"  # the shipped scenarios (scenarios/ in the repository)


def scenario_path(name: str | Path) -> Path:
    """A scenario file: ``name`` itself if it is a file, else the shipped scenario of that name
    (``"baseline"`` -> ``scenarios/baseline.yaml``)."""
    path = Path(name)
    if path.is_file() or path.suffix in (".yaml", ".yml") or len(path.parts) > 1:
        return path
    return BUNDLED / f"{path.name}.yaml"


def flatten_overrides(overrides: dict, prefix: str = "") -> dict:
    """Keyword overrides as dotted keys: ``population={"consumers": 9}`` -> ``{"population.consumers": 9}``
    (dotted keys stay as they are)."""
    out = {}
    for key, value in overrides.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out |= flatten_overrides(value, dotted + ".")
        else:
            out[dotted] = value
    return out


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None, allowed_dir: Path | None = None) -> dict:
    """Read, validate and resolve a scenario file.

    Args:
        path: the YAML file.
        overrides: optional ``{dotted.key: value}`` applied before validation
            (brands may be addressed by name, e.g. ``brands.Glow.policy.ads.impressions_per_day``).
        allowed_dir: if given, files the scenario names (an edge list) must lie inside it (a server's rule
            for uploaded scenarios: no other file of the machine is ever read).

    Raises:
        ScenarioError: on any problem, with a one-sentence message.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(path), "", "an existing scenario file", "no such file") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise ScenarioError(str(path), "", "a readable UTF-8 text file", type(exc).__name__) from None
    data, lines = _compose_with_lines(text, str(path))
    return resolve_scenario(data, Source(str(path), lines), base_dir=path.parent, overrides=overrides,
                            allowed_dir=allowed_dir)


def resolve_scenario(data: Any, src: Source | None = None, base_dir: Path | str = ".",
                     overrides: dict[str, Any] | None = None, allowed_dir: Path | None = None) -> dict:
    """Validate a scenario given as data (see :func:`load_scenario`)."""
    src = src or Source()
    if not isinstance(data, dict):
        raise src.error("", "a mapping of scenario sections (name, population, brands, ...)", describe(data))
    data = copy.deepcopy(data)
    for key, value in (overrides or {}).items():
        apply_override(data, key, value, src)
    sc = resolve(scenario_spec(), data, "", src)
    for name, cls in REGISTRY.items():
        for key, expected, found in cls.check(sc["mechanisms"][name]):
            raise src.error(f"mechanisms.{name}.{key}", expected, found)
    _check_references(sc, src)
    _resolve_network_file(sc, src, Path(base_dir), allowed_dir)
    _check_consistency(sc, src)
    for b in sc["brands"]:
        for p in b["products"]:
            if p["claimed_quality"] is None:
                p["claimed_quality"] = p["quality"]
    sc["source"] = src.file
    return sc


def apply_override(data: dict, dotted: str, value: Any, src: Source) -> None:
    """Set ``data[dotted.key] = value``; list items by index or by their ``name``."""
    parts = dotted.split(".")
    node = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            match = [k for k, x in enumerate(node) if isinstance(x, dict) and x.get("name") == part]
            if not match and part.isdigit() and int(part) < len(node):
                match = [int(part)]
            if not match:
                names = [x.get("name") for x in node if isinstance(x, dict)]
                raise src.error(".".join(parts[:i + 1]), f"a list item name or index (one of {names})", f"'{part}'")
            if last:
                node[match[0]] = copy.deepcopy(value)
                return
            node = node[match[0]]
            continue
        if not isinstance(node, dict):
            raise src.error(".".join(parts[:i]), "a mapping to override into", describe(node))
        if last:
            node[part] = copy.deepcopy(value)
            return
        node = node.setdefault(part, {})


def _check_references(sc: dict, src: Source) -> None:
    types = event_types()
    brands = [b["name"] for b in sc["brands"]]
    influencers = [i["name"] for i in sc["influencers"]["named"]]
    for i, ev in enumerate(sc["events"]):
        if ev["type"] not in types:
            raise src.error(f"events[{i}].type", f"one of {', '.join(sorted(types))}", f"'{ev['type']}'")
        if ev["day"] > sc["steps"]:
            raise src.error(f"events[{i}].day", f"a day between 1 and steps ({sc['steps']})", str(ev["day"]))
        ref = types[ev["type"]][1]
        if not ref:
            continue  # a platform-wide event names no brand or influencer
        known = brands if ref == "brand" else influencers
        if ev[ref] is None:
            raise src.error(f"events[{i}].{ref}", f"the {ref} hit by the {ev['type']} (one of {known})",
                            "it missing")
        if ev[ref] not in known:
            kind = "brand" if ref == "brand" else "named influencer"
            raise src.error(f"events[{i}].{ref}", f"the name of a {kind} in this scenario (one of {known})",
                            f"'{ev[ref]}'")


def _check_consistency(sc: dict, src: Source) -> None:
    """What the bounds of single keys cannot see: sizes against the market, names, memory."""
    n = sc["population"]["consumers"]
    names = {}
    for i, b in enumerate(sc["brands"]):
        key = b["name"].strip().casefold()
        if not key or key in names:
            raise src.error(f"brands[{i}].name", "a brand name unlike the others (case and spaces aside)",
                            f"{one_line(b['name'])}" + (f" like brands[{names[key]}]" if key in names else ""))
        names[key] = i
    inf = sc["influencers"]
    total = sum(inf["counts"].values()) + len(inf["named"])
    if total > max(n, MIN_INFLUENCER_CAP):
        raise src.error("influencers.counts", f"at most one influencer per consumer ({max(n, MIN_INFLUENCER_CAP)} "
                        "here)", f"{total:,}")
    fr = sc["network"]["friendship"]
    if fr["model"] not in ("complete", "edgelist") and fr["mean_degree"] >= n:
        raise src.error("network.friendship.mean_degree", f"fewer friends than consumers (< {n}; for everyone "
                        "linked to everyone use model: complete)", f"{fr['mean_degree']:g}")
    for name, cls in REGISTRY.items():
        if sc["mechanisms"][name]["enabled"]:
            for key, expected, found in cls.check_scenario(sc):
                raise src.error(key, expected, found)
    need, have = estimated_memory(sc), available_memory()
    if need > have:
        raise src.error("population.consumers", f"a market that fits in this machine's memory ({have / 2**30:.1f} "
                        f"GiB available)", f"{n:,} consumers needing about {need / 2**30:.1f} GiB")


def estimated_memory(sc: dict) -> int:
    """Bytes a market of ``sc`` needs at its peak (build), roughly: measured per consumer, per product and
    brand column, and per friendship link (benchmarks/README.md)."""
    n = sc["population"]["consumers"]
    products = sum(len(b["products"]) for b in sc["brands"])
    fr = sc["network"]["friendship"]
    degree = 0 if fr["model"] == "complete" else fr["mean_degree"]
    per_link = BYTES_PER_LINK.get(fr["model"], BYTES_PER_LINK_OTHER)
    return int(n * (BYTES_PER_CONSUMER + BYTES_PER_COLUMN * (products + len(sc["brands"])) + per_link * degree))


def available_memory() -> int:
    """Bytes of memory this process may use: physical memory, or a cgroup limit if lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        limit = int(Path("/sys/fs/cgroup/memory.max").read_text())
    except (OSError, ValueError):
        limit = total
    return min(total, limit)


def _resolve_network_file(sc: dict, src: Source, base_dir: Path, allowed_dir: Path | None = None) -> None:
    fr = sc["network"]["friendship"]
    key = "network.friendship.path"
    if fr["model"] != "edgelist":
        if fr["path"] is not None:
            raise src.error(key, "no path unless model is 'edgelist'", f"model '{fr['model']}'")
        if sc["population"]["consumers"] is None:
            raise src.error("population.consumers", "the required key 'consumers' (number of consumers; only an "
                            "edge list can supply it)", "it missing")
        return
    if fr["path"] is None:
        raise src.error(key, "the edge-list file for model 'edgelist'", "it missing")
    file = Path(fr["path"])
    if not file.is_absolute():
        file = base_dir / file
    if allowed_dir is not None:
        try:
            inside = file.resolve().is_relative_to(Path(allowed_dir).resolve())
        except (OSError, ValueError, RuntimeError):
            inside = False
        if not inside:
            raise src.error(key, "an edge-list file in the scenario's own folder (a scenario given to a server may "
                            "name no other file)", one_line(str(fr["path"])[:60]))
    try:
        exists = file.is_file()
    except (OSError, ValueError) as exc:
        found = f"'{str(fr['path'])[:60]}…' ({type(exc).__name__})"
        raise src.error(key, "a usable edge-list file path", found) from None
    if not exists:
        raise src.error(key, "an existing edge-list file", f"'{fr['path']}' (no such file: {file})")
    fr["path"] = str(file.resolve())
    n_nodes = len(read_edgelist_ids(file, key)[2])
    if n_nodes < 2:
        raise ScenarioError(str(file), key, "edges between at least 2 consumers", f"{n_nodes} consumer")
    n = sc["population"]["consumers"]
    if n is None:
        sc["population"]["consumers"] = n_nodes
    elif n != n_nodes:
        raise src.error("population.consumers", f"the edge list's node count ({n_nodes}) or no value", str(n))


def schema_json() -> str:
    """The scenario format as a JSON Schema document (for editors' autocompletion)."""
    return schema_document(scenario_spec(), "simcommerce scenario")


def reference_markdown() -> str:
    """docs/scenario-reference.md: every key of the format with default, bounds, unit and meaning."""
    return spec_reference(scenario_spec(), "Scenario reference",
                          "Generated from the scenario format by `simcommerce docs` (or `simcommerce schema "
                          "--markdown`);\na test fails when this file is stale. `[]` marks a list item; `<name>` any "
                          "key.")


def get_value(scenario: dict, key: str) -> Any:
    """The value at a dotted override key of a resolved scenario (list items by name or index)."""
    node: Any = scenario
    for part in key.split("."):
        if isinstance(node, list):
            match = [x for x in node if isinstance(x, dict) and x.get("name") == part]
            node = match[0] if match else node[int(part)]
        else:
            node = node[part]
    return node
