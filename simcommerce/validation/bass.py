"""Bass (1969) docking: the mean adoption curve on a well-mixed population.

Adoption-only settings (``experiments/validation/bass.yaml``): external influence p per
period is the ads' daily reach × days per period, imitation q the buzz talk rate × days
per period. Each day a non-adopter adopts with probability 1 − (1 − p')(1 − q'·F), p', q'
per day, F the adopted share yesterday — the discrete-time Bass recursion, which tends
to the closed form F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p)e^{−(p+q)t}) as the step shrinks.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from scipy.optimize import curve_fit

from .common import Outcome, Row, fmt, replicate, validation_scenario

TITLE = "Bass diffusion (well-mixed population)"
DAYS_PER_PERIOD = 20
PAIRS = [(0.03, 0.38), (0.01, 0.5), (0.05, 0.2)]


def closed_form(t: np.ndarray, p: float, q: float) -> np.ndarray:
    e = np.exp(-(p + q) * t)
    return (1 - e) / (1 + (q / p) * e)


def discrete(days: int, p_day: float, q_day: float) -> np.ndarray:
    """Expected adopted share at the end of each day of the agent-based recursion (N → ∞)."""
    f, out = 0.0, []
    for _ in range(days):
        f = f + (1 - f) * (1 - (1 - p_day) * (1 - q_day * f))
        out.append(f)
    return np.array(out)


def scenario(p: float, q: float, n: int, periods: float) -> dict:
    k = DAYS_PER_PERIOD
    return validation_scenario("bass", **{"population.consumers": n, "steps": int(periods * k),
                                          "brands.Innovation.policy.ads.reach_share": p / k,
                                          "mechanisms.buzz.talk_rate": q / k})


def pairs() -> list[tuple[float, float]]:
    """The (p, q) pairs checked: the one written in bass.yaml (per period), then the classic ones."""
    sc = validation_scenario("bass")
    own = (round(sc["brands"][0]["policy"]["ads"]["reach_share"] * DAYS_PER_PERIOD, 6),
           round(sc["mechanisms"]["buzz"]["talk_rate"] * DAYS_PER_PERIOD, 6))
    return [own] + [pq for pq in PAIRS if pq != own]


def run(quick: bool = False) -> Outcome:
    out = Outcome(TITLE)
    k = DAYS_PER_PERIOD
    n, reps = (10000, 5) if quick else (50000, 8)
    tol = 0.02 if quick else 0.01
    fig = go.Figure()
    for p, q in pairs():
        t_star = np.log(q / p) / (p + q)
        periods = max(2.5 * t_star, 12)
        curves = replicate(scenario(p, q, n, periods), range(1, reps + 1)) / n
        mean = curves.mean(axis=0)
        days = np.arange(1, curves.shape[1] + 1)
        t = days / k
        ref_discrete = discrete(len(days), p / k, q / k)
        ref_closed = closed_form(t, p, q)
        err_d = np.abs(mean - ref_discrete).max()
        err_c = np.abs(mean - ref_closed).max()
        # peak time of the Bass curve fitted to the mean curve (the usual way to read p, q and t*)
        (p_fit, q_fit), _ = curve_fit(closed_form, t, mean, p0=(p, q), bounds=(1e-6, 5))
        t_peak = np.log(q_fit / p_fit) / (p_fit + q_fit)
        f_star = float(np.interp(t_star, t, mean))
        tag = f"p={p}, q={q}"
        out.rows += [
            Row(f"{tag}: mean curve vs discrete-time Bass", f"max |ΔF| ≤ {tol}", fmt(err_d), bool(err_d <= tol)),
            Row(f"{tag}: mean curve vs closed form", "max |ΔF| ≤ 0.03", fmt(err_c), bool(err_c <= 0.03)),
            Row(f"{tag}: fitted p, q", f"{p}, {q} ± 10%", f"{p_fit:.4f}, {q_fit:.3f}",
                bool(abs(p_fit / p - 1) <= 0.1 and abs(q_fit / q - 1) <= 0.1)),
            Row(f"{tag}: peak time t* of the fitted curve", f"{t_star:.2f} periods ± 5%", f"{t_peak:.2f}",
                bool(abs(t_peak / t_star - 1) <= 0.05)),
            Row(f"{tag}: F(t*)", f"{0.5 - p / (2 * q):.3f} ± 5%", f"{f_star:.3f}",
                bool(abs(f_star / (0.5 - p / (2 * q)) - 1) <= 0.05)),
        ]
        fig.add_trace(go.Scatter(x=t, y=mean, name=f"model {tag}", mode="lines"))
        fig.add_trace(go.Scatter(x=t, y=ref_closed, name=f"closed form {tag}", line={"dash": "dot"}))
    # the error shrinks as the population grows (against the discrete recursion)
    sizes = (250, 1000, 4000) if quick else (1000, 4000, 16000)
    p, q = PAIRS[0]
    errors = []
    for size in sizes:
        curves = replicate(scenario(p, q, size, 15), range(1, 21)) / size
        errors.append(np.abs(curves.mean(axis=0) - discrete(curves.shape[1], p / k, q / k)).max())
    shrinking = all(a > b for a, b in zip(errors, errors[1:]))
    out.rows.append(Row("error shrinks with population (p=0.03, q=0.38)", f"decreasing over N={sizes}",
                        ", ".join(fmt(e, 2) for e in errors), shrinking))
    fig.update_layout(title=f"Bass docking: mean of {reps} runs, N={n} (t in Bass periods of {k} days)",
                      xaxis_title="t (periods)", yaxis_title="adopted share F(t)")
    out.figure = fig
    return out
