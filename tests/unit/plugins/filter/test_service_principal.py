import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cloudops.ecs.plugins.filter.service_principal import FilterModule


def test_filter_gives_the_partition_principal():
    principal = FilterModule().filters()["service_principal"]
    assert principal("logs", "aws-iso-b", region="us-isob-east-1") == "logs.us-isob-east-1.sc2s.sgov.gov"
    assert principal("events", "aws-cn") == "events.amazonaws.com"
    with pytest.raises(AnsibleFilterError):
        principal("logs", "nope")
