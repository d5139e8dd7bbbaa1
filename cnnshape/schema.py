"""The JSON Schema of the spec format, derived from the layer classes' fields.

Editors validate specs against it (``# yaml-language-server: $schema=...``);
``cnnshape schema`` prints it.  A new field or layer kind appears here by itself.

Two rules shape it, so that a validator's *first* error names the fault:

- Dispatch before validating.  A layer is told apart by its JSON type, then by
  its form (``repeat:``, ``type:``, a single key) and then by its layer type, with
  ``if``/``then`` rather than ``anyOf``/``oneOf``: a validator reports the one
  schema that applies, not why each of sixty others did not.  A field's
  alternatives are told apart the same way, by JSON type (``padding`` is an
  integer, a list or a string matching ``same|valid|full``).
- The inline form (``conv2d 16 k3 s2``) is checked by regular expressions built
  from the same field lists the loader uses: the first word must be a layer type,
  each ``key=`` a field, each shorthand a field's, each value of its field's form,
  and the required fields present.  One pattern per concern, so the pattern that
  fails names what is wrong.

What it cannot see: the names of the spec's own blocks (a static schema cannot
read ``blocks:``).  So a spec with ``blocks:`` accepts any identifier as the first
word or the single key of a layer, and a spec without it accepts layer types only.
docs/spec.md lists the rest.
"""
from dataclasses import MISSING, fields

SCHEMA_ID = "https://cnnshape.invalid/spec.schema.json"

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
#: ``$name``: a block parameter, replaced by the block's argument
VAR = rf"\${IDENT}"
#: the words spec._scalar reads, in any case, as true, false and null
TRUE_WORDS, FALSE_WORDS, NULL_WORDS = ("true", "yes", "on"), ("false", "no", "off"), \
    ("null", "none", "~")
#: an inline token holding a $parameter: anything once replaced, so not checked here
VAR_TOKEN = r"[^\s=]*\$[^\s=]*"
NUMBER = r"(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE]-?[0-9]+)?"


def _ci(word: str) -> str:
    """``word`` in any case, without the i flag that JSON Schema's regexes lack."""
    return "".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in word)


def _words(pattern: str) -> str:
    """The alternatives of an anchored ``^(?:...)$`` string pattern."""
    return pattern[4:-2]


def _anchored(*alternatives: str) -> str:
    return "^(?:" + "|".join(alternatives) + ")$"


# --- a field's schema ---------------------------------------------------------

def _flat(schema: dict) -> dict:
    """One schema whose alternatives are told apart by JSON type, not by ``oneOf``.

    Keywords such as ``minimum``, ``pattern`` and ``items`` apply to one JSON type
    only, so ``{type: [integer, string], minimum: 0, pattern: ...}`` says what
    ``oneOf`` says, and a validator's error names the keyword that failed instead of
    listing why each alternative did not match.  Enums become string patterns in any
    case (the parsers lower() them)."""
    out: dict = {"type": []}
    for alt in schema.get("oneOf") or schema.get("anyOf") or [schema]:
        alt = dict(alt)
        if "enum" in alt:
            alt = {"type": "string", "pattern": _anchored(*map(_ci, alt["enum"]))}
        types = alt.pop("type")
        for t in [types] if isinstance(types, str) else types:
            if t not in out["type"]:
                out["type"].append(t)
        if "items" in alt:
            alt["items"] = _flat(alt["items"])
        for key, value in alt.items():
            if out.get(key, value) != value:
                raise ValueError(f"two alternatives of {schema} disagree on {key}; give them "
                                 "different JSON types")
            out[key] = value
    return out


def _with_vars(flat: dict) -> dict:
    """Let a scalar also be written ``$name`` (a block parameter); and let a boolean be
    written as the words YAML 1.1 reads as one (``yes``, ``off``), which readers of YAML
    1.2, such as check-jsonschema and the YAML language server, see as strings."""
    out = dict(flat)
    if "items" in out:
        out["items"] = _with_vars(out["items"])
    if "string" in out["type"] and "pattern" not in out:
        return out  # any string: $name included
    words = [_words(out["pattern"])] if "pattern" in out else []
    if "boolean" in out["type"]:
        words += map(_ci, TRUE_WORDS + FALSE_WORDS)
    if "string" not in out["type"]:
        out["type"] = [*out["type"], "string"]
    out["pattern"] = _anchored(*words, VAR)
    return out


def _fixes_length(kind, dims: int) -> bool:
    """Whether the field's parser wants exactly one value per spatial axis.

    Asked of the parser itself (a list one too long gives CS106), so the schema
    cannot disagree with it: ``zeropad1d: {padding: [1, 2]}`` is refused by both."""
    from .layers import Problem
    try:
        kind.parse([1] * (dims + 1), "x", dims)
    except Problem as p:
        return p.code == "CS106"
    return False


def _field_schema(f, dims: int) -> dict:
    out = _flat(getattr(f.type, "schema", {}) or {"type": []})
    if "array" in out["type"] and _fixes_length(f.type, dims):
        out["minItems"] = out["maxItems"] = dims
    out = _with_vars(out)
    if f.metadata.get("doc"):
        out["description"] = f.metadata["doc"]
    if f.default is not MISSING and not isinstance(f.default, tuple):
        out["default"] = f.default
    return out


# --- the inline form ----------------------------------------------------------

def _int_token(minimum) -> str:
    if minimum is None:
        return "-?[0-9]+"
    return "0*[1-9][0-9]*" if minimum >= 1 else "[0-9]+"


def _token(s: dict, comma: bool = True) -> str:
    """A regex for the inline text spec._scalar reads as a value ``s`` accepts:
    ``3``, ``0.5``, ``true``, ``3x5`` (ints per axis), ``1,2`` (a list), or a word."""
    types, alts = s["type"], []
    if "integer" in types:
        alts.append(_int_token(s.get("minimum")))
    if "number" in types:
        signed = s.get("minimum") is None and s.get("exclusiveMinimum") is None
        alts.append(("-?" if signed else "") + NUMBER)
    if "boolean" in types:
        alts += map(_ci, TRUE_WORDS + FALSE_WORDS)
    if "null" in types:
        alts += map(_ci, NULL_WORDS)
    if "string" in types:
        alts.append(_words(s["pattern"]) if "pattern" in s else r"[^\s,]+")
    if "array" in types:
        item = s["items"]
        n = s.get("minItems") if s.get("minItems") == s.get("maxItems") else None
        if {"integer", "number"} & set(item["type"]) and n != 1:  # 3x5: ints, two or more
            piece = _int_token(max(item.get("minimum") or 0, 0))
            alts.append(piece + (f"(?:[xX]{piece}){{{n - 1}}}" if n else f"(?:[xX]{piece})+"))
        if comma:  # 1,2: a list, its pieces read one by one (3x5,1x2 is a list of pairs)
            piece = _token(item, comma=False)
            if n == 1:
                alts.append(f",*(?:,{piece}|{piece},),*")
            elif n:
                alts.append(f",*{piece}(?:,+{piece}){{{n - 1}}},*")
            else:
                alts.append(f",*(?:,{piece}|{piece},|{piece}(?:,+{piece})+),*")
    return "(?:" + "|".join(alts) + ")" if alts else r"\S+"


def _inline_checks(name: str, cls, props: dict, required: list) -> list[dict]:
    """Patterns for ``name ...``, one per concern, so the one that fails names the fault."""
    from .spec import RESERVED, SHORT
    extra = [k for k in RESERVED if k != "type"]
    short = {s: f for s, f in SHORT.items() if f in props}
    head = rf"^\s*{name}(?:\s+(?:"
    tail = r"))*\s*$"
    other_short = "[" + "".join(SHORT) + "][0-9$]"
    bare = f"(?!{other_short})[^\\s=]+"
    keys = "|".join([*props, *extra])
    # 1. every key= is a field (or name, inputs, expect); every shorthand one of its fields
    names = [f"(?:{keys})=\\S*", bare]
    if short:
        names.insert(1, "[" + "".join(short) + "][0-9$][^\\s=]*")
    checks = [{"pattern": head + "|".join(names) + tail}]
    # 2. at most one bare value, of the main field's form
    not_bare = f"[^\\s=]*=\\S*|{other_short}[^\\s=]*|{VAR_TOKEN}"
    one = (rf"(?:\s+{_token(props[cls.primary])})?(?:\s+(?:{not_bare}))*"
           if cls.primary else "")
    checks.append({"pattern": rf"^\s*{name}(?:\s+(?:{not_bare}))*{one}\s*$"})
    # 3. each field's value of its form
    letter = {f: s for s, f in short.items()}
    for field, schema in props.items():
        value = _token(schema)
        if value == r"(?:[^\s,]+)":
            continue  # any word: nothing to check
        given = f"(?:{field}=|{letter[field]})" if field in letter else f"{field}="
        other = f"(?!{field}=|{letter[field]}[0-9$])" if field in letter else f"(?!{field}=)"
        checks.append({"pattern": head + f"{given}(?:{value}|\\S*\\$\\S*)|{other}\\S+" + tail})
    # 4. the required fields, given by name, by shorthand or as the bare value
    for field in required:
        ways = [f"{field}="] + ([f"{letter[field]}[0-9$]"] if field in letter else [])
        if field == cls.primary:
            ways.append(f"{_token(props[field])}(?:\\s|$)")
        checks.append({"pattern": rf"^(?=[\s\S]*(?:\s(?:{'|'.join(ways)})|\$))"})
    return checks


# --- layers -------------------------------------------------------------------

def _expect_value(key: str) -> dict:
    """An expect: key's value: a shape, a count, a byte count (an int or "8 GiB"), or the
    batch, dtype and optimizer the byte budgets assume."""
    from .memory import DTYPES, OPTIMIZERS
    if key == "output_shape":
        return _shape()
    if key.endswith("_bytes"):
        return {"type": ["integer", "string"], "minimum": 0,
                "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*([kKmMgGtT][iI]?[bB]|[bB])?\s*$"}
    if key == "batch":
        return {"type": "integer", "minimum": 1}
    if key in ("dtype", "optimizer"):
        return {"enum": list(DTYPES if key == "dtype" else OPTIMIZERS)}
    return {"type": "integer", "minimum": 0}


def _frameworks() -> list[str]:
    from .dialects import DIALECTS
    return list(DIALECTS)


def layer_schemas() -> dict[str, dict]:
    """For each layer type, the schema of its fields (the body of ``{type: ..., ...}``)."""
    from .layers import all_kinds
    out = {}
    for name, cls in sorted(all_kinds().items()):
        dims = cls.dims or 1  # as Layer.__post_init__ parses them
        props = {f.name: _field_schema(f, dims) for f in fields(cls)}
        required = [f.name for f in fields(cls)
                    if f.default is MISSING and f.default_factory is MISSING]
        out[name] = {"description": (cls.__doc__ or "").strip().splitlines()[0],
                     "properties": props, "required": required, "cls": cls}
    return out


def _shape() -> dict:
    """An output shape: [16, 5, 5], "16x5x5", or one int."""
    item = {"type": ["integer"], "minimum": 1}
    text = _token({"type": ["integer", "array"], "minimum": 1, "items": item})
    return {"type": ["array", "integer", "string"], "minimum": 1, "minItems": 1,
            "items": _with_vars(item), "pattern": _anchored(text, VAR)}


def _common() -> dict:
    return {"name": {"type": "string", "description": "this layer's name"},
            "inputs": {"type": ["string", "array"], "items": {"type": "string"},
                       "minItems": 1,
                       "description": "earlier layers feeding this one (default: the "
                                      "previous layer); 'input' is the network's input"},
            "expect": {**_shape(), "description": "the output shape this layer must produce"},
            "note": {"type": ["string", "number", "boolean"],
                     "description": "free text shown beside this layer's row"}}


def _per_type(kinds: dict) -> dict:
    """The $defs every form of a layer of a given type shares."""
    common = _common()
    explicit, keyed, inline = {}, {}, {}
    for name, k in kinds.items():
        props, required, cls = k["properties"], k["required"], k["cls"]
        # additionalProperties before required: a misspelt field is reported first
        explicit[name] = {
            "description": k["description"],
            "properties": {"type": {"const": name}, **common, **props},
            "additionalProperties": False, "required": ["type", *required]}
        # {name: body}: the body is the fields, or null, or the main field's value
        body = {"type": ["object"], "properties": {**common, **props},
                "additionalProperties": False, "required": required}
        if not required:
            body["type"].append("null")
        if cls.primary and set(required) <= {cls.primary}:
            main = props[cls.primary]
            body["type"] += [t for t in main["type"] if t not in body["type"]]
            body.update({key: v for key, v in main.items()
                         if key not in ("type", "description", "default")})
        keyed[name] = {"description": f"{{{name}: fields}}: {k['description']}",
                       "properties": {name: body, **common}, "additionalProperties": False}
        inline[name] = {"description": f"'{name} ...': {k['description']}",
                        "allOf": _inline_checks(name, cls, props, required)}
    return {"explicit": explicit, "keyed": keyed, "inline": inline}


def _variant(names: list, merges: list, suffix: str, blocks: bool) -> dict:
    """The layer schemas of a spec without blocks (``blocks=False``: every first word and
    single key is a layer type) or with them (any identifier may be a block's name)."""
    ref = f"#/$defs/layer{suffix}"
    reserved = ["name", "inputs", "expect", "note"]
    if blocks:
        first_word = rf"^\s*(?:{IDENT}|\S*\$\S*)(?:\s|$)"
        explicit_type = {"type": "string", "pattern": _anchored(*names, VAR)}
        key_names = {"pattern": _anchored(IDENT)}
    else:
        first_word = rf"^\s*(?:{'|'.join(names)})(?:\s|$)"
        explicit_type = {"enum": names}
        key_names = {"enum": [*names, *reserved]}
    inline = {"allOf": [
        {"pattern": first_word},  # first: a misspelt type is the only error
        *({"if": {"pattern": rf"^\s*{n}(?:\s|$)"}, "then": {"$ref": f"#/$defs/inline/{n}"}}
          for n in names)]}
    explicit = {"properties": {"type": explicit_type}, "allOf": [
        {"if": {"properties": {"type": {"const": n}}},
         "then": {"$ref": f"#/$defs/explicit/{n}"}} for n in names]}
    branches = {"type": "array", "minItems": 2, "items": {
        "type": ["null", "string", "object", "array"], "items": {"$ref": ref},
        "$ref": f"#/$defs/dispatch{suffix}",
        "description": "one path: a layer, a list of layers, or nothing (identity)"}}
    keyed = {"propertyNames": key_names, "allOf": [
        # concat: [[...], [...]] is a merge of branches; concat: {dim: 0} the layer
        *({"if": {"required": [m]}, "then": {
            "if": {"properties": {m: {"type": "array"}}},
            "then": {"properties": {m: branches, **_common()}, "additionalProperties": False},
            "else": {"$ref": f"#/$defs/keyed/{m}"}}} for m in merges),
        *({"if": {"required": [n]}, "then": {"$ref": f"#/$defs/keyed/{n}"}}
          for n in names if n not in merges),
        # a mapping of name/inputs/expect alone has no layer type
        {"if": {"propertyNames": {"enum": reserved}}, "then": {"required": ["type"]}}]}
    repeat = {"description": "{repeat: N, layers: [...]}",
              "properties": {"repeat": {"type": ["integer", "string"], "minimum": 1,
                                        "pattern": _anchored(VAR)},
                             "layers": {"type": "array", "items": {"$ref": ref}}},
              "additionalProperties": False, "required": ["repeat", "layers"]}
    mapping = {"if": {"required": ["repeat"]}, "then": repeat,
               "else": {"if": {"required": ["type"]}, "then": explicit, "else": keyed}}
    dispatch = {"allOf": [{"if": {"type": "string"}, "then": inline},
                          {"if": {"type": "object"}, "then": mapping}]}
    return {f"layer{suffix}": {"type": ["string", "object"], "$ref": f"#/$defs/dispatch{suffix}",
                               "description": "a layer: 'conv2d 32 k3 s2', {type: conv2d, "
                                              "...}, {conv2d: {...}}, repeat:, concat:, add:"},
            f"dispatch{suffix}": dispatch}


def spec_schema() -> dict:
    from .spec import MODEL_EXPECT, RESERVED
    kinds = layer_schemas()
    names = list(kinds)
    merges = [n for n, k in kinds.items() if k["cls"].merges]
    expect = {"type": "object", "additionalProperties": False,
              "description": "what the whole network must give; a violation is an error",
              "properties": {k: _expect_value(k) for k in MODEL_EXPECT}}
    size = {"type": ["integer"], "minimum": 1}
    layers = {"type": "array", "minItems": 1}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "cnnshape spec",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "source": {"type": "string"},
            "input": {"type": ["array", "integer", "string"], "items": {"type": "integer",
                                                                      "minimum": 1},
                      "minItems": 1, "maxItems": 4, "minimum": 1,
                      "pattern": _anchored(_token({**size, "type": ["integer", "array"],
                                                            "items": size})),
                      "description": "channels first, no batch: [C, H, W], [C, L], [C, D, H, W]"},
            "layers": {**layers, "description": "the network, first layer first"},
            "blocks": {"type": "object",
                       "propertyNames": {"pattern": _anchored(IDENT),
                                         "not": {"enum": [*names, *RESERVED, "input",
                                                          "previous", "repeat", "layers"]}},
                       "additionalProperties": {
                           "type": ["array", "object"], "items": {"$ref": "#/$defs/layer_b"},
                           "required": ["layers"], "additionalProperties": False,
                           "properties": {
                               "params": {"type": "array", "items": {
                                   "type": ["string", "object"],
                                   "minProperties": 1, "maxProperties": 1}},
                               "description": {"type": "string"},
                               "layers": {"type": "array", "items": {"$ref": "#/$defs/layer_b"}}}}},
            "expect": expect,
            "framework": {"enum": [None, *_frameworks()],
                          "description": "compute as this framework does: its defaults for "
                                         "arguments not given, its rounding and 'same' rules, "
                                         "its refusals (docs/spec.md, Frameworks)"},
            "outputs": {"type": "array", "items": {"type": "string", "minLength": 1},
                        "description": "layers (or block uses) the network returns beside "
                                       "its last layer, e.g. a segmentation head's masks"},
        },
        "required": ["input", "layers"],
        # with blocks:, any identifier may name one; without, only layer types
        "if": {"required": ["blocks"]},
        "then": {"properties": {"layers": {"items": {"$ref": "#/$defs/layer_b"}}}},
        "else": {"properties": {"layers": {"items": {"$ref": "#/$defs/layer"}}}},
        "$defs": {**_variant(names, merges, "", blocks=False),
                  **_variant(names, merges, "_b", blocks=True),
                  **_per_type(kinds)},
    }
