"""amazon.aws against the local AWS's NAT gateway latency: the module's waiter waits for the pending -> available
transition, which happens when the test moves the plane clock; the tags converge (NAT tags carry resource type
natgateway) and a second run changes nothing."""
import json
import os
import sys

import ansible_runs

from local_aws.polling import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PLAYBOOK = """
- name: NAT gateway through amazon.aws
  hosts: localhost
  gather_facts: false
  connection: local
  module_defaults:
    group/aws:
      region: us-east-1
      endpoint_url: "{{ endpoint }}"
      access_key: testing
      secret_key: testing
  tasks:
    - name: NAT gateway, waited for
      amazon.aws.ec2_vpc_nat_gateway:
        subnet_id: "{{ subnet }}"
        allocation_id: "{{ allocation }}"
        if_exist_do_not_create: true
        wait: true
        wait_timeout: 300
        tags:
          Name: nat-ansible
          cloudops:stack: local
      register: nat
    - name: Report
      ansible.builtin.debug:
        msg: "NAT {{ nat.nat_gateway_id }} {{ nat.state }}"
"""


def command(endpoint, path, extra):
    variables = {"endpoint": endpoint, "ansible_python_interpreter": sys.executable, **extra}
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", path,
           "-e", json.dumps(variables)]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return cmd, env


def recap(rc, stdout, stderr):
    assert rc == 0, stdout + stderr
    lines = [line for line in stdout.splitlines() if line.startswith("localhost")]
    return dict(pair.split("=") for pair in lines[-1].split(":", 1)[1].split()), stdout


def nat_states(ec2, subnet):
    return [n["State"] for n in ec2.describe_nat_gateways(
        Filters=[{"Name": "subnet-id", "Values": [subnet]}])["NatGateways"]]


def test_nat_gateway_waiter_waits_for_the_transition_and_tags_converge(client, endpoint, tmp_path, clock):
    """The plane clock is frozen: the NAT gateway stays pending, and the module keeps waiting, until the test
    moves plane time past nat_gateway_pending; then the waiter sees it available and the run ends."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.0.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    path = tmp_path / "nat.yml"
    path.write_text(PLAYBOOK)
    extra = {"subnet": subnet, "allocation": allocation}
    pending = clock.delay("nat_gateway_pending")

    proc = ansible_runs.start(*command(endpoint, str(path), extra), cwd=ROOT)
    try:
        wait_for(lambda: nat_states(ec2, subnet) or proc.poll() is not None, timeout=ansible_runs.TIMEOUT,
                 step=0.2, what="the NAT gateway created")
        assert nat_states(ec2, subnet) == ["pending"]
        clock.advance(pending * 0.9)
        assert nat_states(ec2, subnet) == ["pending"]
        assert proc.poll() is None, "the module did not wait for the NAT gateway: " + proc.communicate()[0]
        clock.advance(pending * 0.2)
        assert nat_states(ec2, subnet) == ["available"]
        stats, output = recap(*ansible_runs.finish(proc))
    finally:
        ansible_runs.kill(proc)
    assert stats["changed"] == "1" and "available" in output
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "subnet-id", "Values": [subnet]}])["NatGateways"]
    assert {t["Key"]: t["Value"] for t in nats[0]["Tags"]} == {"Name": "nat-ansible", "cloudops:stack": "local"}
    stats, _ = recap(*ansible_runs.run(*command(endpoint, str(path), extra), cwd=ROOT))
    assert stats["changed"] == "0"
    assert nat_states(ec2, subnet) == ["available"]
