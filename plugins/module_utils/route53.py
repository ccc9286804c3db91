# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route 53: a hosted zone (private to a VPC, or public) and a set of its records, converged in one
ChangeResourceRecordSets call per zone and waited for until INSYNC.

A zone this module creates carries the stack's tags and says so in its comment (set atomically with the zone, so a
zone whose tagging was interrupted is still known as the stack's); only such a zone is ever deleted. A zone that
existed before is used as it is: only the named records are written (state=present) or removed (state=absent).
Pure helpers (`fqdn`, `record_set`, `comparable`, `plan_changes`, `owned_comment`) are unit-tested on plain dicts;
`Route53Zone` is the service class behind the route53_zone module, `change_records()` the batch write and INSYNC
wait other service classes share (the ACM certificate's validation records)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

from ansible_collections.cloudops.ecs.plugins.module_utils import tags as tagging
from ansible_collections.cloudops.ecs.plugins.module_utils.aws import Service
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError

COMMENT_PREFIX = "cloudops:stack="
APEX_TYPES = ("NS", "SOA")


def fqdn(name, zone=None):
    """A record name as Route 53 returns it: lower case, trailing dot, `*` unescaped; a relative name (not ending
    in the zone's name) gets the zone's name appended."""
    name = (name or "").replace("\\052", "*").strip().lower().rstrip(".")
    if zone:
        zone = zone.lower().rstrip(".")
        if name != zone and not name.endswith("." + zone):
            name = "%s.%s" % (name, zone) if name else zone
    return name + "."


def zone_id(value):
    """`Z123` of `/hostedzone/Z123` or `Z123`."""
    return (value or "").rsplit("/", 1)[-1]


def owned_comment(stack_name):
    return COMMENT_PREFIX + stack_name


def is_owned(zone, tags, stack_name):
    """A zone is the stack's when it carries the stack tag or was created with the stack's comment."""
    comment = ((zone.get("Config") or {}).get("Comment") or "")
    return tags.get(tagging.STACK_TAG) == stack_name or comment == owned_comment(stack_name)


def record_set(spec, zone_name):
    """The ResourceRecordSet of a record option item ({name, type, ttl, values} or {name, type, alias})."""
    rrset = {"Name": fqdn(spec["name"], zone_name), "Type": spec.get("type") or "A"}
    alias = spec.get("alias")
    if alias:
        rrset["AliasTarget"] = {"HostedZoneId": alias["hosted_zone_id"], "DNSName": fqdn(alias["dns_name"]),
                                "EvaluateTargetHealth": bool(alias.get("evaluate_target_health", False))}
    else:
        rrset["TTL"] = int(spec.get("ttl") or 300)
        rrset["ResourceRecords"] = [{"Value": str(v)} for v in spec.get("values") or []]
    return rrset


def comparable(rrset):
    """What decides whether two record sets are the same: name, type, TTL and sorted values, or the alias."""
    alias = rrset.get("AliasTarget")
    return {
        "name": fqdn(rrset["Name"]), "type": rrset["Type"],
        "ttl": None if alias else rrset.get("TTL"),
        "values": None if alias else sorted(fqdn(r["Value"]) if rrset["Type"] == "CNAME" else r["Value"]
                                            for r in rrset.get("ResourceRecords") or []),
        "alias": {"zone": alias["HostedZoneId"], "dns_name": fqdn(alias["DNSName"]),
                  "evaluate": bool(alias.get("EvaluateTargetHealth"))} if alias else None,
    }


def plan_changes(current, wanted, state="present"):
    """The Changes of one ChangeResourceRecordSets call: UPSERT what `wanted` has and `current` lacks or holds
    otherwise (state=present); DELETE, exactly as it is, what `current` holds of `wanted` (state=absent)."""
    by_key = dict(((fqdn(r["Name"]), r["Type"]), r) for r in current)
    changes = []
    for rrset in wanted:
        existing = by_key.get((fqdn(rrset["Name"]), rrset["Type"]))
        if state == "absent":
            if existing is not None:
                changes.append({"Action": "DELETE", "ResourceRecordSet": existing})
        elif existing is None or comparable(existing) != comparable(rrset):
            changes.append({"Action": "UPSERT", "ResourceRecordSet": rrset})
    return changes


def describe_change(change):
    rrset = change["ResourceRecordSet"]
    target = (rrset.get("AliasTarget") or {}).get("DNSName") or ", ".join(r["Value"] for r in rrset.get("ResourceRecords") or [])
    return "%s %s %s -> %s" % (change["Action"].lower(), rrset["Type"], rrset["Name"], target)


class Route53(Service):
    """Reads and the batched record write shared by the Route 53 and ACM service classes."""

    def record_sets(self, hosted_zone_id):
        """Every record set of the zone."""
        return self.paginate("route53", "list_resource_record_sets", "ResourceRecordSets",
                             "list the records of hosted zone %s" % hosted_zone_id, HostedZoneId=hosted_zone_id)

    def change_records(self, hosted_zone_id, changes, comment, wait=True, timeout=None):
        """One ChangeResourceRecordSets call for every change of the zone, then (with `wait`) INSYNC."""
        if not changes or self.check_mode:
            return None
        info = self.call("route53", "change_resource_record_sets", "change the records of hosted zone %s" % hosted_zone_id,
                         HostedZoneId=hosted_zone_id, ChangeBatch={"Comment": comment[:256], "Changes": changes})["ChangeInfo"]
        if wait:
            self.wait_insync(info["Id"], "%d record change(s) in hosted zone %s" % (len(changes), hosted_zone_id), timeout)
        return info["Id"]

    def wait_insync(self, change_id, what, timeout=None):
        def check():
            status = self.call("route53", "get_change", "read Route 53 change %s" % change_id, Id=change_id)["ChangeInfo"]["Status"]
            return status == "INSYNC", ["%s is %s" % (what, status)] if status != "INSYNC" else [], status
        return self.wait(check, "%s to be INSYNC" % what, timeout=timeout)

    def zone_tags(self, hosted_zone_id):
        answer = self.call("route53", "list_tags_for_resource", "read the tags of hosted zone %s" % hosted_zone_id,
                           ResourceType="hostedzone", ResourceId=zone_id(hosted_zone_id))
        return tagging.to_dict((answer.get("ResourceTagSet") or {}).get("Tags"))

    def find_zone(self, name, private, vpc_id=None, vpc_region=None, hosted_zone_id=None):
        """The hosted zone (GetHostedZone's HostedZone) to use, or None; fails when the name is ambiguous."""
        if hosted_zone_id:
            try:
                return self.request("route53", "get_hosted_zone", Id=zone_id(hosted_zone_id))["HostedZone"]
            except Exception as error:  # botocore ClientError, by code
                if getattr(error, "response", {}).get("Error", {}).get("Code") == "NoSuchHostedZone":
                    raise CloudopsError(message="hosted zone %s does not exist" % hosted_zone_id) from error
                raise
        wanted = fqdn(name)
        if private:
            summaries = self.paginate_by_token("route53", "list_hosted_zones_by_vpc", "HostedZoneSummaries",
                                               VPCId=vpc_id, VPCRegion=vpc_region)
            matches = [s["HostedZoneId"] for s in summaries if fqdn(s["Name"]) == wanted]
        else:
            answer = self.call("route53", "list_hosted_zones_by_name", "find hosted zone %s" % name, DNSName=wanted, MaxItems="100")
            matches = [z["Id"] for z in answer.get("HostedZones") or []
                       if fqdn(z["Name"]) == wanted and not (z.get("Config") or {}).get("PrivateZone")]
        if len(matches) > 1:
            raise CloudopsError(message="%d %s hosted zones are named %s: name the one to use by its id (%s)"
                                % (len(matches), "private" if private else "public", wanted, ", ".join(zone_id(m) for m in matches)))
        if not matches:
            return None
        return self.call("route53", "get_hosted_zone", "read hosted zone %s" % matches[0], Id=zone_id(matches[0]))["HostedZone"]


class Route53Zone(Route53):
    """The route53_zone module: the zone (created when missing and allowed), its records, INSYNC."""

    SERVICES = ("route53",)

    def __init__(self, *args, **kwargs):
        super(Route53Zone, self).__init__(*args, **kwargs)
        self.changes = []

    def _wanted_records(self, zone_name):
        return [record_set(spec, zone_name) for spec in self.params.get("records") or []]

    def _zone(self):
        p = self.params
        return self.find_zone(p["name"], p["private"], p.get("vpc_id"), p.get("vpc_region") or self.region, p.get("hosted_zone_id"))

    def _tags(self):
        return tagging.stack_tags(self.params["stack_name"], self.params.get("tags"), name=fqdn(self.params["name"]).rstrip("."))

    def present(self):
        p = self.params
        zone = self._zone()
        created = False
        if zone is None:
            if not p["create"]:
                raise CloudopsError(message="hosted zone %s does not exist and create is false: create it (or name an "
                                            "existing zone)" % fqdn(p["name"]))
            if p["private"] and not p.get("vpc_id"):
                raise CloudopsError(message="a private hosted zone needs vpc_id")
            self.changes.append("created %s hosted zone %s" % ("private" if p["private"] else "public", fqdn(p["name"])))
            created = True
            if self.check_mode:
                wanted = self._wanted_records(p["name"])
                self.changes.extend(describe_change({"Action": "UPSERT", "ResourceRecordSet": r}) for r in wanted)
                return self._result(None, p["name"], True, wanted)
            zone = self._create_zone()
        tags = self.zone_tags(zone["Id"])
        owned = is_owned(zone, tags, p["stack_name"])
        if owned:
            self._converge_tags(zone["Id"], tags)
        wanted = self._wanted_records(zone["Name"])
        changes = plan_changes(self.record_sets(zone["Id"]), wanted)
        self.changes.extend(describe_change(c) for c in changes)
        if changes and self.progress:
            self.progress("hosted zone %s: %d record change(s) in one batch" % (zone["Name"], len(changes)))
        self.change_records(zone["Id"], changes, "%s records" % p["stack_name"], wait=p["wait"])
        return self._result(zone, zone["Name"], owned or created, wanted)

    def _create_zone(self):
        p = self.params
        request = {"Name": fqdn(p["name"]), "CallerReference": "%s-%s" % (p["stack_name"], uuid.uuid4().hex),
                   "HostedZoneConfig": {"Comment": owned_comment(p["stack_name"]), "PrivateZone": bool(p["private"])}}
        if p["private"]:
            request["VPC"] = {"VPCRegion": p.get("vpc_region") or self.region, "VPCId": p["vpc_id"]}
        answer = self.call("route53", "create_hosted_zone", "create hosted zone %s" % fqdn(p["name"]), **request)
        zone = answer["HostedZone"]
        self.call("route53", "change_tags_for_resource", "tag hosted zone %s" % zone["Id"], ResourceType="hostedzone",
                  ResourceId=zone_id(zone["Id"]), AddTags=tagging.to_list(self._tags()))
        if p["wait"] and answer.get("ChangeInfo"):
            self.wait_insync(answer["ChangeInfo"]["Id"], "hosted zone %s" % zone["Name"])
        return zone

    def _converge_tags(self, hosted_zone_id, current):
        wanted = self._tags()
        missing = dict((k, v) for k, v in wanted.items() if current.get(k) != v)
        if missing:
            self.changes.append("tags %s" % ", ".join(sorted(missing)))
            if not self.check_mode:
                self.call("route53", "change_tags_for_resource", "tag hosted zone %s" % hosted_zone_id,
                          ResourceType="hostedzone", ResourceId=zone_id(hosted_zone_id), AddTags=tagging.to_list(missing))

    def absent(self):
        p = self.params
        zone = self._zone()
        if zone is None:
            return self._result(None, p["name"], False, [])
        owned = is_owned(zone, self.zone_tags(zone["Id"]), p["stack_name"])
        current = self.record_sets(zone["Id"])
        if owned:
            # every record but the apex NS and SOA goes first: Route 53 refuses to delete a zone holding records
            apex = fqdn(zone["Name"])
            wanted = [r for r in current if not (fqdn(r["Name"]) == apex and r["Type"] in APEX_TYPES)]
        else:
            wanted = self._wanted_records(zone["Name"])
        changes = plan_changes(current, wanted, "absent")
        self.changes.extend(describe_change(c) for c in changes)
        self.change_records(zone["Id"], changes, "%s records removed" % p["stack_name"], wait=p["wait"])
        if owned:
            self.changes.append("deleted hosted zone %s" % zone["Name"])
            if not self.check_mode:
                self.call("route53", "delete_hosted_zone", "delete hosted zone %s" % zone["Id"], Id=zone_id(zone["Id"]))
        return self._result(zone, zone["Name"], owned, [])

    def _result(self, zone, name, owned, records):
        return dict(changed=bool(self.changes), changes=self.changes, hosted_zone_id=zone_id(zone["Id"]) if zone else "",
                    zone_name=fqdn(name), owned=owned, records=records)

    def run(self):
        return self.run_by_state("hosted zone %s" % fqdn(self.params["name"]))
