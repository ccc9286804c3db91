"""The Molecule scenarios of the roles the platform starts with (network, endpoints, database, load_balancer):
`molecule test -s <scenario>` succeeds with its idempotence, check and verify steps (molecule_runs.py)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import molecule_runs  # noqa: E402

pytestmark = pytest.mark.long


@pytest.mark.parametrize("scenario", molecule_runs.scenarios(__file__))
def test_molecule_scenario_converges_idempotent_checks_and_verifies(scenario, tmp_path):
    molecule_runs.assert_scenario_passed(molecule_runs.run(scenario, tmp_path))


def test_every_scenario_runs_in_exactly_one_test_file():
    listed = [s for names in molecule_runs.FILES.values() for s in names]
    assert sorted(listed) == molecule_runs.all_scenarios()
    here = os.path.dirname(os.path.abspath(__file__))
    assert all(os.path.isfile(os.path.join(here, name)) for name in molecule_runs.FILES)
