"""The day's plan: which mechanism runs when, and what each reads and writes.

The plan is built from the mechanisms' declarations (:mod:`simcommerce.mechanisms.base`): stages in
:data:`~simcommerce.mechanisms.base.STAGES` order, and within a stage an order that respects every
``after=``/``before=`` constraint among the enabled mechanisms (ties by name). It is checked when a market is
built; a problem raises :class:`PlanError`:

* a constraint naming no mechanism, or one that would run a mechanism before an earlier stage;
* a cycle of constraints;
* a read or write of something that neither the market nor any mechanism declares;
* a read of an array owned by a mechanism that is off;
* a write to another mechanism's array or state;
* a read before a write: in the plan of every registered mechanism, ``M`` reads ``r`` and every mechanism that
  writes ``r`` runs later the same day, so ``M`` only ever sees yesterday's value (order them, or declare the read
  ``r@yesterday``). This is a property of the declarations, checked on the whole registry, so that switching a
  mechanism off never makes another's declarations wrong.
"""

from __future__ import annotations

import functools

from .mechanisms.base import REGISTRY, STAGES, Mechanism

# what the market builds (population arrays, then market attributes), readable by every mechanism
BASE = {
    "interest": "interest in each category (N, C)", "price_sensitivity": "multiplier of the price term (N,)",
    "share_propensity": "propensity to share (N,)", "review_propensity": "propensity to review (N,)",
    "trust_brand": "trust in each brand (N, B)", "trust_baseline": "level trust recovers to (N, B)",
    "trust_platform": "trust in the platform (N,)", "trust_platform_initial": "its value at the start (N,)",
    "opt_out": "refuses ad targeting (N,)", "review_trust": "belief in ratings (N,)",
    "aware": "knows the product (N, P)", "belief": "expected quality (N, P)", "bought": "has bought (N, P)",
    "orders_by_brand": "orders placed (N, B)", "last_purchase_day": "day of the last purchase (N, C)",
    "last_exposed_day": "day of the last exposure (N, C)", "referrer": "sender of the last referral link (N, P)",
    "referral_day": "day that link arrived (N, P)",
    "active": "consumers active today (day buffer: drawn at the start of the day)",
    "orders": "today's orders (day buffer)", "feed": "content waiting for the expose stage (day buffer)",
    "follows": "follow graph (influencer rows)", "rating_counts": "reviews shown per product and star (P, 5)",
}
SUFFIXES = "@yesterday", "@tomorrow"  # a read of the day before, a write for the next day


class PlanError(Exception):
    """Mechanism declarations that cannot make a day: one sentence naming the mechanism and the problem."""


def _resource(name: str) -> str:
    return name.split("@")[0]


def ordered(names) -> list[type[Mechanism]]:
    """The enabled mechanisms ``names`` in the order of the day, checked (:class:`PlanError`)."""
    out = _sorted(set(names))
    check(out)
    if len(out) < len(REGISTRY):
        _check_registry(tuple(sorted(REGISTRY)))
    return out


@functools.lru_cache(maxsize=8)
def _check_registry(names: tuple[str, ...]) -> None:
    """Check the plan of every registered mechanism (once per set of registered names)."""
    check(_sorted(set(names)), reads_before_writes=True)


def _sorted(names: set[str]) -> list[type[Mechanism]]:
    for n in sorted(names):
        cls = REGISTRY[n]
        for other in (*cls.after, *cls.before):
            if other not in REGISTRY:
                raise PlanError(f"mechanism {n}: after/before names {other!r}, which is no mechanism")
    edges = {n: set() for n in names}  # n -> the mechanisms that must run before n
    for n in names:
        cls = REGISTRY[n]
        for a in cls.after:
            if a in names:
                edges[n].add(a)
        for b in cls.before:
            if b in names:
                edges[b].add(n)
    rank = {n: STAGES.index(REGISTRY[n].stage) for n in names}
    for n, before_n in edges.items():
        for a in before_n:
            if rank[a] > rank[n]:
                raise PlanError(f"mechanism {n} ({REGISTRY[n].stage}) must run after {a}, which runs in the later "
                                f"stage {REGISTRY[a].stage}")
    out, done = [], set()
    while len(out) < len(names):
        ready = sorted((rank[n], n) for n in names - done if edges[n] <= done)
        if not ready:
            left = sorted(names - done)
            raise PlanError(f"mechanisms {', '.join(left)}: their after/before constraints form a cycle")
        n = ready[0][1]
        out.append(REGISTRY[n])
        done.add(n)
    return out


def _owners() -> dict[str, str]:
    out = {}
    for cls in REGISTRY.values():
        for k in (*cls.arrays, *cls.state):
            out[k] = cls.name
    return out


def writes_of(cls: type[Mechanism]) -> tuple[str, ...]:
    """What ``cls`` writes during the day: its declared writes, then its own arrays (its state is set at build,
    and counts as written each day only where ``writes`` lists it)."""
    return (*cls.writes, *cls.arrays)


def check(plan: list[type[Mechanism]], reads_before_writes: bool | None = None) -> None:
    """Raise :class:`PlanError` on the first problem of an ordered plan (see the module's docstring); reads before
    writes are checked on the plan of every registered mechanism (default: when ``plan`` is that plan)."""
    owners, on = _owners(), {cls.name for cls in plan}
    for cls in plan:
        for r in (*cls.reads, *cls.writes):
            res = _resource(r)
            if res not in BASE and res not in owners:
                raise PlanError(f"mechanism {cls.name} reads or writes {res!r}, which neither the market nor any "
                                "mechanism declares")
            if "@" in r and r[len(res):] not in SUFFIXES:
                raise PlanError(f"mechanism {cls.name}: {r!r}: the only suffixes are @yesterday and @tomorrow")
        for r in cls.reads:
            owner = owners.get(_resource(r))
            if owner and owner not in on and _resource(r) in REGISTRY[owner].arrays:
                raise PlanError(f"mechanism {cls.name} reads the array {_resource(r)!r} of {owner}, which is off")
        for w in cls.writes:
            owner = owners.get(_resource(w))
            if owner and owner != cls.name:
                raise PlanError(f"mechanism {cls.name} writes {_resource(w)!r}, which belongs to {owner}")
    if reads_before_writes is False or (reads_before_writes is None and len(plan) < len(REGISTRY)):
        return
    for i, reader in enumerate(plan):
        own = {w for w in writes_of(reader) if "@" not in w}
        for r in reader.reads:
            if "@" in r or r in own:
                continue
            earlier = [w for w in plan[:i] if r in writes_of(w)]
            later = [w for w in plan[i + 1:] if r in writes_of(w)]
            if later and not earlier:
                raise PlanError(f"mechanism {reader.name} reads {r!r} before {later[0].name} writes it the same "
                                f"day: order {reader.name} after {later[0].name}, or declare the read {r}@yesterday")


ACTIVITY = ("activity", "start", ("trust_platform", "trust_platform_initial", "activity_hook"), ("active", "orders"))
RECORD = ("recorder", "record", ("metrics of every mechanism",), ("the day's market and brand rows",))


def rows(plan: list[type[Mechanism]]) -> list[dict]:
    """The plan as rows: step, stage, mechanism, reads, writes (the activity draw first, the recording last)."""
    steps = [ACTIVITY] + [(c.name, c.stage, c.reads, tuple(dict.fromkeys((*writes_of(c), *c.state))))
                          for c in plan] + [RECORD]
    return [{"step": k, "stage": stage, "mechanism": name, "reads": ", ".join(reads), "writes": ", ".join(writes)}
            for k, (name, stage, reads, writes) in enumerate(steps)]


def text(plan: list[type[Mechanism]]) -> str:
    """The plan as a plain-text table (``simcommerce check --plan``)."""
    table = [("step", "stage", "mechanism", "reads", "writes")]
    table += [(str(r["step"]), r["stage"], r["mechanism"], r["reads"] or "-", r["writes"] or "-") for r in rows(plan)]
    width = [max(len(row[k]) for row in table) for k in range(4)]
    return "".join("  ".join(c.ljust(w) for c, w in zip(row[:4], width)) + "  " + row[4] + "\n" for row in table)


def markdown(plan: list[type[Mechanism]]) -> str:
    """The plan as a Markdown table, with each mechanism's one-line help (docs/model.md's stage table)."""
    out = ["| step | stage | mechanism | what it does | reads | writes |", "|---|---|---|---|---|---|"]
    helps = {"activity": "draws who is active today", "recorder": "records the day's metrics"}
    helps.update({c.name: c.help + ("" if c.enabled_by_default or "off by default" in c.help else " (off by default)")
                  for c in plan})
    for r in rows(plan):
        code = r["mechanism"] != "recorder"  # the recorder's reads and writes are prose
        reads, writes = (", ".join(f"`{x}`" if code else x for x in r[k].split(", ")) if r[k] else ""
                         for k in ("reads", "writes"))
        out.append(f"| {r['step']} | {r['stage']} | `{r['mechanism']}` | {helps[r['mechanism']]} | {reads} | {writes} |")
    return "\n".join(out) + "\n"


START, END = "<!-- generated: simcommerce docs (the plan) -->", "<!-- end generated plan -->"


def render_model_doc(current: str) -> str:
    """docs/model.md (``current``) with its generated plan replaced by the plan of every registered mechanism."""
    head, rest = current.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{markdown(ordered(REGISTRY))}{END}{tail}"
