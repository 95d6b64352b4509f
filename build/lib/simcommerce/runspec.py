"""One run of an experiment: what :func:`simcommerce.experiment.design` makes and the executors run.

Its own module, importing nothing heavy, because a Dask scheduler unpickles the specs in the tasks it is
sent: importing :mod:`simcommerce.experiment` there (pandas, networkx: ~0.7 s) would hold up the first
tasks of every experiment on a new cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RunSpec:
    """One run of an experiment.

    Attributes:
        run_id: stable, filesystem-safe id, ``<policy>-p<point:03d>-r<replication:02d>``.
        policy: policy name.
        point: index of the sweep × uncertainty point (0 without sweep/uncertainties).
        replication: 0-based replication number.
        seed: root seed (``experiment.seed + replication``: common random numbers).
        overrides: ``{dotted.key: value}``: the policy's, then the point's parameters.
        params: the point's parameters alone (``{dotted.key: value}``; columns of the runs table).
    """

    run_id: str
    policy: str
    point: int
    replication: int
    seed: int
    overrides: dict = field(hash=False)
    params: dict = field(hash=False, default_factory=dict)
