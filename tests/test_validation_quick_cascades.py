"""`simcommerce validate --quick`, part 3 of 3: the independent cascade and seeding, the viral-marketing
stylized facts and the published pattern table."""

from __future__ import annotations

import pytest

from validation_quick import assert_quick_check_passes
from simcommerce.validation import cascade, patterns, viral


@pytest.mark.slow
def test_quick_independent_cascade_and_seeding():
    assert_quick_check_passes(cascade, rows=4 + 3 + 2)  # exact graphs, 300-node graph, seeding (quick: k=10)


@pytest.mark.slow
def test_quick_viral_marketing_facts():
    assert_quick_check_passes(viral, rows=6)


@pytest.mark.slow
def test_quick_published_patterns():
    assert_quick_check_passes(patterns, rows=7)
