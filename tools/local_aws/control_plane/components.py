"""The registered components, in tick order, and the Plane that serves them.

Every component is imported here directly: one that cannot load stops the server with its error.
"""
from local_aws.control_plane.acm import Acm
from local_aws.control_plane.appautoscaling import AppAutoScaling
from local_aws.control_plane.autoscaling import AutoScaling
from local_aws.control_plane.catalogues import Catalogues
from local_aws.control_plane.core import Plane
from local_aws.control_plane.ec2 import Ec2
from local_aws.control_plane.ecs import EcsComponent
from local_aws.control_plane.elbv2 import ElbV2
from local_aws.control_plane.events import Events
from local_aws.control_plane.invariants import Invariants
from local_aws.control_plane.kms import Kms
from local_aws.control_plane.latency import Latency
from local_aws.control_plane.logs import Logs
from local_aws.control_plane.notifications import Notifications
from local_aws.control_plane.rds_catalog import RdsCatalog
from local_aws.control_plane.ssm_public import SsmPublic

ALL = [EcsComponent, ElbV2, Ec2, AutoScaling, AppAutoScaling, Latency, Kms, Invariants, RdsCatalog, Events, Logs,
       SsmPublic, Acm, Notifications, Catalogues]


def wrap(app, profile="fast"):
    """The moto app behind the control plane, with every component registered."""
    plane = Plane(app, profile)
    for component_class in ALL:
        plane.add(component_class)
    return plane, plane
