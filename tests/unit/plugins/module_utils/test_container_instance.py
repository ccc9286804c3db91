from ansible_collections.cloudops.ecs.plugins.module_utils import container_instance as ci_utils
from ansible_collections.cloudops.ecs.plugins.module_utils import stack_reads


class FakeEcs:
    """Paginates at 10 per page and records every call, to measure how reads scale."""

    def __init__(self, services=25, tasks=250, instances=3):
        self.calls = []
        self.services = ["arn:svc/%d" % i for i in range(services)]
        self.tasks = ["arn:task/%d" % i for i in range(tasks)]
        self.instances = ["arn:ci/%d" % i for i in range(instances)]

    def _page(self, items, key, nextToken=None, size=10):
        """A page as ECS gives it: 10 items unless maxResults asks for up to 100."""
        assert 1 <= size <= 100
        start = int(nextToken or 0)
        page = {key: items[start:start + size]}
        if start + size < len(items):
            page["nextToken"] = str(start + size)
        return page

    def list_services(self, aws_retry=False, cluster=None, nextToken=None, maxResults=10):
        self.calls.append("list_services")
        return self._page(self.services, "serviceArns", nextToken, maxResults)

    def describe_services(self, aws_retry=False, cluster=None, services=None):
        assert len(services) <= 10
        self.calls.append("describe_services")
        return {"services": [{"serviceArn": s, "serviceName": s, "status": "ACTIVE"} for s in services]}

    def list_tasks(self, aws_retry=False, cluster=None, desiredStatus=None, nextToken=None, containerInstance=None,
                   maxResults=10):
        self.calls.append("list_tasks")
        return self._page(self.tasks, "taskArns", nextToken, maxResults)

    def describe_tasks(self, aws_retry=False, cluster=None, tasks=None):
        assert len(tasks) <= 100
        self.calls.append("describe_tasks")
        return {"tasks": [{"taskArn": t, "lastStatus": "RUNNING", "containerInstanceArn": self.instances[i % 3],
                           "group": "service:web"} for i, t in enumerate(tasks)]}

    def list_container_instances(self, aws_retry=False, cluster=None, status=None, nextToken=None, maxResults=10):
        self.calls.append("list_container_instances")
        return self._page(self.instances if status == "ACTIVE" else [], "containerInstanceArns", nextToken, maxResults)

    def describe_container_instances(self, aws_retry=False, cluster=None, containerInstances=None):
        self.calls.append("describe_container_instances")
        return {"containerInstances": [{"containerInstanceArn": a, "ec2InstanceId": "i-%d" % n, "status": "DRAINING",
                                        "runningTasksCount": 0, "pendingTasksCount": 0}
                                       for n, a in enumerate(containerInstances)]}


def test_reads_are_paginated_and_batched_not_per_task():
    ecs = FakeEcs()
    assert len(ci_utils.services(ecs, "c")) == 25
    assert ecs.calls.count("list_services") == 1 and ecs.calls.count("describe_services") == 3  # 100 a page
    grouped = ci_utils.tasks_by_instance(ci_utils.tasks(ecs, "c"))
    assert sum(len(v) for v in grouped.values()) == 250
    assert ecs.calls.count("list_tasks") == 3 and ecs.calls.count("describe_tasks") == 3
    assert len(ci_utils.container_instances(ecs, "c")) == 3
    assert ecs.calls.count("describe_container_instances") == 1


def test_gather_reads_only_what_the_selected_checks_need():
    ecs = FakeEcs(services=2, tasks=4)
    snapshot = stack_reads.gather({"ecs": ecs}, {"clusterArn": "arn:cluster/c"}, "demo", {"checks": ["services"]})
    assert set(snapshot) == {"services"}
    assert set(ecs.calls) == {"list_services", "describe_services"}


def test_drain_progress_and_poll_with_a_deadline():
    ecs = FakeEcs(instances=2)
    drained, reasons, items = ci_utils.drain_progress(ecs, "c", ecs.instances)
    assert drained and reasons == [] and len(items) == 2

    clock = {"t": 0.0}
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock["t"] += seconds

    done, reasons, value, elapsed = ci_utils.poll(lambda: (False, ["not yet"], None), 5, clock=lambda: clock["t"],
                                                  sleep=sleep)
    assert not done and reasons == ["not yet"] and elapsed >= 5
    assert slept[0] == 0.5 and slept[1] == 0.625  # grows by a quarter each round
    assert sum(slept) <= 5.0 + 1e-9
    answers = iter([(False, ["a"], 1), (True, [], 2)])
    assert ci_utils.poll(lambda: next(answers), 5, clock=lambda: clock["t"], sleep=sleep)[:3] == (True, [], 2)
