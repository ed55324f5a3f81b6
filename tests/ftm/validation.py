"""Checking FtM entities against the followthemoney model: an invalid property raises, nothing is dropped."""

import json

from followthemoney import model
from followthemoney.exc import InvalidData


def validated(data):
    """The entity `data` read back with the model's proxy (`cleaned=False`, so every value is cleaned again);
    raises InvalidData on an unknown schema or property, a value its type refuses, or a value cleaning changes."""
    schema = model.get(data["schema"])
    if schema is None:
        raise InvalidData(f"Unknown schema: {data['schema']}")
    unknown = set(data["properties"]) - set(schema.properties)
    if unknown:
        raise InvalidData(f"{schema.name} has no property {sorted(unknown)}")
    schema.validate(data)
    proxy = model.get_proxy(data, cleaned=False)
    if proxy.id != data["id"] or {k: sorted(v) for k, v in proxy.to_dict()["properties"].items()} != {
        k: sorted(v) for k, v in data["properties"].items()
    }:
        raise InvalidData(f"{data['schema']} {data['id']} changes when cleaned: {data} became {proxy.to_dict()}")
    return proxy


def entities_of(text):
    return [json.loads(line) for line in text.splitlines()]
