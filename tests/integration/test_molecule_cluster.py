"""The Molecule scenarios of the ECS cluster, its instances and the DNS names (ecs_cluster, ecs_instances, dns):
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
