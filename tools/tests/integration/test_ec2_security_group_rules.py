"""Security group rules as the EC2 API reference documents them: DescribeSecurityGroupRules gives each rule's
Description (SecurityGroupRule.Description), whatever its peer (a CIDR range or a security group), and
UpdateSecurityGroupRuleDescriptionsIngress changes it in place (same rule id); a new VPC group has one egress rule,
everything to 0.0.0.0/0."""
import uuid


def _rules(ec2, group_id):
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])["SecurityGroupRules"]
    return sorted(rules, key=lambda r: (r["IsEgress"], r["FromPort"]))


def test_every_rule_has_its_description_and_it_changes_in_place(client):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    suffix = uuid.uuid4().hex[:8]
    peer = ec2.create_security_group(GroupName="peer-" + suffix, Description="peer", VpcId=vpc)["GroupId"]
    group = ec2.create_security_group(GroupName="db-" + suffix, Description="db", VpcId=vpc)["GroupId"]
    (egress,) = _rules(ec2, group)
    assert egress["IsEgress"] and egress["IpProtocol"] == "-1" and egress["CidrIpv4"] == "0.0.0.0/0"
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306,
         "UserIdGroupPairs": [{"GroupId": peer, "Description": "MySQL from the instances"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "ssh from the office"}]}])
    ssh, mysql = [r for r in _rules(ec2, group) if not r["IsEgress"]]
    assert (ssh["Description"], ssh["CidrIpv4"]) == ("ssh from the office", "10.0.0.0/8")
    assert (mysql["Description"], mysql["ReferencedGroupInfo"]["GroupId"]) == ("MySQL from the instances", peer)

    ec2.update_security_group_rule_descriptions_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306,
         "UserIdGroupPairs": [{"GroupId": peer, "Description": "MySQL from the tasks"}]}])
    updated = [r for r in _rules(ec2, group) if not r["IsEgress"] and r["FromPort"] == 3306][0]
    assert updated["Description"] == "MySQL from the tasks"
    assert updated["SecurityGroupRuleId"] == mysql["SecurityGroupRuleId"]
