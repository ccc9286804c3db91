from ansible_collections.cloudops.ecs.plugins.filter.services import FilterModule


def test_the_published_filter_gives_the_role_its_fact():
    published = FilterModule().filters()["services_published"]
    result = published([{"name": "web"}], {"target_groups": {"web": "arn:tg/web"}, "log_group_prefix": "/shop/services/"},
                       deployed={"services": [{"name": "web", "service_arn": "arn:svc/web", "task_definition_arn": "arn:td/web:4"}]},
                       task_definitions=[])
    assert result == [{"name": "web", "service_arn": "arn:svc/web", "task_definition_arn": "arn:td/web:4",
                       "target_group_arn": "arn:tg/web", "log_group": "/shop/services/web"}]
