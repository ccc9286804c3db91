# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs cloudops.ecs.ecs_stack_teardown and shows its progress lines while it runs: a line per kind of resource
as it deletes it, and what it waits for (capacity providers, Auto Scaling groups, NAT gateways, databases, ...)
at least every 20 seconds (plugin_utils/progress.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudops.ecs.plugins.plugin_utils.progress import ProgressActionModule


class ActionModule(ProgressActionModule):
    MODULE = "cloudops.ecs.ecs_stack_teardown"
