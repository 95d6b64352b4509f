"""`simcommerce validate --quick`, part 2 of 3: Bass docking and the network bounds of Bass diffusion."""

from __future__ import annotations

import pytest

from validation_quick import assert_quick_check_passes
from simcommerce.validation import bass, network_bounds


@pytest.mark.slow
def test_quick_bass_docking():
    assert_quick_check_passes(bass, rows=3 * 5 + 1)  # 5 rows per (p, q) pair, and the error shrinking with N


@pytest.mark.slow
def test_quick_network_bounds():
    assert_quick_check_passes(network_bounds, rows=3)
