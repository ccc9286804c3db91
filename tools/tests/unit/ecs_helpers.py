"""Helpers for the ECS unit tests: an in-process component and a validator against botocore's model."""
import json
from types import SimpleNamespace

import botocore.session

from local_aws.control_plane.core import Plane
from local_aws.control_plane.ecs import EcsComponent
from local_aws.shapes import shape_errors

MODEL = botocore.session.get_session().get_service_model("ecs")


class Ecs:
    """Call the component's handlers in process; every answer is checked against the output shape."""

    def __init__(self, region="us-east-1"):
        self.plane = Plane(None)
        self.component = EcsComponent(self.plane)
        self.plane.components.append(self.component)
        self.region = region

    def call(self, action, **params):
        request = SimpleNamespace(account_id="123456789012", region=self.region, action=action, json=params)
        response = self.component.handle(request)
        payload = json.loads(response.body)
        if response.status != 200:
            return payload
        output = MODEL.operation_model(action).output_shape
        errors = shape_errors(output, payload)
        assert not errors, errors
        return payload

    def store(self):
        return self.component.store_for("123456789012", self.region)

    def tick(self):
        self.component.tick(self.plane.now())


class Clock(Ecs):
    """An Ecs whose plane time is driven by the test, with container instances registered directly."""

    def __init__(self, region="us-east-1"):
        super().__init__(region)
        self.now = 0.0
        self.plane.now = lambda: self.now
        self.count = 0

    def add_instance(self, cluster, zone, instance_type="t3.medium"):
        from types import SimpleNamespace

        self.count += 1
        instance = SimpleNamespace(id=f"i-{self.count:017d}", instance_type=instance_type,
                                   placement=SimpleNamespace(zone=zone), image_id="ami-12345678",
                                   vpc_id="vpc-1", subnet_id=f"subnet-{zone[-1]}")
        store = self.store()
        self.component.scheduler.register_instance(store, store.clusters[cluster], instance)
        return next(a for a, c in store.container_instances.items() if c["_ec2"] == instance.id)

    def advance(self, seconds, step=0.05, probe=None):
        """Tick for `seconds` of plane time; probe() is called after every tick and its values returned."""
        seen = []
        end = self.now + seconds
        while self.now < end:
            self.now += step
            self.tick()
            if probe is not None:
                seen.append(probe())
        return seen
