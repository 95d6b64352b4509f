"""Shared by the test_validation_quick_*.py files: one check module of ``simcommerce validate --quick``, run
in-process with exactly the settings the command uses (``module.run(quick=True)``), every row asserted as the
command asserts it (a pass, or a documented known deviation), and the row count pinned so that a row that
disappears is noticed. The modules are spread over three files so that ``-n 2 --dist loadfile`` can run them on
both workers; ``tests/test_wheel.py`` checks that the installed wheel carries what the command needs."""

from __future__ import annotations

from simcommerce.validation import Outcome, table


def assert_quick_check_passes(module, rows: int) -> Outcome:
    out = module.run(quick=True)
    printed = table([out])
    assert len(out.rows) == rows, printed  # a row gone (or a new one: pin it here)
    assert all(r.passed or r.known_deviation for r in out.rows), f"{module.TITLE}:\n{printed}"
    assert out.passed
    assert all(r.check[:70] in printed for r in out.rows)  # every row reaches the printed table
    assert out.figure is not None and len(out.figure.data) > 0  # the report's figure for this module
    return out
