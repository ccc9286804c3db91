import os
import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cloudops.ecs.plugins.filter.service_principal import FilterModule


def test_filter_gives_the_partition_principal():
    principal = FilterModule().filters()["service_principal"]
    assert principal("logs", "aws-iso-b", region="us-isob-east-1") == "logs.us-isob-east-1.sc2s.sgov.gov"
    assert principal("events", "aws-cn") == "events.amazonaws.com"
    with pytest.raises(AnsibleFilterError):
        principal("logs", "nope")


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


@pytest.mark.parametrize("partition,ec2,logs", [
    ("aws", "ec2.amazonaws.com", "logs.amazonaws.com"),
    ("aws-cn", "ec2.amazonaws.com", "logs.amazonaws.com.cn"),
    ("aws-us-gov", "ec2.amazonaws.com", "logs.amazonaws.com"),
    ("aws-iso", "ec2.amazonaws.com", "logs.c2s.ic.gov"),
    ("aws-iso-b", "ec2.amazonaws.com", "logs.sc2s.sgov.gov"),
])
def test_filter_per_partition(partition, ec2, logs):
    principal = FilterModule().filters()["service_principal"]
    assert principal("ec2", partition) == ec2 and principal("logs", partition) == logs
    assert principal("ecs-tasks", partition) == "ecs-tasks.amazonaws.com"
    assert principal("events", partition) == "events.amazonaws.com"


def test_roles_and_playbooks_derive_every_principal_through_the_filter():
    written = []
    for folder in ("roles", "playbooks"):
        for base, _dirs, files in os.walk(os.path.join(ROOT, folder)):
            for name in files:
                if name.endswith((".yml", ".j2", ".json")):
                    path = os.path.join(base, name)
                    with open(path, encoding="utf-8") as handle:
                        for number, line in enumerate(handle, 1):
                            if re.search(r"amazonaws\.com", line):
                                written.append("%s:%d" % (os.path.relpath(path, ROOT), number))
    assert written == [], "service principals written out instead of cloudops.ecs.service_principal: %s" % written
