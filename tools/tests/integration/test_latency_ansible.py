"""amazon.aws against the local AWS's NAT gateway latency: the module's waiter succeeds, the tags converge
(NAT tags carry resource type natgateway) and a second run changes nothing."""
import json
import os
import subprocess
import sys
import time

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
        wait_timeout: 60
        tags:
          Name: nat-ansible
          cloudops:stack: local
      register: nat
    - name: Report
      ansible.builtin.debug:
        msg: "NAT {{ nat.nat_gateway_id }} {{ nat.state }}"
"""


def run(endpoint, path, extra):
    variables = {"endpoint": endpoint, "ansible_python_interpreter": sys.executable, **extra}
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", path,
           "-e", json.dumps(variables)]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    recap = [line for line in proc.stdout.splitlines() if line.startswith("localhost")]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dict(pair.split("=") for pair in recap[-1].split(":", 1)[1].split()), proc.stdout


def test_nat_gateway_wait_and_tags_converge(client, endpoint, tmp_path):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.0.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    path = tmp_path / "nat.yml"
    path.write_text(PLAYBOOK)
    extra = {"subnet": subnet, "allocation": allocation}
    started = time.monotonic()
    stats, output = run(endpoint, str(path), extra)
    assert stats["changed"] == "1" and "available" in output
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "subnet-id", "Values": [subnet]}])["NatGateways"]
    assert [n["State"] for n in nats] == ["available"]
    assert time.monotonic() - started >= 90 / 100.0
    assert {t["Key"]: t["Value"] for t in nats[0]["Tags"]} == {"Name": "nat-ansible", "cloudops:stack": "local"}
    stats, _ = run(endpoint, str(path), extra)
    assert stats["changed"] == "0"
