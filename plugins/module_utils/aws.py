# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way this collection calls AWS: retrying clients, paginate-with-retry, batched describes,
calls whose failures become CloudopsError, and a main() runner that fails the module the same way
for every error. Nothing else in the collection creates a client or a paginator."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import hashlib
import os
import weakref

try:
    import boto3
    import botocore
    import botocore.config
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible.module_utils.ansible_release import __version__ as ansible_version
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.cloudops.ecs.plugins.module_utils import progress
from ansible_collections.cloudops.ecs.plugins.module_utils import waiter
from ansible_collections.cloudops.ecs.plugins.module_utils.errors import CloudopsError


def retry(extra_codes=None):
    """The retry every call uses: jittered backoff on throttling and 5xx, plus `extra_codes` (for
    eventual consistency, e.g. a just-created resource not visible yet)."""
    return AWSRetry.jittered_backoff(catch_extra_error_codes=list(extra_codes or []))


def client(module, service, extra_retry_codes=None):
    """A retrying client (calls take aws_retry=True) honouring the module's connection options."""
    return RetryingBotoClientWrapper(connect(module, service), retry(extra_retry_codes))


USER_AGENT = "APN/1.0 Ansible/%s cloudops.ecs" % ansible_version
# module -> the digest of its connection settings (settings_digest) and the settings, for as long as the module lives
_MODULE_SETTINGS = weakref.WeakKeyDictionary()
# botocore's data path -> the loader of botocore's service data (endpoints, models): read-only files, parsed once per
# Python process (with a Mitogen strategy, one process runs every task)
_DATA_LOADERS = {}
# (service, settings_digest) -> the botocore client made for them, shared by the modules of the process; clients keep
# no state of the module that made them (the retry wrapper is made per module)
_CLIENTS = {}
# settings_digest -> the boto3 session those clients come from
_BOTO_SESSIONS = {}


# digest of the credentials and STS endpoint -> what GetCallerIdentity answered for them: who a set of credentials is
# does not change, so a run on the Mitogen strategy (one process for every task) asks once
_CALLERS = {}
# (credentials digest, region, service, what) -> the answer of a read that does not change during a run (a region's
# Availability Zones, its VPC endpoint services), so the modules of a run on the Mitogen strategy ask once
_UNCHANGING = {}


def credentials_digest(aws):
    """A digest of the credentials and endpoint the client `aws` calls with; None when they are not known yet."""
    inner = getattr(aws, "client", aws)
    try:
        frozen = inner._request_signer._credentials.get_frozen_credentials()  # pylint: disable=protected-access
    except AttributeError:
        return None
    key = repr((frozen.access_key, frozen.secret_key, frozen.token, inner.meta.endpoint_url))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def connect(module, service):
    """A client of `service` with the module's connection options (region, endpoint, credentials or profile,
    certificates, aws_config) as amazon.aws makes it, but made once per process for the same options, credentials and
    AWS_* environment, and botocore's data files read once per process: amazon.aws makes a session per client, so
    each client re-reads the endpoint data and every session its service models (about a second per client on a busy
    controller), and even from one session a client costs about 10 ms of CPU (its class, endpoint and hooks), which a
    run on the Mitogen strategy (one process for every task) paid for each client of each task."""
    found = _MODULE_SETTINGS.get(module)
    if found is None:
        region, endpoint, params = get_aws_connection_info(module)
        params = dict(params)
        config, extra = botocore.config.Config(user_agent=USER_AGENT), params.pop("aws_config", None)
        if extra is not None:  # the module's aws_config option, as a botocore Config
            config = config.merge(extra)
        settings = dict(params, config=config, region_name=region, endpoint_url=endpoint)
        found = _MODULE_SETTINGS[module] = (settings_digest(settings, os.environ), settings)
    digest, settings = found
    key = (service, digest)
    if key not in _CLIENTS:
        settings = dict(settings)
        profile = settings.pop("profile_name", None)
        if digest not in _BOTO_SESSIONS:
            try:
                _BOTO_SESSIONS[digest] = boto3.session.Session(profile_name=profile)
            except botocore.exceptions.BotoCoreError as error:
                module.fail_json_aws(error, msg="Couldn't connect to AWS")
            share_data_loader(_BOTO_SESSIONS[digest]._session)  # pylint: disable=protected-access
        session = _BOTO_SESSIONS[digest]
        try:
            _CLIENTS[key] = session.client(service, **settings)
        except botocore.exceptions.NoRegionError:
            module.fail_json(msg="The %s module requires a region and none was found in configuration, environment "
                                 "variables or module parameters" % getattr(module, "_name", "AWS"))
        except (ValueError, botocore.exceptions.BotoCoreError) as error:
            module.fail_json_aws(error, msg="Couldn't connect to AWS")
    return _CLIENTS[key]


def settings_digest(settings, environ):
    """A digest of everything a client's behaviour depends on: the connection settings (credentials included, the
    aws_config options by value) and the AWS_* environment variables boto3 reads when the settings leave them out."""
    plain = dict(settings)
    config = plain.pop("config", None)
    options = sorted(getattr(config, "_user_provided_options", {}).items())  # pylint: disable=protected-access
    aws_environ = sorted((name, value) for name, value in environ.items() if name.startswith("AWS_"))
    key = repr((sorted(plain.items()), options, aws_environ))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def share_data_loader(botocore_session):
    """Give the session the process's loader of botocore's data files for its data path."""
    data_path = botocore_session.get_config_variable("data_path")
    if data_path not in _DATA_LOADERS:
        _DATA_LOADERS[data_path] = botocore_session.get_component("data_loader")
    else:
        botocore_session.register_component("data_loader", _DATA_LOADERS[data_path])


def clients(module, services, extra_retry_codes=None):
    """{service: retrying client}; `extra_retry_codes` is {service: [codes]}."""
    extra = extra_retry_codes or {}
    return {name: client(module, name, extra.get(name)) for name in services}


class LazyClients(dict):
    """{service: retrying client}, each client made on first use: for services whose input decides which
    AWS services they talk to."""

    def __init__(self, module, extra_retry_codes=None):
        super(LazyClients, self).__init__()
        self.module = module
        self.extra_retry_codes = extra_retry_codes or {}

    def __missing__(self, service):
        self[service] = client(self.module, service, self.extra_retry_codes.get(service))
        return self[service]


def paginate(aws, method, key=None, /, **params):
    """Every page of `method`, the whole listing retried on throttling (client retries do not cover
    paginators). Returns the merged result, or its `key` list when given."""
    result = paginated_query_with_retries(aws, method, retry_decorator=retry(), **params)
    return result if key is None else (result.get(key) or [])


def paginate_by_token(aws, method, key, input_token="NextToken", output_token="NextToken", /, **params):
    """Every page of a `method` botocore has no paginator for, each page retried on its own."""
    results, token = [], None
    while True:
        page = getattr(aws, method)(aws_retry=True, **dict(params, **({input_token: token} if token else {})))
        results.extend(page.get(key) or [])
        token = page.get(output_token)
        if not token:
            return results


def refuse_listed_twice(option, names, what):
    """Fail, before any call, when the list option `option` names an item twice (`what`: what a name names)."""
    twice = sorted(set(n for n in names if names.count(n) > 1))
    if twice:
        raise CloudopsError(message="%s lists %s more than once: give each %s once" % (option, ", ".join(twice), what))


def chunks(items, size):
    """`items` in lists of at most `size` (the API's batch limit for describes and updates)."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def call(aws, method, description, /, **params):
    """aws.<method>(**params) with retries; an AWS error becomes CloudopsError("Failed to <description>")."""
    try:
        return getattr(aws, method)(aws_retry=True, **params)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise CloudopsError(message="Failed to %s" % description, exception=e) from e


def fail(module, error, **result):
    """Fail the module for an AnsibleAWSError (message, AWS error details, extra result keys)."""
    extra = dict(result, **(getattr(error, "kwargs", None) or {}))
    if error.exception is not None:
        module.fail_json_aws(error.exception, msg=error.message, **extra)
    module.fail_json(msg=error.message or str(error), **extra)


def run(module, action, description="run", *args, **kwargs):
    """exit_json(**action(*args, **kwargs)); every AWS error ends in one clear failed result."""
    try:
        result = action(*args, **kwargs)
    except AnsibleAWSError as e:
        fail(module, e)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to %s" % description)
    module.exit_json(**result)


class Service:
    """Base of the service classes behind modules: they read, plan and change through `clients`
    ({service: retrying client}) and never see the module, so they run on fake clients in tests.

    Failures are CloudopsError; waits go through the waiter with `clock` and report `progress` (the
    module's progress file or log, progress.for_module()); `warnings` collects what the module should warn
    about; `api_calls` counts the calls made through request(), call(), request_pages(), paginate() and
    paginate_by_token() (a whole listing counts once)."""

    SERVICES = ()
    EXTRA_RETRY_CODES = {}
    read_before = None  # (what a Batch's read_all() found for this item,), until read_or_batch_read() takes it

    def __init__(self, clients, params, check_mode=False, clock=None, progress=None, diff_mode=True, region=None):
        self.clients = clients
        self.region = region
        self.params = params
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.clock = clock
        self.progress = progress
        self.warnings = []
        self.api_calls = 0

    @classmethod
    def clients_for(cls, module):
        """The clients the service talks through: one per SERVICES entry (a service overrides this when its
        options decide which it needs)."""
        return clients(module, cls.SERVICES, cls.EXTRA_RETRY_CODES)

    @classmethod
    def from_module(cls, module, **kwargs):
        return cls(cls.clients_for(module), module.params, module.check_mode,
                   progress=progress.for_module(module), diff_mode=module._diff, region=module.region, **kwargs)

    def request(self, service, method, /, **params):
        """One retried call on the `service` client whose AWS error is raised as it is, for callers that act
        on error codes (positional-only, so AWS parameters named service or method pass through)."""
        self.api_calls += 1
        return getattr(self.clients[service], method)(aws_retry=True, **params)

    def call(self, service, method, description, /, **params):
        """call() on the `service` client (positional-only, so AWS parameters named service, method or
        description pass through)."""
        self.api_calls += 1
        return call(self.clients[service], method, description, **params)

    def request_pages(self, service, method, key=None, /, **params):
        """paginate() on the `service` client whose AWS error is raised as it is (the listing request())."""
        self.api_calls += 1
        return paginate(self.clients[service], method, key, **params)

    def paginate(self, service, method, key=None, description=None, /, **params):
        """paginate(); an AWS error becomes CloudopsError("Failed to <description>")."""
        try:
            return self.request_pages(service, method, key, **params)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise CloudopsError(message="Failed to %s" % (description or method.replace("_", " ")), exception=e) from e

    def paginate_by_token(self, service, method, key, /, **params):
        """paginate_by_token() on the `service` client (for the APIs botocore has no paginator for)."""
        self.api_calls += 1
        return paginate_by_token(self.clients[service], method, key, **params)

    def caller_identity(self, description=None):
        """GetCallerIdentity of the sts client, read once per credentials in this process; with `description`, an
        AWS error becomes CloudopsError("Failed to <description>") as in call()."""
        key = credentials_digest(self.clients["sts"])
        if key in _CALLERS:
            return dict(_CALLERS[key])  # a copy: the remembered answer stays as AWS gave it
        if description:
            found = self.call("sts", "get_caller_identity", description)
        else:
            found = self.request("sts", "get_caller_identity")
        if key is not None:
            _CALLERS[key] = dict(found)
        return found

    def read_unchanging(self, service, what, read):
        """read(), whose answer does not change during a run (`what` names it), once per credentials and region in
        this process: later calls get a copy of the first answer."""
        aws = self.clients[service]
        digest = credentials_digest(aws)
        key = (digest, getattr(aws, "client", aws).meta.region_name, service, what)
        if digest is not None and key in _UNCHANGING:
            return copy.deepcopy(_UNCHANGING[key])
        found = read()
        if digest is not None:
            _UNCHANGING[key] = copy.deepcopy(found)
        return found

    def availability_zones(self):
        """DescribeAvailabilityZones of the region (every zone, each with its state, type and opt-in status)."""
        return self.read_unchanging("ec2", "availability zones", lambda: self.request(
            "ec2", "describe_availability_zones")["AvailabilityZones"])

    def endpoint_service_names(self):
        """The VPC endpoint service names offered in the region (DescribeVpcEndpointServices, every page)."""
        return self.read_unchanging("ec2", "endpoint service names", lambda: self.paginate_by_token(
            "ec2", "describe_vpc_endpoint_services", "ServiceNames"))

    def read_or_batch_read(self, read):
        """What the Batch read for this item at once the first time (read_before), read() afterwards and without it."""
        if self.read_before is not None:
            (found,), self.read_before = self.read_before, None
            return found
        return read()

    def wait(self, check, what, timeout=None, **kwargs):
        """waiter.wait_or_fail on this service's clock; `timeout` defaults to the wait_timeout option."""
        timeout = self.params.get("wait_timeout") if timeout is None else timeout
        return waiter.wait_or_fail(check, timeout, what, clock=self.clock, progress=self.progress, **kwargs)

    def warn(self, message):
        self.warnings.append(message)

    def run_by_state(self, what):
        """present() or absent() by the state option, for services that record `changes`: a failure carries
        the changes made so far, the result the `api_calls` made; no diff unless --diff."""
        changes = getattr(self, "changes", [])
        try:
            result = self.absent() if self.params["state"] == "absent" else self.present()
        except CloudopsError as e:
            e.kwargs["changes"] = changes
            raise
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise CloudopsError(message="%s change failed after: %s" % (what, "; ".join(changes) or "no change"),
                                exception=e) from e
        result["api_calls"] = self.api_calls
        if not self.diff_mode:
            result.pop("diff", None)
        return result


def run_service(module, service, action="run", description="run"):
    """run() the service's `action` method; its warnings become module warnings."""
    def act():
        try:
            return getattr(service, action)()
        finally:
            for message in service.warnings:
                module.warn(message)
    run(module, act, description)


# --------------------------------------------------------------------------------------------------
# Several resources of one module in one process
# --------------------------------------------------------------------------------------------------
def batch_argument_spec(options, many, key="name"):
    """The module options of a service that converges one resource (`options`), plus the list option `many` whose
    items take those options, so a role converges every resource of a kind in one module process; the required
    options (`key`, the resource's name option, among them) are then required only in the items."""
    spec = dict((name, dict(option, required=False)) for name, option in options.items())
    spec[many] = dict(type="list", elements="dict")
    return spec


def run_one_or_many(module, item_class, options, many, key="name", description="run", **rules):
    """run_service() for one resource (the module's own options), or for each item of the list option `many`
    (Batch); `rules` are the single-resource module's required_if / required_together / mutually_exclusive."""
    if module.params.get(many) is None:
        required = [key] + sorted(name for name, option in options.items() if option.get("required") and name != key)
        for name in required:
            if module.params.get(name) is None or module.params.get(name) == "":
                module.fail_json(msg="%s or %s is required" % (name, many))
        service = item_class.from_module(module)
    else:
        service = Batch.from_module(module, item_class=item_class, options=options, many=many, key=key, rules=rules)
    run_service(module, service, description=description)


class Batch(Service):
    """Each item of the list option `many`, validated against the single-resource `options` (and `rules`), converged
    by `item_class` on the same clients, in order. The result lists each item's result under `many`; changed when
    any changed; the diff is keyed by each item's `key`."""

    def __init__(self, *args, **kwargs):
        self.item_class = kwargs.pop("item_class")
        self.options = kwargs.pop("options")
        self.many = kwargs.pop("many")
        self.key = kwargs.pop("key")
        self.rules = kwargs.pop("rules")
        self.read = None
        super(Batch, self).__init__(*args, **kwargs)

    @classmethod
    def from_module(cls, module, **kwargs):
        return cls(kwargs["item_class"].clients_for(module), module.params, module.check_mode,
                   progress=progress.for_module(module), diff_mode=module._diff, region=module.region, **kwargs)

    def item_params(self, index, item):
        validated = ArgumentSpecValidator(self.options, **self.rules).validate(dict(item))
        name = item.get(self.key)
        if not name:
            raise CloudopsError(message="%s[%d]: %s is required" % (self.many, index, self.key))
        if validated.error_messages:
            raise CloudopsError(message="%s[%d] (%s): %s" % (self.many, index, name, "; ".join(validated.error_messages)))
        return validated.validated_parameters

    def prepare(self, items):
        """Every item read at once, when the item class can: its read_all(batch, items) -> {key: what it read}."""
        read_all = getattr(self.item_class, "read_all", None)
        self.read = read_all(self, items) if read_all else None

    def item_service(self, params):
        """The item_class service converging one item, handed its part of read_all() as `read_before` (a 1-tuple)."""
        service = self.item_class(self.clients, params, self.check_mode, clock=self.clock, progress=self.progress,
                                  diff_mode=self.diff_mode, region=self.region)
        if self.read is not None:
            service.read_before = (self.read.get(params[self.key]),)
        return service

    def run(self):
        items = [self.item_params(i, item) for i, item in enumerate(self.params[self.many])]
        names = [item[self.key] for item in items]
        refuse_listed_twice(self.many, names, self.key)
        self.prepare(items)
        results = []
        for params in items:
            service = self.item_service(params)
            try:
                results.append(service.run())
            finally:
                self.api_calls += service.api_calls
                self.warnings.extend(service.warnings)
        result = {"changed": any(r.get("changed") for r in results), self.many: results, "api_calls": self.api_calls}
        if self.diff_mode:
            result["diff"] = {"before": dict((n, r.get("diff", {}).get("before", {})) for n, r in zip(names, results)),
                              "after": dict((n, r.get("diff", {}).get("after", {})) for n, r in zip(names, results))}
        return result
