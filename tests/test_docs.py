"""The generated references (scenario, experiment, calibration, optimisation formats) are in step with the code."""

import pytest
from conftest import ROOT

from simcommerce.experiment import FORMATS
from simcommerce.experiment import reference_markdown as format_reference
from simcommerce.scenario import reference_markdown


def test_scenario_reference_is_current():
    on_disk = (ROOT / "docs" / "scenario-reference.md").read_text()
    assert on_disk == reference_markdown(), "regenerate: simcommerce schema --markdown > docs/scenario-reference.md"


def test_odd_is_current_and_lists_every_parameter():
    from simcommerce import odd
    from simcommerce.scenario import scenario_spec
    from simcommerce.spec import walk

    text = (ROOT / "docs" / "odd.md").read_text()
    assert text == odd.render(text), "regenerate with: simcommerce docs"
    missing = [path for path, _ in walk(scenario_spec()) if f"`{path}`" not in text]
    assert not missing, missing
    for heading in ("Purpose and patterns", "Entities, state variables and scales", "Process overview",
                    "Design concepts", "Initialization", "Input data", "Submodels"):
        assert heading in text


@pytest.mark.parametrize("kind", list(FORMATS))
def test_file_format_references_are_current(kind):
    page, _ = FORMATS[kind]
    assert (ROOT / page).read_text() == format_reference(kind), \
        f"regenerate: simcommerce schema --{kind} --markdown > {page}"
