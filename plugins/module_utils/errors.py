# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's errors: every failure a service class raises is an AnsibleAWSError subclass, so a
module's main() fails the same way for all of them (amazon.aws fail_json_aws_error with the boto
exception and any extra result keys)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


class CloudopsError(AnsibleAWSError):
    """A failure with a message for the user; `exception` is the AWS error behind it, if any, and
    keyword arguments become extra keys of the failed result (changed, diff, ...)."""


class WaitTimeout(CloudopsError):
    """A wait ran out of time; the message names what was awaited and what was still not ready."""


def error_handler(exception_class=CloudopsError, missing_codes=()):
    """An amazon.aws AWSErrorHandler raising `exception_class`; its list_error_handler and
    deletion_error_handler treat the AWS error codes `missing_codes` as "does not exist"."""
    codes = list(missing_codes)

    class Handler(AWSErrorHandler):
        _CUSTOM_EXCEPTION = exception_class

        @classmethod
        def _is_missing(cls):
            if codes:
                return is_boto3_error_code(codes)
            return super(Handler, cls)._is_missing()

    return Handler
