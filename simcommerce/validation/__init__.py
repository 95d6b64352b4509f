"""``simcommerce validate``: reductions of the market model docked to published theory and data.

Each check module has ``run(quick: bool) -> Outcome``: rows of (check, target, measured,
pass) and one plotly figure. The scenarios live in ``experiments/validation/``.
"""

from __future__ import annotations

from .common import Outcome, Row  # noqa: F401


def checks():
    """The check modules, in report order."""
    from . import bass, cascade, network_bounds, reviews_trust, viral

    return [bass, network_bounds, cascade, viral, reviews_trust]


def run_all(quick: bool = False, progress=None) -> list[Outcome]:
    """Run every check; ``progress(name)`` is called before each."""
    out = []
    for module in checks():
        if progress:
            progress(module.TITLE)
        out.append(module.run(quick))
    return out
