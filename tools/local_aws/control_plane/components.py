"""The registered components, in tick order."""
import importlib

from local_aws.control_plane.ecs import EcsComponent

ALL = [EcsComponent]


def _optional(module, name):
    """Components that may not be present in every checkout."""
    try:
        ALL.append(getattr(importlib.import_module(f"local_aws.control_plane.{module}"), name))
    except ImportError:
        pass


_optional("elbv2", "ElbV2")
_optional("ec2", "Ec2")
_optional("autoscaling", "AutoScaling")
_optional("latency", "Latency")
_optional("kms", "Kms")
_optional("rds_catalog", "RdsCatalog")
