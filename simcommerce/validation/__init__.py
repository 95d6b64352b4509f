"""``simcommerce validate``: reductions of the market model docked to published theory and data.

Each check module has ``run(quick: bool) -> Outcome``: rows of (check, target, measured,
pass) and one plotly figure. The scenarios live in ``experiments/validation/``.
"""

from __future__ import annotations

from .common import Outcome, Row  # noqa: F401


def checks():
    """The check modules, in report order."""
    from . import bass, cascade, network_bounds, patterns, reviews_trust, viral

    return [bass, network_bounds, cascade, viral, reviews_trust, patterns]


def run_all(quick: bool = False, progress=None) -> list[Outcome]:
    """Run every check; ``progress(name)`` is called before each."""
    out = []
    for module in checks():
        if progress:
            progress(module.TITLE)
        out.append(module.run(quick))
    return out


def table(outcomes: list[Outcome]) -> str:
    """The plain-text table printed by ``simcommerce validate``."""
    rows = [("check", "target", "measured", "result")]
    for o in outcomes:
        rows += [(r.check, r.target, r.measured, r.status) for r in o.rows]
    widths = [min(max(len(r[i]) for r in rows), w) for i, w in enumerate((70, 48, 64, 28))]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(str(c)[:w].ljust(w) for c, w in zip(r, widths)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_html(outcomes: list[Outcome], quick: bool) -> str:
    """A self-contained HTML report: the table and one plotly figure per check (plotly.js inlined)."""
    import html

    body = []
    first = True
    for o in outcomes:
        rows = "".join(
            f"<tr class='{r.status.split()[0].lower()}'><td>{html.escape(r.check)}</td><td>{html.escape(r.target)}"
            f"</td><td>{html.escape(r.measured)}</td><td>{html.escape(r.status)}</td></tr>" for r in o.rows)
        body.append(f"<h2>{html.escape(o.title)}</h2><table><tr><th>check</th><th>target</th><th>measured</th>"
                    f"<th>result</th></tr>{rows}</table>")
        if o.figure is not None:
            body.append(o.figure.to_html(full_html=False, include_plotlyjs=first))
            first = False
    verdict = "all checks pass" if all(o.passed for o in outcomes) else "SOME CHECKS FAIL"
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>simcommerce validation</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px}}table{{border-collapse:collapse}}
td,th{{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left}}.fail td{{background:#fdd}}
.not td{{background:#ffe}}</style></head><body><h1>simcommerce validation{' (quick)' if quick else ''}</h1>
<p>{verdict}. Rows marked "not reproduced (documented)" are published facts the model does not reproduce;
see docs/validation.md.</p>{''.join(body)}</body></html>"""
