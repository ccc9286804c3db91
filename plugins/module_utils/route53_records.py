# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The records the dns role writes, from its settings: pure, without the AWS SDK (the dns_records filter loads it,
and filters load in every task's worker process)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def stack_records(settings):
    """{"private": [...], "public": [...]}: the record option items of the dns role's zones from its settings
    (database writer/reader CNAMEs and the load balancer's alias in the private zone; an alias per public name).
    A record whose target is not known yet (check mode on a new account) is left out."""
    alias = None
    if settings.get("alb_dns_name") and settings.get("alb_zone_id"):
        alias = {"dns_name": settings["alb_dns_name"], "hosted_zone_id": settings["alb_zone_id"],
                 "evaluate_target_health": False}
    private = []
    for name, target in ((settings.get("writer_name"), settings.get("writer_endpoint")),
                         (settings.get("reader_name"), settings.get("reader_endpoint"))):
        if name and target:
            private.append({"name": name, "type": "CNAME", "ttl": int(settings.get("ttl") or 60), "values": [target]})
    if settings.get("alb_name") and alias:
        private.append({"name": settings["alb_name"], "type": "A", "alias": alias})
    public = [{"name": name, "type": "A", "alias": alias} for name in settings.get("public_names") or []
              if alias and name and not name.startswith("*.")]
    return {"private": private, "public": public}
