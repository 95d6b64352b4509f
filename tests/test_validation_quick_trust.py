"""`simcommerce validate --quick`, part 1 of 3: reviews and trust (the scandal's 8 seeds × 2 brands × 2 runs
dominate, ~105 s on its own: this file holds nothing else, so that the other parts run on the other worker)."""

from __future__ import annotations

import pytest

from validation_quick import assert_quick_check_passes
from simcommerce.validation import reviews_trust


@pytest.mark.slow
def test_quick_reviews_and_trust():
    assert_quick_check_passes(reviews_trust, rows=3)
