"""A second oracle for the local AWS: check an answer against botocore's output shape for the operation.

botocore's parsers are lenient (they drop what the model does not know and coerce what they can), so a
local answer can be wrong in ways a client never notices. `response_errors()` walks the raw body (JSON or
query-protocol XML) against the service model and lists every member the shape does not have, every value
of the wrong type and every string outside its enum. `ShapeChecker` hooks a boto3 client so each answer it
receives is checked.
"""
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - answers of our own loopback server

ISO8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def shape_errors(shape, value, path="$"):
    """Every place where the JSON `value` does not fit the botocore shape."""
    errors = []
    kind = shape.type_name
    if kind == "structure" and shape.metadata.get("document"):
        return []   # a document type (e.g. HookDetails): any JSON value
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected object, got {type(value).__name__}"]
        for key, item in value.items():
            if key not in shape.members:
                errors.append(f"{path}.{key}: not in shape {shape.name}")
            elif item is not None:
                errors += shape_errors(shape.members[key], item, f"{path}.{key}")
    elif kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected list"]
        for index, item in enumerate(value):
            errors += shape_errors(shape.member, item, f"{path}[{index}]")
    elif kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected map"]
        for key, item in value.items():
            errors += shape_errors(shape.value, item, f"{path}.{key}")
    elif kind == "string":
        if not isinstance(value, str):
            errors.append(f"{path}: expected string, got {value!r}")
        elif shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} not in enum {shape.enum}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: expected integer, got {value!r}")
    elif kind in ("double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            errors.append(f"{path}: expected number")
    elif kind == "boolean":
        if not isinstance(value, bool):
            errors.append(f"{path}: expected boolean, got {value!r}")
    elif kind == "timestamp":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            errors.append(f"{path}: expected epoch timestamp, got {value!r}")
    return errors


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def xml_errors(shape, element, path="$"):
    """Every place where the query-protocol XML `element` does not fit the botocore shape."""
    errors = []
    kind = shape.type_name
    children = list(element)
    if kind == "structure":
        names = {member.serialization.get("name", name): member for name, member in shape.members.items()}
        for child in children:
            tag = _local(child.tag)
            if tag not in names:
                errors.append(f"{path}.{tag}: not in shape {shape.name}")
            else:
                errors += xml_errors(names[tag], child, f"{path}.{tag}")
    elif kind == "list":
        item_name = shape.member.serialization.get("name", "member")
        for index, child in enumerate(children):
            if _local(child.tag) != item_name:
                errors.append(f"{path}[{index}]: <{_local(child.tag)}> where <{item_name}> belongs")
            else:
                errors += xml_errors(shape.member, child, f"{path}[{index}]")
    elif kind == "map":
        for child in children:
            parts = {_local(c.tag): c for c in child}
            if set(parts) - {"key", "value"}:
                errors.append(f"{path}: map entry with {sorted(parts)}")
            elif "value" in parts:
                errors += xml_errors(shape.value, parts["value"], f"{path}.{(parts.get('key').text or '')}")
    else:
        text = element.text or ""
        if children:
            errors.append(f"{path}: {kind} with child elements")
        elif kind == "string":
            if shape.enum and text not in shape.enum:
                errors.append(f"{path}: {text!r} not in enum {shape.enum}")
        elif kind in ("integer", "long"):
            if not re.fullmatch(r"-?\d+", text.strip()):
                errors.append(f"{path}: expected integer, got {text!r}")
        elif kind in ("double", "float"):
            try:
                float(text)
            except ValueError:
                errors.append(f"{path}: expected number, got {text!r}")
        elif kind == "boolean":
            if text.strip() not in ("true", "false"):
                errors.append(f"{path}: expected true/false, got {text!r}")
        elif kind == "timestamp":
            if not ISO8601.match(text.strip()):
                errors.append(f"{path}: expected ISO 8601 timestamp, got {text!r}")
    return errors


def response_errors(operation_model, body):
    """Shape errors of one successful answer (raw bytes) to `operation_model`."""
    output = operation_model.output_shape
    protocol = operation_model.metadata["protocol"]
    if output is None or not body:
        return []
    if protocol in ("json", "rest-json"):
        return shape_errors(output, json.loads(body))
    if protocol == "query":
        root = ET.fromstring(body)  # noqa: S314 - answers of our own loopback server
        wrapper = output.serialization.get("resultWrapper") or f"{operation_model.name}Result"
        result = next((c for c in root if _local(c.tag) == wrapper), None)
        if result is None:
            return [f"$: no <{wrapper}> in <{_local(root.tag)}>"]
        return xml_errors(output, result)
    return []  # other protocols are not checked


class ShapeChecker:
    """Check every successful answer a boto3 client receives; `errors` collects "Service.Operation: ..."."""

    def __init__(self):
        self.errors = []
        self.checked = 0

    def attach(self, boto_client):
        boto_client.meta.events.register("before-parse", self._check)
        return boto_client

    def _check(self, operation_model, response_dict, **_):
        if response_dict.get("status_code", 500) >= 300:
            return
        service = operation_model.service_model.service_name
        self.checked += 1
        for error in response_errors(operation_model, response_dict.get("body") or b""):
            self.errors.append(f"{service}.{operation_model.name}: {error}")
