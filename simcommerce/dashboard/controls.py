"""Lever controls generated from the parameter metadata of the scenario format.

Which parameters count as a strategist's *levers* is the short list :data:`LEVERS` (paths in
the notation of :func:`simcommerce.spec.walk`); everything a control shows — its kind of widget,
range, step, unit, tooltip — comes from that parameter's :class:`~simcommerce.spec.Param`, and
a value typed in is checked by the same code that checks a scenario file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from dash import dcc, html

from ..i18n import t
from ..scenario import get_value, scenario_spec
from ..spec import Param, ScenarioError, Source, check_param, walk

# (group, parameter path): brands[] is the brand being edited, products[] each of its products.
LEVERS: list[tuple[str, str]] = [
    ("Referral commission", "brands[].policy.referral.rates"),
    ("Referral commission", "brands[].policy.referral.buyer_discount"),
    ("Influencers", "brands[].policy.influencer_posts.sponsored"),
    ("Influencers", "brands[].policy.influencer_posts.tier"),
    ("Influencers", "brands[].policy.influencer_posts.posts_per_week"),
    ("Influencers", "brands[].marketing_budget"),
    ("Ads", "brands[].policy.ads.impressions_per_day"),
    ("Ads", "brands[].policy.ads.targeting"),
    ("Ads", "brands[].policy.ads.precision"),
    ("Group buying", "brands[].policy.group_buying.group_size"),
    ("Group buying", "brands[].policy.group_buying.discount"),
    ("Group buying", "brands[].policy.group_buying.window_hours"),
    ("Live stream", "brands[].policy.livestream.sessions_per_week"),
    ("Live stream", "brands[].policy.livestream.discount"),
    ("Live stream", "brands[].policy.livestream.slot_fee"),
    ("Live stream", "brands[].policy.livestream.commission"),
    ("Price", "brands[].products[].price"),
    ("Disclosure", "brands[].policy.influencer_posts.disclose"),
    ("Fake reviews", "brands[].policy.fake_reviews.per_day"),
    ("Market rules (all brands)", "mechanisms.group_buying.enabled"),
    ("Market rules (all brands)", "mechanisms.influencer_posts.mandatory_disclosure"),
]
MARKET = ("population.consumers", "steps")  # the market-size controls
LABELS = {  # what each lever is called on the page (its key path is in the tooltip and the policy's YAML)
    "brands[].policy.referral.rates": "commission per referral level",
    "brands[].policy.referral.buyer_discount": "discount for the referred friend",
    "brands[].policy.influencer_posts.sponsored": "sponsored influencers",
    "brands[].policy.influencer_posts.tier": "influencer tier",
    "brands[].policy.influencer_posts.posts_per_week": "posts per week each",
    "brands[].marketing_budget": "marketing budget (all channels)",
    "brands[].policy.ads.impressions_per_day": "ad impressions per day",
    "brands[].policy.ads.targeting": "ad targeting",
    "brands[].policy.ads.precision": "targeting precision",
    "brands[].policy.group_buying.group_size": "partners a group needs",
    "brands[].policy.group_buying.discount": "group discount",
    "brands[].policy.group_buying.window_hours": "hours to fill a group",
    "brands[].policy.livestream.sessions_per_week": "live sessions per week",
    "brands[].policy.livestream.discount": "live-stream discount",
    "brands[].policy.livestream.slot_fee": "slot fee per session",
    "brands[].policy.livestream.commission": "host's commission",
    "brands[].products[].price": "price",
    "brands[].policy.influencer_posts.disclose": "disclose sponsored posts",
    "brands[].policy.fake_reviews.per_day": "fake reviews bought per day",
    "mechanisms.group_buying.enabled": "group buying allowed",
    "mechanisms.influencer_posts.mandatory_disclosure": "disclosure of sponsored posts mandatory",
}


@cache
def params() -> dict[str, Param]:
    """Every parameter of the scenario format by its walk path."""
    return dict(walk(scenario_spec()))


@dataclass(frozen=True)
class Lever:
    """One control: the override key it sets, its parameter's metadata, the scenario's value."""

    group: str
    key: str          # dotted override key, e.g. brands.Glow.policy.referral.rates
    label: str
    param: Param
    base: Any         # the value in the scenario (without any policy)


def levers(scenario: dict, brand: str, lang: str = "en") -> list[Lever]:
    """The levers of ``brand`` in a resolved scenario, in the order of :data:`LEVERS`, labelled in ``lang``."""
    out = []
    b = next(x for x in scenario["brands"] if x["name"] == brand)
    for group, path in LEVERS:
        p, label = params()[path], t(LABELS[path], lang)
        if path.startswith("brands[].products[]."):
            rest = path.removeprefix("brands[].products[].")
            for prod in b["products"]:
                key = f"brands.{brand}.products.{prod['name']}.{rest}"
                out.append(Lever(group, key, f"{prod['name']}: {label}", p, get_value(scenario, key)))
        elif path.startswith("brands[]."):
            key = f"brands.{brand}.{path.removeprefix('brands[].')}"
            out.append(Lever(group, key, label, p, get_value(scenario, key)))
        else:
            out.append(Lever(group, path, label, p, get_value(scenario, path)))
    return out


def _range(p: Param) -> str:
    if p.choices:
        return " | ".join(p.choices)
    if p.min is not None and p.max is not None:
        return f"{p.min:g} – {p.max:g}"
    if p.min is not None:
        return f"≥ {p.min:g}"
    return f"≤ {p.max:g}" if p.max is not None else ""


def tooltip(p: Param, key: str = "", lang: str = "en") -> str:
    """The control's tooltip in ``lang``: meaning, unit and range from the metadata (and the key path it sets)."""
    colon = "：" if lang == "zh-CN" else ": "
    bits = [t(p.help, lang)]
    if p.unit:
        bits.append(f"{t('unit', lang)}{colon}{p.unit}")
    if _range(p):
        bits.append(f"{t('range', lang)}{colon}{_range(p)}")
    if p.nullable:
        bits.append(t("empty: none/unlimited", lang))
    if key:
        bits.append(f"{t('key', lang)}{colon}{key}")
    return ("；" if lang == "zh-CN" else "; ").join(bits)


def to_widget(p: Param, value: Any) -> Any:
    """A scenario value as the widget shows it."""
    if p.kind == "bool":
        return ["on"] if value else []
    if p.kind in ("floats", "ints"):
        return ", ".join(f"{x:g}" for x in value or [])
    return value


def from_widget(p: Param, raw: Any, key: str) -> Any:
    """The widget's value as a scenario value, checked against the metadata.

    Raises:
        ScenarioError: naming the key, what was expected and what was found.
    """
    src = Source("policy")
    if p.kind == "bool":
        return bool(raw)
    if p.kind in ("floats", "ints"):
        try:
            value = yaml.safe_load(f"[{raw or ''}]")
        except yaml.YAMLError:
            raise src.error(key, "numbers separated by commas, e.g. 0.1, 0.05", repr(str(raw))) from None
        return check_param(p, value, key, src)
    if raw is None or raw == "":
        if p.nullable:
            return None
        raise src.error(key, f"a number{' ' + _range(p) if _range(p) else ''}", "nothing")
    return check_param(p, raw, key, src)


def widget(lever: Lever, value: Any, currency: str = "currency units", lang: str = "en") -> html.Div:
    """One labelled control; its id is ``{"type": "lever", "key": <dotted key>}``; money in ``currency``."""
    p, wid = lever.param, {"type": "lever", "key": lever.key}
    shown = to_widget(p, value)
    if p.kind == "bool":
        control = dcc.Checklist(id=wid, options=[{"label": " on", "value": "on"}], value=shown, inline=True)
    elif p.choices:
        control = dcc.RadioItems(id=wid, options=list(p.choices), value=shown, inline=True)
    elif p.kind in ("floats", "ints"):
        control = dcc.Input(id=wid, type="text", value=shown, debounce=True, placeholder="e.g. 0.1, 0.05")
    else:
        step = 1 if p.kind == "int" else "any"
        control = dcc.Input(id=wid, type="number", value=shown, min=p.min, max=p.max, step=step, debounce=True,
                            placeholder="unlimited" if p.nullable else None)
    unit = f" ({p.unit.replace('currency units', currency)})" if p.unit else ""
    label = html.Label(f"{lever.label}{unit}", title=tooltip(p, lever.key, lang), htmlFor=dom_id(wid),
                       id=dom_id(wid) + "-label")
    if p.kind == "bool" or p.choices:  # options in labels of their own: the group is named by its label
        control = html.Div(control, role="group", **{"aria-labelledby": dom_id(wid) + "-label"})
    refused = html.Div(id={"type": "lever-error", "key": lever.key}, className="error lever-error", role="alert")
    return html.Div([label, control, refused], className="lever", title=tooltip(p, lever.key, lang))


def dom_id(wid: dict | str) -> str:
    """The id attribute Dash gives a component in the page (a dict id as JSON with sorted keys), for a
    label's ``htmlFor``."""
    return wid if isinstance(wid, str) else json.dumps(wid, sort_keys=True, separators=(",", ":"))


def _mechanism(path: str) -> str | None:
    """The mechanism a brand-policy lever belongs to (``brands[].policy.<mechanism>.…``)."""
    parts = path.split(".")
    return parts[2] if path.startswith("brands[].policy.") else None


def panel(scenario: dict, brand: str, overrides: dict, lang: str = "en") -> list:
    """The lever controls of ``brand``, grouped, showing the policy's values (else the scenario's).

    A group whose mechanism is off in the scenario says so: its levers act only once it is switched on.
    """
    out, group, first = [], None, {}
    for g, path in LEVERS:
        first.setdefault(g, path)  # a group's mechanism: that of its first lever
    for lever in levers(scenario, brand, lang):
        if lever.group != group:
            group = lever.group
            out.append(html.H4(t(group, lang), className="lever-group"))
            mech = _mechanism(first[group])
            switch = f"mechanisms.{mech}.enabled"
            if mech and not scenario["mechanisms"][mech]["enabled"]:
                where = t(" (Market rules, below)" if any(p == switch for _, p in LEVERS) else
                          " (in the scenario file)", lang)
                out.append(html.P(t("The {mech} mechanism is off in this scenario: these levers act only in a policy "
                                    "that switches it on{where}.", lang, mech=mech, where=where),
                                  className="note lever-note"))
        out.append(widget(lever, overrides.get(lever.key, lever.base), scenario.get("currency") or "currency units",
                          lang))
    return out


def market_widget(key: str, value: Any, wid: str, lang: str = "en") -> html.Div:
    """A market-size control (consumers, days) from the metadata of ``key``."""
    p = params()[key]
    label = {"population.consumers": "Market size", "steps": "Days"}.get(key, key)
    unit = f" ({t(p.unit, lang)})" if p.unit and p.unit != label.lower() else ""
    label = t(label, lang)
    return html.Div([html.Label(f"{label}{unit}", title=tooltip(p, lang=lang), htmlFor=wid),
                     dcc.Input(id=wid, type="number", value=value, min=p.min, max=p.max, step=1, debounce=True)],
                    className="lever", title=tooltip(p, lang=lang))


def apply(overrides: dict, scenario: dict, brand: str, values: dict[str, Any]) -> tuple[dict, dict[str, tuple]]:
    """New overrides from the widgets' values ``{key: raw}`` of ``brand``'s levers.

    A lever at the scenario's own value is dropped from the overrides (the policy says only
    what it changes); a value that fails its check keeps the previous override and yields a message.

    Returns:
        (overrides, ``{key: (message, the value the widget goes back to)}`` for each refused value).
    """
    out, errors = dict(overrides), {}
    for lever in levers(scenario, brand):
        if lever.key not in values:
            continue
        try:
            value = from_widget(lever.param, values[lever.key], lever.key)
        except ScenarioError as exc:
            errors[lever.key] = (str(exc), to_widget(lever.param, overrides.get(lever.key, lever.base)))
            continue
        if value == lever.base:
            out.pop(lever.key, None)
        else:
            out[lever.key] = value
    return out, errors


def range_inputs(kind: str, rows: list[tuple[str, str, float, float]], lang: str = "en") -> list[html.Div]:
    """A from / to pair of number boxes per ``(key, label, low, high)``, with ids ``{"type": f"{kind}-min" or
    f"{kind}-max", "key": key}`` (the page's search ranges and uncertain parameters)."""
    out = []
    for key, label, lo, hi in rows:
        for end, value in (("min", lo), ("max", hi)):
            wid = {"type": f"{kind}-{end}", "key": key}
            text = t("{label}: from" if end == "min" else "{label}: to", lang, label=label)
            out.append(html.Div([html.Label(text, htmlFor=dom_id(wid)),
                                 dcc.Input(id=wid, type="number", value=value, step="any", debounce=True)],
                                className="lever"))
    return out
