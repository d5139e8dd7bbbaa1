"""The JSON Schema of the spec format, derived from the layer classes' fields.

Editors validate specs against it (``# yaml-language-server: $schema=...``);
``cnnshape schema`` prints it.  A new field or layer kind appears here by itself.

What a schema cannot know: the names of the spec's own blocks.  A block use
written ``- block args`` or ``- block: {args}`` is accepted as it stands (cnnshape
check still checks it); ``type:`` takes layer types only, so a typo there is
flagged in the editor.
"""
from dataclasses import MISSING, fields

SCHEMA_ID = "https://cnnshape.invalid/spec.schema.json"

#: ``$name``: a block parameter, replaced by the block's argument
VAR = {"type": "string", "pattern": r"^\$[A-Za-z_][A-Za-z0-9_]*$",
       "description": "a block parameter ($name), replaced by the block's argument"}
VAR_REF = {"$ref": "#/$defs/var"}
#: an output shape: [16, 5, 5], "16x5x5", or one int
SHAPE = {"anyOf": [{"type": "array", "items": {"anyOf": [{"type": "integer", "minimum": 1},
                                                         VAR_REF]}, "minItems": 1},
                   {"type": "string", "pattern": r"^\d+(x\d+)*$"},
                   {"type": "integer", "minimum": 1}, VAR_REF]}


def _with_vars(schema):
    """Let every scalar a block may parameterise also be written $name."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    for key in ("oneOf", "anyOf"):
        if key in out:
            out[key] = [_with_vars(s) for s in out[key]]
    if "items" in out:
        out["items"] = _with_vars(out["items"])
    if out.get("type") in ("integer", "number", "boolean", "string") or "enum" in out:
        desc = out.pop("description", None)
        default = out.pop("default", None)
        out = {"anyOf": [out, VAR_REF]}
        if desc:
            out["description"] = desc
        if default is not None:
            out["default"] = default
    return out


def _field_schema(f) -> dict:
    out = dict(getattr(f.type, "schema", {}) or {})
    if f.metadata.get("doc"):
        out["description"] = f.metadata["doc"]
    if f.default is not MISSING and not isinstance(f.default, tuple):
        out["default"] = f.default
    return _with_vars(out)


def layer_schemas() -> dict[str, dict]:
    """For each layer type, the schema of its fields (the body of ``{type: ..., ...}``)."""
    from .layers import all_kinds
    out = {}
    for name, cls in sorted(all_kinds().items()):
        props = {f.name: _field_schema(f) for f in fields(cls)}
        required = [f.name for f in fields(cls)
                    if f.default is MISSING and f.default_factory is MISSING]
        out[name] = {"description": (cls.__doc__ or "").strip().splitlines()[0],
                     "properties": props, "required": required,
                     "primary": getattr(cls, "primary", None)}
    return out


def spec_schema() -> dict:
    from .spec import MODEL_EXPECT
    kinds = layer_schemas()
    names = list(kinds)
    common = {"name": {"type": "string", "description": "this layer's name"},
              "inputs": {"anyOf": [{"type": "string"}, {"type": "array", "items": {
                  "type": "string"}, "minItems": 1}],
                         "description": "earlier layers feeding this one (default: the "
                                        "previous layer); 'input' is the network's input"},
              "expect": {**SHAPE, "description": "the output shape this layer must produce"}}
    explicit, keyed = {}, {}
    for name, k in kinds.items():
        explicit[name] = {
            "type": "object", "description": k["description"],
            "properties": {"type": {"const": name}, **common, **k["properties"]},
            "required": ["type", *k["required"]], "additionalProperties": False}
        body = [{"type": "null"},
                {"type": "object", "properties": {**common, **k["properties"]},
                 "required": k["required"], "additionalProperties": False}]
        if k["primary"]:
            body.append(k["properties"][k["primary"]])
        keyed[name] = {
            "type": "object", "description": f"{{{name}: fields}}: {k['description']}",
            "properties": {name: {"anyOf": body}, **common}, "required": [name],
            "additionalProperties": False}
    layer_ref = {"$ref": "#/$defs/layer"}
    branch = {"anyOf": [{"type": "null"}, {"type": "string"}, {"type": "object"},
                        {"type": "array", "items": layer_ref}],
              "description": "one path: a layer, a list of layers, or nothing (identity)"}
    not_a_kind = {"not": {"enum": names + ["type", "repeat", "concat", "add"]}}
    layer = {"anyOf": [
        {"type": "string", "description": "inline: 'conv2d 32 k3 s2 padding=same', or a "
                                          "block use: 'block arg1 arg2 name=x'"},
        # {type: conv2d, ...}: dispatched on type, so a typo in a field is named
        {"type": "object", "required": ["type"],
         "properties": {"type": {"anyOf": [{"enum": names}, VAR_REF]}},
         "allOf": [{"if": {"properties": {"type": {"const": n}}, "required": ["type"]},
                    "then": {"$ref": f"#/$defs/explicit/{n}"}} for n in names]},
        *({"$ref": f"#/$defs/keyed/{n}"} for n in names),
        {"type": "object", "description": "{repeat: N, layers: [...]}",
         "required": ["repeat", "layers"], "additionalProperties": False,
         "properties": {"repeat": {"anyOf": [{"type": "integer", "minimum": 1}, VAR_REF]},
                        "layers": {"type": "array", "items": layer_ref}}},
        *({"type": "object", "description": f"{m}: a list of branches",
           "required": [m], "additionalProperties": False,
           "properties": {m: {"type": "array", "items": branch, "minItems": 2}, **common}}
          for m in ("concat", "add")),
        {"type": "object", "description": "a block use: {block: {arg: value}} or "
                                          "{block: value}",
         "minProperties": 1, "maxProperties": 4,
         "propertyNames": {"anyOf": [{"enum": ["name", "inputs", "expect"]},
                                     {"allOf": [not_a_kind,
                                                {"pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"}]}]}},
    ]}
    expect = {"type": "object", "additionalProperties": False,
              "description": "what the whole network must give; a violation is an error",
              "properties": {k: ({**SHAPE} if k == "output_shape" else
                                 {"type": "integer", "minimum": 0}) for k in MODEL_EXPECT}}
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
            "blocks": {"type": "object", "additionalProperties": {"anyOf": [
                {"type": "array", "items": layer_ref},
                {"type": "object", "required": ["layers"], "additionalProperties": False,
                 "properties": {
                     "params": {"type": "array", "items": {"anyOf": [
                         {"type": "string"},
                         {"type": "object", "minProperties": 1, "maxProperties": 1}]}},
                     "description": {"type": "string"},
                     "layers": {"type": "array", "items": layer_ref}}}]}},
            "expect": expect,
        },
        "$defs": {"layer": layer, "var": VAR, "explicit": explicit, "keyed": keyed},
    }
