"""The JSON Schema of the spec format, derived from the layer classes' fields.

Editors validate specs against it (``# yaml-language-server: $schema=...``);
``cnnshape schema`` prints it.  A new field or layer kind appears here by itself.
"""
from dataclasses import MISSING, fields

SCHEMA_ID = "https://cnnshape.invalid/spec.schema.json"


def _field_schema(f) -> dict:
    kind = f.type
    out = dict(getattr(kind, "schema", {}) or {})
    if f.metadata.get("doc"):
        out["description"] = f.metadata["doc"]
    if f.default is not MISSING and not isinstance(f.default, tuple):
        out["default"] = f.default
    return out


def layer_schemas() -> dict[str, dict]:
    """For each layer type, the schema of its fields (the body of ``{type: ..., ...}``)."""
    from .layers import all_kinds
    out = {}
    for name, cls in sorted(all_kinds().items()):
        props = {f.name: _field_schema(f) for f in fields(cls)}
        required = [f.name for f in fields(cls)
                    if f.default is MISSING and f.default_factory is MISSING]
        out[name] = {"description": (cls.__doc__ or "").strip().splitlines()[0],
                     "properties": props, "required": required}
    return out


def spec_schema() -> dict:
    kinds = layer_schemas()
    common = {"name": {"type": "string", "description": "this layer's name"},
              "inputs": {"oneOf": [{"type": "string"}, {"type": "array",
                                                        "items": {"type": "string"}}],
                         "description": "earlier layers feeding this one (default: the "
                                        "previous layer)"},
              "expect": {"type": "array", "items": {"type": "integer"},
                         "description": "the output shape this layer must produce"}}
    typed = []
    for name, k in kinds.items():
        typed.append({"type": "object", "description": k["description"],
                      "properties": {"type": {"const": name}, **common, **k["properties"]},
                      "required": ["type", *k["required"]], "additionalProperties": False})
    layer_ref = {"$ref": "#/$defs/layer"}
    branch = {"oneOf": [{"type": "null"}, {"type": "string"},
                        {"type": "array", "items": layer_ref}, {"type": "object"}]}
    layer = {"oneOf": [
        {"type": "string", "description": "inline: 'conv2d 32 k3 s2 padding=same'"},
        {"type": "object", "required": ["type"], "properties": {"type": {"enum": list(kinds)}},
         "allOf": [{"if": {"properties": {"type": {"const": t["properties"]["type"]["const"]}}},
                    "then": t} for t in typed]},
        {"type": "object", "required": ["repeat", "layers"], "additionalProperties": False,
         "properties": {"repeat": {"type": "integer", "minimum": 1},
                        "layers": {"type": "array", "items": layer_ref}}},
        {"type": "object", "description": "concat: or add: with a list of branches",
         "properties": {"concat": {"type": "array", "items": branch},
                        "add": {"type": "array", "items": branch}, **common},
         "minProperties": 1},
        {"type": "object", "description": "{type_or_block: {fields or arguments}}",
         "minProperties": 1, "not": {"required": ["type"]}},
    ]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "cnnshape spec",
        "type": "object",
        "required": ["input", "layers"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "source": {"type": "string"},
            "input": {"type": "array", "items": {"type": "integer", "minimum": 1},
                      "minItems": 1, "maxItems": 4,
                      "description": "channels first, no batch: [C, H, W], [C, L], [C, D, H, W]"},
            "layers": {"type": "array", "items": layer_ref},
            "blocks": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["layers"], "properties": {
                    "params": {"type": "array"}, "description": {"type": "string"},
                    "layers": {"type": "array", "items": layer_ref}}}},
            "expect": {"type": "object"},
        },
        "$defs": {"layer": layer, "layers": {k: t for k, t in zip(kinds, typed)}},
    }
