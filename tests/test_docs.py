"""The generated scenario reference is in step with the code."""

from conftest import ROOT
from simcommerce.scenario import reference_markdown


def test_scenario_reference_is_current():
    on_disk = (ROOT / "docs" / "scenario-reference.md").read_text()
    assert on_disk == reference_markdown(), "regenerate: simcommerce schema --markdown > docs/scenario-reference.md"
