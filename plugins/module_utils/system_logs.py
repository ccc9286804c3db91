# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""System logs of the ECS container instances in CloudWatch Logs: which files go to which log group of the stack
(ECS agent, ecs-init, Docker, containerd, cloud-init, the system journal), the CloudWatch agent configuration that
ships them, and the instance role policy allowing exactly that. Pure; the ecs_instances role applies them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudops.ecs.plugins.module_utils.arn import log_group_arn

# (log group suffix, file on the instance, stream suffix). rsyslog writes the journal to /var/log/messages and the
# docker and containerd daemons' messages to files of their own (the user data configures it).
SOURCES = (
    ("ecs-agent", "/var/log/ecs/ecs-agent.log", "ecs-agent"),
    ("ecs-init", "/var/log/ecs/ecs-init.log", "ecs-init"),
    ("docker", "/var/log/docker.log", "docker"),
    ("containerd", "/var/log/containerd.log", "containerd"),
    ("cloud-init", "/var/log/cloud-init.log", "cloud-init"),
    ("cloud-init", "/var/log/cloud-init-output.log", "cloud-init-output"),
    ("journal", "/var/log/messages", "messages"),
)
# The daemons rsyslog splits out of the journal, by program name, into their files above.
DAEMON_FILES = (("dockerd", "/var/log/docker.log"), ("containerd", "/var/log/containerd.log"))


def log_group_names(prefix):
    """The stack's instance log groups, in SOURCES order, without duplicates."""
    names = []
    for suffix, _path, _stream in SOURCES:
        if prefix + suffix not in names:
            names.append(prefix + suffix)
    return names


def agent_config(prefix):
    """The CloudWatch agent configuration: every source file to its log group, one stream per instance and file.
    The agent does not create the groups (the role does, with retention and KMS)."""
    return {
        "agent": {"run_as_user": "root"},
        "logs": {
            "logs_collected": {"files": {"collect_list": [
                {"file_path": path, "log_group_name": prefix + suffix,
                 "log_stream_name": "{instance_id}/" + stream, "retention_in_days": -1}
                for suffix, path, stream in SOURCES]}},
        },
    }


def rsyslog_rules():
    """rsyslog lines writing the docker and containerd daemons' messages to their own files (they still reach the
    journal, and so /var/log/messages, too)."""
    return "\n".join('if $programname == "%s" then %s' % (program, path) for program, path in DAEMON_FILES) + "\n"


def instance_policy(prefix, partition, region, account_id):
    """The instance role's permission to ship them: create streams in and put events to exactly those log groups."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ShipSystemLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group_arn(partition, region, account_id, name) + ":log-stream:*"
                         for name in log_group_names(prefix)]
            + [log_group_arn(partition, region, account_id, name) for name in log_group_names(prefix)],
        }],
    }


def system_logs(prefix, partition="", region="", account_id=""):
    """Everything the role needs: log_groups, agent_config, rsyslog_rules, and with the identity the policy."""
    result = {"log_groups": log_group_names(prefix), "agent_config": agent_config(prefix),
              "rsyslog_rules": rsyslog_rules()}
    if partition and region and account_id:
        result["policy"] = instance_policy(prefix, partition, region, account_id)
    return result
