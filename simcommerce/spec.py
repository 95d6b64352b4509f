"""Parameters as plain, self-documenting data, and validation of YAML against them.

A file format (scenario, experiment, calibration, optimisation) is a tree of :class:`Section`,
:class:`ListOf`, :class:`OneOf` and :class:`Param`. The same tree fills in defaults, validates user input
(with the key path and the YAML line of every problem), prints a JSON Schema and generates the docs. What a
tree cannot say is a *declared check* on a Section: a function ``check(value, given, path, src)`` whose
docstring's first line is listed in the docs.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any


class ScenarioError(Exception):
    """Bad user input: one clear sentence naming file, key path, expectation and finding."""

    def __init__(self, file: str, path: str, expected: str, found: str = "", line: int | None = None):
        self.file, self.path, self.expected, self.found, self.line = file, path, expected, found, line
        where = f"{file}:{line}" if line else file
        key = f" at '{path}'" if path else ""
        found_part = f", found {found}" if found else ""
        super().__init__(f"{where}{key}: expected {expected}{found_part}.")


MAX_SEED = 2**62  # root seeds; replication r uses seed + r, which must stay a 64-bit integer
MISSING = object()  # a key that is absent (as opposed to an explicit null)

TIERS = ("nano", "micro", "macro", "mega")  # influencer tiers, by follower count

KINDS = ("float", "int", "bool", "str", "floats", "ints", "path", "number", "any", "mapping")
NUMBERS = ("float", "int", "floats", "ints", "number")
NONBLANK = r"\S"  # a Param pattern: text with something other than spaces in it


@dataclass(frozen=True)
class Param:
    """One scalar (or list-of-floats) parameter.

    Attributes:
        default: value used when the key is absent (ignored when ``required``).
        kind: one of ``float``, ``int``, ``bool``, ``str``, ``floats``/``ints`` (lists), ``path``; ``number``
            (an int or float, kept as written), ``any`` (any value, kept as written), ``mapping`` (a mapping
            kept as written, checked later by its own loader).
        help: one-line meaning.
        unit: unit of measure ("" for dimensionless).
        min, max: inclusive bounds for numbers (each element for ``floats``).
        choices: allowed values for ``str``.
        required: the user must give it.
        nullable: ``null`` is allowed (means "none"/"unlimited", as help says).
        pattern: a regular expression ``str``/``path`` text must contain (``NONBLANK``: not only spaces).
    """

    default: Any
    kind: str
    help: str
    unit: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    required: bool = False
    nullable: bool = False
    pattern: str | None = None

    def __post_init__(self):
        assert self.kind in KINDS, self.kind
        if self.kind in NUMBERS:  # every number is bounded: no 1e300 reaches the model
            assert self.min is not None and self.max is not None, f"{self.help}: give min and max"


@dataclass(frozen=True)
class Section:
    """A mapping of named fields (Params, Sections, ListOfs, OneOfs).

    Attributes:
        open_keys: a node applied to any other key (a user-named table).
        key_pattern, key_help: a regular expression every open key must match, and what is expected instead.
        min_keys: open keys the user must give (the Section is then required).
        checks: declared checks ``check(value, given, path, src)`` run on the resolved mapping (``given``: as
            written); each raises ``src.error(...)``; the first line of its docstring documents it.
    """

    fields: dict[str, Any]
    help: str = ""
    open_keys: Any = None
    key_pattern: str | None = None
    key_help: str = ""
    min_keys: int = 0
    checks: tuple = ()


@dataclass(frozen=True)
class ListOf:
    """A list of items (Sections, or Params); ``unique`` names a Section field that must be unique across items."""

    item: Any
    help: str
    min_items: int = 0
    unique: str | None = "name"


@dataclass(frozen=True)
class OneOf:
    """One of several forms (e.g. a list of values or a range); ``pick(value)`` is the index of the form that
    applies, or None when none does. An absent or null value stays None."""

    options: tuple
    help: str
    pick: Any = None


@dataclass
class Source:
    """Where values came from: the file name and a key-path -> line map."""

    file: str = "<scenario>"
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, path: str) -> int | None:
        """The line of ``path`` or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rsplit(".", 1)[0] if "." in path else ""
        return None

    def error(self, path: str, expected: str, found: str = "") -> ScenarioError:
        return ScenarioError(self.file, path, expected, found, self.line(path))


def describe(value: Any) -> str:
    """A short, user-facing description of a found value."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"{one_line(value)} (text)"
    return one_line(value)


def describe_number(value: Any) -> str:
    """:func:`describe` for a value where a number was expected: YAML reads ``1e300`` (no dot, no sign in the
    exponent) as text, so say how to write it."""
    if isinstance(value, str):
        try:
            x = float(value)
        except ValueError:
            return describe(value)
        return f"{one_line(value)} (text: YAML reads an exponent without a dot and sign as text; write e.g. " \
               f"{x:.1e}".replace("e+0", "e+").replace("e-0", "e-") + ")"
    return describe(value)


def one_line(value: Any) -> str:
    """A value quoted and escaped so a message stays on one line."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("unicode_escape").decode("ascii")
    return f"'{text[:80]}'" if isinstance(value, str) else text[:80]


def join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def suggest(key: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.5)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (valid keys: {', '.join(sorted(valid))})"


def resolve(node: Any, value: Any, path: str, src: Source) -> Any:
    """Validate ``value`` against ``node`` and return it with defaults filled in."""
    if isinstance(node, Param):
        return check_param(node, value, path, src)
    if isinstance(node, OneOf):
        if value is MISSING or value is None:
            return None
        i = node.pick(value)
        if i is None:
            raise src.error(path, node.help, describe(value))
        return resolve(node.options[i], value, path, src)
    if isinstance(node, ListOf):
        if value is MISSING or value is None:
            value = []
        if not isinstance(value, list):
            raise src.error(path, f"a list ({node.help})", describe(value))
        if len(value) < node.min_items:
            raise src.error(path, f"at least {node.min_items} item(s) ({node.help})", f"{len(value)}")
        items = [resolve(node.item, v, f"{path}[{i}]", src) for i, v in enumerate(value)]
        if node.unique:
            seen: set = set()
            for i, item in enumerate(items):
                if item[node.unique] in seen:
                    raise src.error(f"{path}[{i}].{node.unique}", "a unique name", f"'{item[node.unique]}' twice")
                seen.add(item[node.unique])
        return items
    assert isinstance(node, Section)
    if value is MISSING or value is None:
        value = {}
    if not isinstance(value, dict):
        raise src.error(path, f"a mapping of keys ({node.help})" if node.help else "a mapping of keys",
                        describe(value))
    out: dict[str, Any] = {}
    for key in value:
        if key not in node.fields and node.open_keys is None:
            raise ScenarioError(src.file, join(path, one_line(str(key))[1:-1]),
                                "a known key" + suggest(key, list(node.fields)), one_line(str(key)),
                                src.line(join(path, key)))
    for key, sub in node.fields.items():
        sub_path = join(path, key)
        if key not in value:
            if isinstance(sub, Param) and sub.required:
                raise src.error(sub_path, f"the required key '{key}' ({sub.help})", "it missing")
            if isinstance(sub, ListOf) and sub.min_items:
                raise src.error(sub_path, f"the required list '{key}' ({sub.help})", "it missing")
            if isinstance(sub, Section) and sub.min_keys:
                raise src.error(sub_path, f"the required key '{key}' ({sub.help})", "it missing")
        out[key] = resolve(sub, value.get(key, MISSING), sub_path, src)
    if node.open_keys is not None:
        for key in value:
            if key not in node.fields:
                if node.key_pattern and not (isinstance(key, str) and re.search(node.key_pattern, key)):
                    raise src.error(join(path, key), node.key_help, describe(key))
                out[str(key)] = resolve(node.open_keys, value[key], join(path, key), src)
        if len(out) - len(node.fields) < node.min_keys:
            raise src.error(path, f"at least {node.min_keys} key(s) ({node.help})", "none")
    for check in node.checks:
        check(out, value, path, src)
    return out


def check_param(p: Param, value: Any, path: str, src: Source) -> Any:
    if value is MISSING:
        return copy.deepcopy(p.default)
    if value is None and p.nullable:
        return None
    bounds = ""
    if p.min is not None and p.max is not None:
        bounds = f" between {p.min} and {p.max}"
    elif p.min is not None:
        bounds = f" >= {p.min}"
    elif p.max is not None:
        bounds = f" <= {p.max}"
    unit = f" {p.unit}" if p.unit and p.unit != "0-1" else ""

    def in_range(x, where: str) -> None:
        try:
            finite = math.isfinite(float(x))
        except OverflowError:
            raise src.error(where, f"a number{bounds}{unit} ({p.help})", "a number too large") from None
        if not finite:
            raise src.error(where, f"a finite number{bounds}{unit} ({p.help})", repr(float(x)))
        if (p.min is not None and x < p.min) or (p.max is not None and x > p.max):
            kind = "a whole number" if p.kind in ("int", "ints") else "a number"
            raise src.error(where, f"{kind}{bounds}{unit} ({p.help})", repr(x))

    if p.kind == "any":
        return copy.deepcopy(value)
    if p.kind == "mapping":
        if not isinstance(value, dict):
            raise src.error(path, f"a mapping ({p.help})", describe(value))
        return copy.deepcopy(value)
    if p.kind == "bool":
        if not isinstance(value, bool):
            raise src.error(path, "true or false", describe(value))
        return value
    if p.kind in ("str", "path"):
        if not isinstance(value, str):
            what = f"one of {', '.join(p.choices)}" if p.choices else p.help
            raise src.error(path, f"text ({what})", describe(value))
        if p.pattern and not re.search(p.pattern, value):
            what = "non-empty text" if p.pattern == NONBLANK else f"text matching {p.pattern}"
            raise src.error(path, f"{what} ({p.help})", one_line(value))
        if p.choices and value not in p.choices:
            close = difflib.get_close_matches(value, p.choices, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise src.error(path, f"one of {', '.join(p.choices)}{hint}", one_line(value))
        return value
    if p.kind == "int":
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)
                                                                      and value.is_integer())):
            raise src.error(path, f"a whole number{bounds}{unit} ({p.help})", describe_number(value))
        in_range(value, path)  # as given: a float prints as 1e+300, not as its 301 digits
        return int(value)
    if p.kind in ("float", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise src.error(path, f"a number{bounds}{unit} ({p.help})", describe_number(value))
        in_range(value, path)
        return float(value) if p.kind == "float" else value
    if p.kind in ("floats", "ints"):
        whole = p.kind == "ints"
        what = "whole number" if whole else "number"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            raise src.error(path, f"a list of {what}s ({p.help})", describe(value))
        out = []
        for i, x in enumerate(value):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or (whole and not float(x).is_integer()):
                raise src.error(f"{path}[{i}]", f"a {what}{bounds}", describe_number(x))
            in_range(x, f"{path}[{i}]")
            out.append(int(x) if whole else float(x))
        return out
    raise AssertionError(p.kind)


def defaults(node: Any) -> Any:
    """The value a node takes when the user gives nothing."""
    return resolve(node, MISSING, "", Source()) if not _has_required(node) else None


def _has_required(node: Any) -> bool:
    if isinstance(node, Param):
        return node.required
    if isinstance(node, ListOf):
        return node.min_items > 0
    if isinstance(node, OneOf):
        return False
    return node.min_keys > 0 or any(_has_required(f) for f in node.fields.values())


def json_schema(node: Any) -> dict:
    """A JSON Schema (draft 2020-12) fragment for ``node``."""
    if isinstance(node, OneOf):
        return {"description": node.help, "anyOf": [json_schema(o) for o in node.options]}
    if isinstance(node, Param):
        kinds = {"float": "number", "int": "integer", "bool": "boolean", "str": "string", "path": "string",
                 "number": "number", "mapping": "object"}
        if node.kind == "any":
            out: dict = {}
        elif node.kind in ("floats", "ints"):
            item: dict = {"type": "integer" if node.kind == "ints" else "number"}
            if node.min is not None:
                item["minimum"] = node.min
            if node.max is not None:
                item["maximum"] = node.max
            out = {"type": "array", "items": item}
        else:
            out = {"type": kinds[node.kind]}
            if node.min is not None:
                out["minimum"] = node.min
            if node.max is not None:
                out["maximum"] = node.max
            if node.choices:
                out["enum"] = list(node.choices)
            if node.pattern:
                out["pattern"] = node.pattern
        if node.nullable and "type" in out:
            out["type"] = [out["type"], "null"]
        desc = node.help + (f" [{node.unit}]" if node.unit else "")
        out["description"] = desc
        if not node.required and node.default is not None:
            out["default"] = node.default
        return out
    if isinstance(node, ListOf):
        return {"type": "array", "description": node.help, "minItems": node.min_items, "items": json_schema(node.item)}
    out = {
        "type": "object",
        "properties": {k: json_schema(v) for k, v in node.fields.items()},
        "additionalProperties": json_schema(node.open_keys) if node.open_keys is not None else False,
    }
    if node.key_pattern:
        out["propertyNames"] = {"pattern": node.key_pattern}
    if node.min_keys and not node.fields:
        out["minProperties"] = node.min_keys
    required = [
        k for k, v in node.fields.items()
        if (isinstance(v, Param) and v.required) or (isinstance(v, ListOf) and v.min_items)
        or (isinstance(v, Section) and v.min_keys)
    ]
    if required:
        out["required"] = required
    if node.help:
        out["description"] = node.help
    return out


def walk(node: Any, path: str = ""):
    """Yield ``(key_path, Param)`` for every parameter under ``node`` (lists as ``[]``)."""
    if isinstance(node, Param):
        yield path, node
    elif isinstance(node, ListOf):
        yield from walk(node.item, f"{path}[]")
    elif isinstance(node, OneOf):
        for option in node.options:
            yield from walk(option, path)
    else:
        for key, sub in node.fields.items():
            yield from walk(sub, join(path, key))
        if node.open_keys is not None:
            yield from walk(node.open_keys, join(path, "<name>"))


def declared_checks(node: Any, path: str = ""):
    """Yield ``(key_path, check)`` for every declared check under ``node``."""
    if isinstance(node, ListOf):
        yield from declared_checks(node.item, f"{path}[]")
    elif isinstance(node, OneOf):
        for option in node.options:
            yield from declared_checks(option, path)
    elif isinstance(node, Section):
        for check in node.checks:
            yield path, check
        for key, sub in node.fields.items():
            yield from declared_checks(sub, join(path, key))
        if node.open_keys is not None:
            yield from declared_checks(node.open_keys, join(path, "<name>"))


def schema_document(node: Any, title: str) -> str:
    """``node`` as a JSON Schema document (draft 2020-12, for editors' autocompletion)."""
    import json

    schema = json_schema(node)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    return json.dumps(schema, indent=2)


def reference_markdown(node: Any, title: str, intro: str, containers: bool = False) -> str:
    """A docs page: every key under ``node`` with default, range, unit and meaning, then its declared checks.

    Args:
        containers: a row also for each list, table and choice of forms (their meaning), not only for values.
    """
    lines = [f"# {title}", "", intro, "", "| key | default | range | unit | meaning |", "|---|---|---|---|---|"]
    for path, p in _documented(node, "", containers):
        if isinstance(p, (ListOf, Section)):
            least = p.min_items if isinstance(p, ListOf) else p.min_keys
            what = "item" if isinstance(p, ListOf) else "key"
            default = f"at least {least} {what}(s)" if least else "`[]`" if isinstance(p, ListOf) else \
                "" if _has_required(p) else "`{}`"
            lines.append(f"| `{path}` | {default} |  |  | {p.help} |")
            continue
        if isinstance(p, OneOf):
            lines.append(f"| `{path}` | null |  |  | one of the forms below: {p.help} |")
            continue
        default = "**required**" if p.required else ("null" if p.default is None else f"`{p.default}`")
        if p.choices:
            rng = " \\| ".join(p.choices)
        elif p.min is not None or p.max is not None:
            rng = f"{'' if p.min is None else p.min} – {'' if p.max is None else p.max}"
        else:
            rng = ""
        lines.append(f"| `{path}` | {default} | {rng} | {p.unit} | {p.help} |")
    checks = list(declared_checks(node))
    if checks:
        lines += ["", "Checks beyond the table:", ""]
        lines += [f"- `{path or '(top level)'}`: {(check.__doc__ or check.__name__).strip().splitlines()[0]}"
                  for path, check in checks]
    return "\n".join(lines) + "\n"


def _documented(node: Any, path: str, containers: bool):
    """:func:`walk`, with the lists, open tables and choices of forms too when ``containers``."""
    if not containers:
        yield from walk(node, path)
    elif isinstance(node, Param):
        yield path, node
    elif isinstance(node, ListOf):
        yield path, node
        yield from _documented(node.item, f"{path}[]", containers)
    elif isinstance(node, OneOf):
        yield path, node
        for option in node.options:
            yield from _documented(option, path, containers)
    else:
        if path and (node.open_keys is not None or node.min_keys):
            yield path, node
        for key, sub in node.fields.items():
            yield from _documented(sub, join(path, key), containers)
        sub = node.open_keys
        if isinstance(sub, Section) and sub.help and sub.open_keys is None:  # a user-named entry's meaning
            yield join(path, "<name>"), sub
        if sub is not None:
            yield from _documented(sub, join(path, "<name>"), containers)


def tier_table(default: dict[str, float], help: str, unit: str, lo: float, hi: float) -> Section:
    return Section({t: Param(default[t], "float", f"{help} ({t})", unit, lo, hi) for t in TIERS}, help)
