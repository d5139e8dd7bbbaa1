"""Framework dialects: what each framework computes for the same windowed layer.

One record per framework, and nothing else: the defaults a layer takes when an argument is
not given, the rounding of ceil mode, how 'same' pads, the transposed-convolution rules,
what the framework refuses, and what it calls each argument.  The layers read their
dialect (``Layer.framework``); the arithmetic takes the rules as parameters; the docs table
of rules (docs/spec.md) is generated from these records.  No ``if framework == ...``
anywhere else.

Every rule was observed by running the framework over tests/data/dialects/cases.py (the
recordings beside it name the versions), except Caffe's, which are read from its source.
"""
from dataclasses import dataclass, field, replace

#: The windowed families a dialect speaks for, by the layer class's ``family``.
FAMILIES = ("conv", "conv_transpose", "maxpool", "avgpool")

#: cnnshape's fields that are a framework's arguments; a layer's other fields (trainable,
#: out_channels) are cnnshape's own and every dialect takes them.
ARGUMENTS = ("kernel_size", "stride", "padding", "dilation", "groups", "bias",
             "output_padding", "ceil_mode", "count_include_pad")

#: How a value given under a framework's own name becomes cnnshape's.
CONVERT = {
    "same": lambda v: v,
    "not": lambda v: not v if isinstance(v, bool) else v,                 # Paddle exclusive
    "convention": lambda v: {"full": True, "valid": False}.get(v, v),     # MXNet
    "bias_attr": lambda v: v is not False,                                # Paddle
    "round_mode": lambda v: {"ceil": True, "floor": False}.get(str(v).lower(), v),  # Caffe
    "auto_pad": lambda v: {"same_upper": "same", "valid": "valid", "notset": 0}.get(
        str(v).lower(), v),                                               # ONNX
    "onnx_pads": lambda v: [[v[i], v[i + len(v) // 2]] for i in range(len(v) // 2)]
    if isinstance(v, list) and len(v) % 2 == 0 else v,                    # ONNX [b..., e...]
}


@dataclass(frozen=True)
class Rule:
    """A refusal: ``test(layer)`` (or ``test(layer, sizes)``, with ``sizes``: the input's
    spatial sizes) says why the framework refuses the layer, or None."""
    text: str                       # the rule, for the docs table and port's reasons
    families: tuple
    test: object
    sizes: bool = False             # True: the rule needs the input's sizes
    written: bool = False           # True: ``test(values)`` reads the values as written
    field: str | None = None        # the field at fault, so an error names its flag


def _pads(layer):
    return layer.padding if isinstance(layer.padding, tuple) else ()


def _over_half(layer):
    for k, pair in zip(layer.kernel_size, _pads(layer)):
        if max(pair) * 2 > k:
            return f"padding {max(pair)} is more than half of kernel_size {k}"


def _mode(layer):
    if isinstance(layer.padding, str):
        return f"padding {layer.padding!r} is not a size"


def _not_mode(layer):
    if not isinstance(layer.padding, str):
        return f"padding must be 'same' or 'valid', got {_show_pad(layer.padding)}"


def _show_pad(padding):
    sides = {p for pair in padding for p in pair}
    if len(sides) == 1:
        return str(sides.pop())
    return str([list(p) if p[0] != p[1] else p[0] for p in padding])


def _strided_same(layer):
    if layer.padding == "same" and any(s > 1 for s in layer.strides()):
        return "padding='same' needs stride 1"


def _strided_dilation(layer):
    if any(s > 1 for s in layer.strides()) and any(d > 1 for d in layer.dilations()):
        return "a stride above 1 with a dilation above 1"


def _same_dilation(layer):
    if layer.padding == "same" and any(d > 1 for d in layer.dilations()):
        return "padding 'same' with a dilation above 1"


def _uneven(layer):
    if any(a != b for a, b in _pads(layer)):
        return "different padding at the two ends of an axis"


def _output_padding_stride(layer):
    for op, s in zip(layer.output_padding or (), layer.stride):
        if op >= s:
            return f"output_padding {op} is not smaller than the stride {s}"


def _output_padding_torch(layer):
    for op, s, d in zip(layer.output_padding or (), layer.stride, layer.dilation):
        if op >= s and op >= d:
            return f"output_padding {op} is smaller than neither the stride ({s}) nor the " \
                   f"dilation ({d})"


def _groups(layer):
    if layer.groups > 1:
        return "groups above 1"


def _pad_kernel(layer):
    for k, pair in zip(layer.kernel_size, _pads(layer)):
        if max(pair) >= k:
            return f"padding {max(pair)} is not smaller than kernel_size {k}"


def _two_d(layer):
    if layer.dims != 2:
        return f"a {layer.dims}-D pool: pooling takes 4-D blobs (N, C, H, W) only"


def _pool_mode_args(layer):
    if isinstance(layer.padding, str) and (layer.ceil_mode or any(
            d > 1 for d in layer.dilations())):
        return f"ceil_mode or dilation with pad_mode {layer.padding!r} (they need pad_mode " \
               "'pad')"


def _conv1d_modes(layer):
    if layer.dims == 1 and not isinstance(layer.padding, str):
        return "conv1d takes padding 'SAME' or 'VALID' only (a string)"


def _no_output_padding_1d(layer):
    if layer.dims == 1 and layer.output_padding is not None:
        return "Conv1dTranspose has no argument 'output_padding'"


def _output_padding_needs_pad(layer):
    if isinstance(layer.padding, str) and any(layer.output_padding or ()):
        return f"output_padding with pad_mode {layer.padding!r} (it needs pad_mode 'pad')"


def _mkldnn_pool_pad(layer, sizes):
    if not any(max(pair) >= k for k, pair in zip(layer.kernel_size, _pads(layer))):
        return None
    exact = all((w + sum(pair) - k) % s == 0 for w, k, s, pair in
                zip(sizes, layer.kernel_size, layer.strides(), _pads(layer)))
    # 2-D max pooling runs in oneDNN whatever the rounding (mxnet 1.9.1, as recorded)
    if not layer.ceil_mode or exact or layer.family == "maxpool" and layer.dims == 2:
        return "padding not smaller than the kernel (checked by the oneDNN pooling, which " \
               "runs unless ceil_mode leaves a partial window)"


def _int_padding(values):
    if isinstance(values.get("padding"), int) and not isinstance(values["padding"], bool):
        return "an int padding (pools take 'SAME', 'VALID' or (low, high) pairs per axis)"


def _ceil_valid(layer):
    if layer.padding == "valid" and layer.ceil_mode:
        return "ceil_mode with padding 'VALID'"


def _output_shape(layer):
    return "the transposed op needs output_shape, which it does not infer"


def _dilation(layer):
    if any(d > 1 for d in layer.dilations()):
        return "dilation above 1"


RULES = {
    "pool_pad_lt_kernel": Rule("pool padding smaller than the kernel", ("maxpool", "avgpool"),
                               _pad_kernel, field="padding"),
    "no_dilation": Rule("no dilation", FAMILIES, _dilation, field="dilation"),
    "pool_2d_only": Rule("pools are 2-D only", ("maxpool", "avgpool"), _two_d),
    "pool_args_need_pad": Rule("pool ceil_mode and dilation only with pad_mode 'pad'",
                               ("maxpool", "avgpool"), _pool_mode_args, field="padding"),
    "conv1d_pad_modes": Rule("1-D convolution: padding 'same' or 'valid' only", ("conv",),
                             _conv1d_modes, field="padding"),
    "no_output_padding_1d": Rule("no output_padding in 1-D", ("conv_transpose",),
                                 _no_output_padding_1d, field="output_padding"),
    "output_padding_needs_pad": Rule("output_padding only with pad_mode 'pad'",
                                     ("conv_transpose",), _output_padding_needs_pad,
                                         field="output_padding"),
    "mkldnn_pool_pad": Rule("pool padding smaller than the kernel, unless ceil_mode leaves a "
                            "partial last window", ("maxpool", "avgpool"), _mkldnn_pool_pad,
                            sizes=True, field="padding"),
    "pool_int_padding": Rule("pools take padding pairs or a mode, not an int",
                             ("maxpool", "avgpool"), _int_padding, written=True, field="padding"),
    "ceil_valid": Rule("no ceil_mode with padding 'valid'", ("maxpool", "avgpool"),
                       _ceil_valid, field="ceil_mode"),
    "needs_output_shape": Rule("transposed convolution needs output_shape",
                               ("conv_transpose",), _output_shape),
    "pool_pad_half": Rule("pool padding at most half the kernel", ("maxpool", "avgpool"),
                          _over_half, field="padding"),
    "no_pad_modes": Rule("no padding modes ('same', 'valid'): sizes only", FAMILIES, _mode,
                         field="padding"),
    "pool_no_pad_modes": Rule("pools take padding sizes only", ("maxpool", "avgpool"), _mode,
                              field="padding"),
    "transposed_no_pad_modes": Rule("transposed padding takes sizes only",
                                    ("conv_transpose",), _mode, field="padding"),
    "pad_modes_only": Rule("padding 'same' or 'valid' only", FAMILIES, _not_mode, field="padding"),
    "same_stride_1": Rule("padding='same' only with stride 1", ("conv",), _strided_same,
                          field="padding"),
    "strided_dilation": Rule("no stride above 1 together with dilation above 1",
                             ("conv", "conv_transpose", "maxpool"), _strided_dilation,
                                 field="dilation"),
    "same_dilation": Rule("no 'same' with dilation above 1", FAMILIES, _same_dilation,
                          field="padding"),
    "even_padding": Rule("the same padding at both ends of an axis", FAMILIES, _uneven,
                         field="padding"),
    "output_padding_stride": Rule("output_padding smaller than the stride",
                                  ("conv_transpose",), _output_padding_stride,
                                      field="output_padding"),
    "output_padding_torch": Rule("output_padding smaller than the stride or the dilation",
                                 ("conv_transpose",), _output_padding_torch,
                                     field="output_padding"),
    "no_groups": Rule("no grouped convolution", ("conv", "conv_transpose"), _groups,
                      field="groups"),
}


@dataclass(frozen=True)
class Dialect:
    """One framework's rules for the windowed layers.  See the module docstring."""
    name: str
    title: str
    #: where the rules come from: the recording's versions, or Caffe's source
    source: str
    #: family -> {cnnshape field: the framework's name for it}; a field left out is an
    #: argument the framework does not have
    names: dict
    #: family -> the framework's call, with {d} for the number of spatial axes
    calls: dict
    #: family -> {field: value taken when the argument is not given}
    defaults: dict
    #: family -> fields the framework requires
    required: dict = field(default_factory=dict)
    #: family -> {the framework's own name: (cnnshape field, CONVERT key)}, beyond ``names``
    extra_aliases: dict = field(default_factory=dict)
    # The rules below are a value, or {family: value} where the families differ; read
    # them with ``rule(name, family)``.
    #: ceil mode's last window: "clip" (dropped when it would start in the right padding,
    #: torch), "keep" (kept), "clip_if_padded" (dropped only when the layer pads, Caffe)
    ceil: object = "clip"
    #: the size's quotient: "floor", "trunc" (toward zero, C++'s ``/``), or "tf" (TF's
    #: (W + P - span + S) / S toward zero)
    division: object = "floor"
    #: 'same': where an odd total of padding puts its extra element ("end" or "start")
    same_split: object = "end"
    #: 'same': whether the padding counts the dilated kernel ("use"), the bare one
    #: ("ignore": onnxruntime's pools), or the layer runs undilated altogether ("drop":
    #: Paddle, whose 'same' output is ceil(W/S) with the kernel's taps adjacent)
    same_dilation: object = "use"
    #: 'same' when the window is shorter than the stride, so the padding it needs is
    #: negative: "clamp" (no padding) or "refuse"
    same_negative: object = "clamp"
    #: transposed 'same': "stride" (W*S), "min" (min(W*S, the 'valid' size), onnxruntime),
    #: "keras" (W*S, or with output_padding given Keras' formula) or "forward" (the padding
    #: a forward 'same' conv would put on the input, cropped, Paddle)
    transposed_same: object = "stride"
    #: transposed 'valid' with no output_padding: "kernel" (W-1)S + d(F-1)+1, or "max"
    #: (W-1)S + max(d(F-1)+1, S) (Keras, flax: the output never shrinks below W*S)
    transposed_valid: object = "kernel"
    #: transposed explicit padding: "crop" (removed from the output, torch), or "lax"
    #: (added to the stride-dilated input before a stride-1 conv, jax.lax.conv_transpose)
    transposed_padding: object = "crop"
    #: a window wider than the padded input: "refuse" (torch raises, but in ceil mode,
    #: where the size formula decides), "always" (raises in ceil mode too, MXNet) or "size"
    #: (the formula decides: see ``empty``)
    too_wide: object = "refuse"
    #: an output size of 0 or less: "refuse" (the framework raises), "zero" (a size of 0
    #: comes back as an empty tensor, a negative one raises) or "all" (any size <= 0 comes
    #: back empty, flax).  cnnshape reports an empty output as an error all the same.
    empty: object = "refuse"
    #: transposed: whether the framework checks that the forward convolution of the output
    #: gives back the input ("forward", TF's conv_transpose) or not ("none")
    transposed_check: object = "none"
    #: rule ids in RULES the framework enforces; "id:family,family" limits one to families
    refuses: tuple = ()
    #: convolutions: params the framework creates ("weights+bias", or "none" for tf.nn,
    #: whose ops hold no variables)
    params: str = "weights+bias"
    #: {field: {value: how the framework writes that argument}} where its spelling is not
    #: name=value (Caffe's round_mode=CEIL, MindSpore's pad_mode='same')
    spell_values: dict = field(default_factory=dict)
    #: the framework's zero-padding layer, for a fix that pads before a layer: {d} is the
    #: number of axes, {last_first} the (begin, end) pairs from the last axis to the first
    #: flattened (torch's order), {pairs} the pairs in axis order (Keras' order)
    pad_layer: str = ""

    def pad_call(self, pads) -> str:
        """The framework's zero-padding layer for ``pads`` ((begin, end) per axis), or ''."""
        if not self.pad_layer:
            return ""
        last_first = tuple(p for b, e in reversed(pads) for p in (b, e))
        return self.pad_layer.format(d=len(pads), last_first=last_first,
                                     pairs=tuple(tuple(p) for p in pads))

    @property
    def label(self) -> str:
        """The framework's short name: "MindSpore", not "MindSpore (mindspore.nn)"."""
        return self.title.split(" (")[0]

    def spell(self, family: str, key: str, value) -> str:
        """``key=value`` as the framework writes it."""
        special = self.spell_values.get(key, {})
        if not isinstance(value, (list, dict)) and value in special:
            return special[value]
        if isinstance(value, tuple):
            value = value[0] if len(set(value)) == 1 else list(value)
        shown = repr(value) if isinstance(value, str) else "not set" if value is None \
            else str(value)
        return f"{self.names.get(family, {}).get(key, key)}={shown}"

    def rule(self, name: str, family: str):
        """The value of rule ``name`` for ``family``."""
        value = getattr(self, name)
        return value.get(family, value.get("*")) if isinstance(value, dict) else value

    def aliases(self, family: str) -> dict:
        """{name a user may write: (cnnshape field, converter)} for ``family``."""
        out = {native: (f, "same") for f, native in self.names.get(family, {}).items()}
        out.update(self.extra_aliases.get(family, {}))
        return out

    def rules(self, family: str) -> list:
        out = []
        for entry in self.refuses:
            rid, _, only = entry.partition(":")
            if family in RULES[rid].families and (not only or family in only.split(",")):
                out.append((rid, RULES[rid]))
        return out

    def call(self, family: str, dims: int) -> str:
        return self.calls.get(family, family).format(d=dims)


_TORCH_NAMES = {
    "conv": {f: f for f in ("kernel_size", "stride", "padding", "dilation", "groups", "bias")},
    "conv_transpose": {f: f for f in ("kernel_size", "stride", "padding", "dilation",
                                      "groups", "bias", "output_padding")},
    "maxpool": {f: f for f in ("kernel_size", "stride", "padding", "dilation", "ceil_mode")},
    "avgpool": {f: f for f in ("kernel_size", "stride", "padding", "ceil_mode",
                               "count_include_pad")},
}
_TORCH_DEFAULTS = {
    "conv": {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True},
    "conv_transpose": {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True,
                       "output_padding": 0},
    "maxpool": {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False},
    "avgpool": {"stride": None, "padding": 0, "ceil_mode": False, "count_include_pad": True},
}

#: No framework given: torch's arithmetic, plus TF's 'same' where torch refuses it.
DEFAULT = Dialect(
    name="default", title="cnnshape's default: torch's arithmetic, and TF's 'same' anywhere",
    source="torch 2.13.0", names=_TORCH_NAMES,
    calls={"conv": "Conv{d}d", "conv_transpose": "ConvTranspose{d}d",
           "maxpool": "MaxPool{d}d", "avgpool": "AvgPool{d}d"},
    defaults=_TORCH_DEFAULTS)

_POOLS = ("maxpool", "avgpool")
_CONVS = ("conv", "conv_transpose")


def _per(value, families, otherwise):
    """{family: value} for ``families``, ``otherwise`` for the rest."""
    return {f: value if f in families else otherwise for f in FAMILIES}


_ONNX_NAMES = {"kernel_size": "kernel_shape", "stride": "strides", "padding": "pads",
               "dilation": "dilations", "groups": "group", "bias": "B",
               "output_padding": "output_padding", "ceil_mode": "ceil_mode",
               "count_include_pad": "count_include_pad"}
_CAFFE_NAMES = {"out_channels": "num_output", "kernel_size": "kernel_size", "stride": "stride",
                "padding": "pad", "dilation": "dilation", "groups": "group",
                "bias": "bias_term", "ceil_mode": "round_mode"}


def _names(table: dict, per_family: dict, pools: dict | None = None) -> dict:
    """{family: {field: table[field]}} for the fields each family has; ``pools`` overrides
    the table for the pools (Keras' and MXNet's pool_size)."""
    out = {}
    for fam, fields in per_family.items():
        names = {**table, **(pools or {})} if fam in _POOLS else table
        out[fam] = {f: names[f] for f in fields if f in names}
    return out


_ONNX = Dialect(
    name="onnx", title="ONNX (onnxruntime)", source="onnxruntime 1.32.0, opset 17",
    names=_names(_ONNX_NAMES, {
        "conv": ("kernel_size", "stride", "padding", "dilation", "groups", "bias"),
        "conv_transpose": ("kernel_size", "stride", "padding", "dilation", "groups", "bias",
                           "output_padding"),
        "maxpool": ("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
        "avgpool": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")}),
    extra_aliases={f: {"auto_pad": ("padding", "auto_pad"), "pads": ("padding", "onnx_pads")}
                   for f in FAMILIES},
    spell_values={"padding": {"same": "auto_pad='SAME_UPPER'", "valid": "auto_pad='VALID'"}},
    calls={"conv": "Conv", "conv_transpose": "ConvTranspose", "maxpool": "MaxPool",
           "avgpool": "AveragePool"},
    defaults={"conv": {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": False},
              "conv_transpose": {"stride": 1, "padding": 0, "dilation": 1, "groups": 1,
                                 "bias": False, "output_padding": 0},
              "maxpool": {"stride": 1, "padding": 0, "dilation": 1, "ceil_mode": False},
              "avgpool": {"stride": 1, "padding": 0, "ceil_mode": False,
                          "count_include_pad": False}},
    division=_per("trunc", _POOLS, "floor"), same_dilation=_per("ignore", _POOLS, "use"),
    same_negative=_per("refuse", _POOLS, "clamp"), transposed_same="min",
    too_wide=_per("size", _POOLS, "refuse"), empty=_per("zero", _POOLS, "refuse"),
    refuses=("pool_pad_lt_kernel", "same_dilation:conv", "output_padding_stride"))

_CAFFE = Dialect(
    name="caffe", title="Caffe", source="BVLC/caffe 9b89154 (source: conv_layer.cpp, "
    "deconv_layer.cpp, pooling_layer.cpp; Caffe installs from no registry here)",
    names=_names(_CAFFE_NAMES, {
        "conv": ("out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                 "bias"),
        "conv_transpose": ("out_channels", "kernel_size", "stride", "padding", "dilation",
                           "groups", "bias"),
        "maxpool": ("kernel_size", "stride", "padding", "ceil_mode"),
        "avgpool": ("kernel_size", "stride", "padding", "ceil_mode")}),
    extra_aliases={f: {"round_mode": ("ceil_mode", "round_mode")} for f in _POOLS},
    spell_values={"ceil_mode": {True: "round_mode: CEIL", False: "round_mode: FLOOR"}},
    calls={"conv": "Convolution", "conv_transpose": "Deconvolution",
           "maxpool": "Pooling (MAX)", "avgpool": "Pooling (AVE)"},
    defaults={"conv": {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True},
              "conv_transpose": {"stride": 1, "padding": 0, "dilation": 1, "groups": 1,
                                 "bias": True, "output_padding": 0},
              "maxpool": {"stride": 1, "padding": 0, "ceil_mode": True},
              "avgpool": {"stride": 1, "padding": 0, "ceil_mode": True}},
    ceil="clip_if_padded", division=_per("trunc", _CONVS, "floor"), too_wide="size",
    empty="zero",
    refuses=("no_pad_modes", "pool_pad_lt_kernel", "pool_2d_only", "even_padding"))

def _family_names(table: dict) -> dict:
    """{family: {field: name}} from one table of names, for torch's fields per family."""
    return _names(table, {f: tuple(_TORCH_NAMES[f]) + ("out_channels",) for f in FAMILIES})


_MINDSPORE = Dialect(
    name="mindspore", title="MindSpore (mindspore.nn)", source="mindspore 2.10.0",
    names=_family_names({"kernel_size": "kernel_size", "stride": "stride", "padding": "padding",
                         "dilation": "dilation", "groups": "group", "bias": "has_bias",
                         "output_padding": "output_padding", "ceil_mode": "ceil_mode",
                         "count_include_pad": "count_include_pad"}),
    extra_aliases={f: {"pad_mode": ("$pad_mode", "same")} for f in FAMILIES},
    spell_values={"padding": {"same": "pad_mode='same'", "valid": "pad_mode='valid'"}},
    calls={"conv": "nn.Conv{d}d", "conv_transpose": "nn.Conv{d}dTranspose",
           "maxpool": "nn.MaxPool{d}d", "avgpool": "nn.AvgPool{d}d"},
    defaults={"conv": {"stride": 1, "padding": "same", "dilation": 1, "groups": 1,
                       "bias": False},
              "conv_transpose": {"stride": 1, "padding": "same", "dilation": 1, "groups": 1,
                                 "bias": False, "output_padding": None},
              "maxpool": {"stride": 1, "padding": "valid", "dilation": 1, "ceil_mode": False},
              "avgpool": {"stride": 1, "padding": "valid", "ceil_mode": False,
                          "count_include_pad": True}},
    too_wide="size", empty=_per("zero", _CONVS, "refuse"), transposed_valid="max",
    refuses=("pool_pad_half", "pool_args_need_pad:maxpool", "output_padding_torch",
             "no_output_padding_1d", "output_padding_needs_pad"))

_MXNET = Dialect(
    name="mxnet", title="MXNet (mxnet.gluon.nn)", source="mxnet 1.9.1",
    names=_names({"out_channels": "channels", "kernel_size": "kernel_size", "stride": "strides",
                  "padding": "padding", "dilation": "dilation", "groups": "groups",
                  "bias": "use_bias", "output_padding": "output_padding",
                  "ceil_mode": "ceil_mode", "count_include_pad": "count_include_pad"}, {
        "conv": ("out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                 "bias"),
        "conv_transpose": ("out_channels", "kernel_size", "stride", "padding", "dilation",
                           "groups", "bias", "output_padding"),
        "maxpool": ("kernel_size", "stride", "padding", "ceil_mode"),
        "avgpool": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")},
        pools={"kernel_size": "pool_size"}),
    extra_aliases={f: {"pooling_convention": ("ceil_mode", "convention")} for f in _POOLS},
    calls={"conv": "nn.Conv{d}D", "conv_transpose": "nn.Conv{d}DTranspose",
           "maxpool": "nn.MaxPool{d}D", "avgpool": "nn.AvgPool{d}D"},
    defaults=_TORCH_DEFAULTS, ceil="keep", too_wide=_per("always", _POOLS, "refuse"),
    empty=_per("zero", ("conv_transpose",), "refuse"),
    refuses=("no_pad_modes", "mkldnn_pool_pad", "output_padding_stride", "even_padding"))

_KERAS_NAMES = {"out_channels": "filters", "kernel_size": "kernel_size", "stride": "strides",
                "padding": "padding", "dilation": "dilation_rate", "groups": "groups",
                "bias": "use_bias", "output_padding": "output_padding"}
_KERAS = Dialect(
    name="keras", title="Keras 3 (keras.layers)", source="keras 3.15.1 (TensorFlow backend)",
    names=_names(_KERAS_NAMES, {
        "conv": ("out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                 "bias"),
        "conv_transpose": ("out_channels", "kernel_size", "stride", "padding", "dilation",
                           "bias", "output_padding"),
        "maxpool": ("kernel_size", "stride", "padding"),
        "avgpool": ("kernel_size", "stride", "padding")}, pools={"kernel_size": "pool_size"}),
    calls={"conv": "Conv{d}D", "conv_transpose": "Conv{d}DTranspose",
           "maxpool": "MaxPooling{d}D", "avgpool": "AveragePooling{d}D"},
    defaults={"conv": {"stride": 1, "padding": "valid", "dilation": 1, "groups": 1,
                       "bias": True},
              "conv_transpose": {"stride": 1, "padding": "valid", "dilation": 1, "bias": True,
                                 "output_padding": None},
              "maxpool": {"stride": None, "padding": "valid"},
              "avgpool": {"stride": None, "padding": "valid"}},
    pad_layer="layers.ZeroPadding{d}D({pairs})",
    transposed_valid="max", transposed_same="keras", transposed_check="forward",
    too_wide=_per("size", _POOLS, "refuse"), empty=_per("zero", _POOLS, "refuse"),
    division="tf",
    refuses=("pad_modes_only", "strided_dilation", "output_padding_stride",
             "no_dilation:conv_transpose"))

_TF = Dialect(
    name="tensorflow", title="TensorFlow (tf.nn)", source="tensorflow 2.21.0",
    names={**_names({"kernel_size": "filters", "stride": "strides", "padding": "padding",
                     "dilation": "dilations", "groups": "filters' in-depth"}, {
        "conv": ("kernel_size", "stride", "padding", "dilation", "groups"),
        "conv_transpose": ("kernel_size", "stride", "padding", "dilation", "groups")}),
        **{f: {"kernel_size": "ksize", "stride": "strides", "padding": "padding"}
           for f in _POOLS}},
    calls={"conv": "tf.nn.conv{d}d", "conv_transpose": "tf.nn.conv{d}d_transpose",
           "maxpool": "tf.nn.max_pool{d}d", "avgpool": "tf.nn.avg_pool{d}d"},
    defaults={"conv": {"dilation": 1, "groups": 1, "bias": False},
              "conv_transpose": {"dilation": 1, "groups": 1, "bias": False},
              "maxpool": {}, "avgpool": {}},
    required={f: ("stride", "padding") for f in FAMILIES},
    too_wide="size", empty="zero", division="tf",
    refuses=("needs_output_shape", "conv1d_pad_modes", "pool_pad_lt_kernel:maxpool",
             "pad_modes_only:avgpool"), params="none")

_JAX = Dialect(
    name="jax", title="JAX (flax.linen)", source="jax 0.10.2, flax 0.12.8",
    names=_names({"out_channels": "features", "kernel_size": "kernel_size",
                  "stride": "strides", "padding": "padding", "dilation": "kernel_dilation",
                  "groups": "feature_group_count", "bias": "use_bias"}, {
        "conv": ("out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                 "bias"),
        "conv_transpose": ("out_channels", "kernel_size", "stride", "padding", "dilation",
                           "bias"),
        "maxpool": ("kernel_size", "stride", "padding"),
        "avgpool": ("kernel_size", "stride", "padding")},
        pools={"kernel_size": "window_shape"}),
    calls={"conv": "nn.Conv", "conv_transpose": "nn.ConvTranspose",
           "maxpool": "nn.max_pool", "avgpool": "nn.avg_pool"},
    defaults={"conv": {"stride": 1, "padding": "same", "dilation": 1, "groups": 1,
                       "bias": True},
              "conv_transpose": {"stride": 1, "padding": "same", "dilation": 1, "bias": True,
                                 "output_padding": None},
              "maxpool": {"stride": 1, "padding": "valid"},
              "avgpool": {"stride": 1, "padding": "valid", "count_include_pad": True}},
    transposed_valid="max", transposed_padding="lax", too_wide="size", empty="all",
    refuses=("pool_int_padding",))

_PADDLE = Dialect(
    name="paddle", title="Paddle (paddle.nn)", source="paddlepaddle 3.3.1",
    names=_names({"kernel_size": "kernel_size", "stride": "stride", "padding": "padding",
                  "dilation": "dilation", "groups": "groups", "bias": "bias_attr",
                  "output_padding": "output_padding", "ceil_mode": "ceil_mode"}, {
        "conv": ("kernel_size", "stride", "padding", "dilation", "groups", "bias"),
        "conv_transpose": ("kernel_size", "stride", "padding", "dilation", "groups", "bias",
                           "output_padding"),
        "maxpool": ("kernel_size", "stride", "padding", "ceil_mode"),
        "avgpool": ("kernel_size", "stride", "padding", "ceil_mode")}),
    extra_aliases={"conv": {"bias_attr": ("bias", "bias_attr")},
                   "conv_transpose": {"bias_attr": ("bias", "bias_attr")},
                   "avgpool": {"exclusive": ("count_include_pad", "not")}},
    calls={"conv": "nn.Conv{d}D", "conv_transpose": "nn.Conv{d}DTranspose",
           "maxpool": "nn.MaxPool{d}D", "avgpool": "nn.AvgPool{d}D"},
    defaults={**_TORCH_DEFAULTS,
              "avgpool": {"stride": None, "padding": 0, "ceil_mode": False,
                          "count_include_pad": False}},
    ceil="keep", division="trunc", too_wide="size", empty=_per("all", ("conv",), "zero"),
    transposed_same="forward", same_dilation="drop",
    refuses=("output_padding_stride", "ceil_valid"))

DIALECTS = {d.name: d for d in (
    replace(DEFAULT, name="torch", title="PyTorch (torch.nn)",
            pad_layer="nn.ZeroPad{d}d({last_first})",
            calls={"conv": "nn.Conv{d}d", "conv_transpose": "nn.ConvTranspose{d}d",
                   "maxpool": "nn.MaxPool{d}d", "avgpool": "nn.AvgPool{d}d"},
            refuses=("pool_pad_half", "pool_no_pad_modes", "transposed_no_pad_modes",
                     "same_stride_1", "output_padding_torch", "even_padding")),
    _TF, _KERAS, _ONNX, _MINDSPORE, _PADDLE, _MXNET, _JAX, _CAFFE,
)}


def names() -> list[str]:
    return list(DIALECTS)


def get(name) -> Dialect:
    """The dialect called ``name``; None is the default (no framework given)."""
    if name is None:
        return DEFAULT
    return DIALECTS[name]


def unknown(name: str) -> str:
    """The message for a framework name that is not one."""
    from difflib import get_close_matches
    close = get_close_matches(str(name).lower(), DIALECTS, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}frameworks: {', '.join(DIALECTS)}"


def resolve(cls, values: dict, framework: str | None, spelling: str | None = None) -> dict:
    """``values`` as written (the framework's own names allowed) -> cnnshape's fields, with
    the framework's defaults for the arguments not given.  Raises Problems.

    ``spelling`` is the dialect whose argument names the values use (``cnnshape port``
    reads a MindSpore spec and computes it as torch would); it defaults to ``framework``.
    """
    from .layers import Problem, Problems
    family = cls.family
    dialect = get(framework)
    speaker = get(spelling or framework)
    aliases = speaker.aliases(family)
    own = speaker.names.get(family, {})
    out, problems = {}, []
    for key, value in values.items():
        if key in aliases:
            target, how = aliases[key]
        elif key in ARGUMENTS:
            if key not in own:
                problems.append(Problem(
                    "CS702", f"{speaker.title} {speaker.call(family, cls.dims or 2)} has no "
                    f"argument {key!r}", _has(speaker, family), key))
                continue
            target, how = key, "same"
        else:
            target, how = key, "same"   # cnnshape's own fields: out_channels, trainable
        if target in out:
            problems.append(Problem("CS701", f"{cls.type_name}: {key} and "
                                    f"{_native(speaker, family, target)} are the same "
                                    "argument, given twice", "give one of them", key))
            continue
        out[target] = CONVERT[how](value)
    if "$pad_mode" in out:
        _pad_mode(cls, out, speaker, problems)
    if problems:
        raise Problems(problems)
    for rid, rule in dialect.rules(family):
        why = rule.written and rule.test(out)
        if why:
            problems.append(Problem("CS705", f"{dialect.title} refuses this {cls.type_name}: "
                                    f"{why}", f"its rule: {rule.text}", "padding"))
    for key in dialect.required.get(family, ()):
        if key not in out:
            problems.append(Problem(
                "CS703", f"{dialect.title} {dialect.call(family, cls.dims or 2)} requires "
                f"{_native(dialect, family, key)}", f"give {key}", None))
    if problems:
        raise Problems(problems)
    for key, value in dialect.defaults.get(family, {}).items():
        out.setdefault(key, value)
    out["framework"] = framework
    return out


def _pad_mode(cls, out, speaker, problems):
    """MindSpore's pad_mode: 'same' and 'valid' are padding modes, 'pad' takes ``padding``
    (which must be 0 otherwise, as MindSpore checks)."""
    from .layers import Problem
    mode = str(out.pop("$pad_mode")).lower()
    if mode not in ("same", "valid", "pad"):
        problems.append(Problem("CS704", f"{cls.type_name}: pad_mode must be 'same', 'valid' "
                                f"or 'pad', got {mode!r}", "", "pad_mode"))
        return
    padding = out.get("padding", 0)
    if mode == "pad":
        out["padding"] = padding
    elif padding not in (0, mode):
        problems.append(Problem(
            "CS704", f"{speaker.title}: padding must be 0 when pad_mode is {mode!r}, got "
            f"{padding!r}", "give pad_mode='pad' with the padding, or leave padding out",
            "padding"))
    else:
        out["padding"] = mode


def _native(dialect, family, field_name):
    return dialect.names.get(family, {}).get(field_name, field_name)


def _has(dialect, family) -> str:
    names = list(dialect.names.get(family, {}).values())
    names += list(dialect.extra_aliases.get(family, {}))
    return f"its arguments are: {', '.join(names)}" if names else ""


def refusal(layer, sizes=None):
    """Why the layer's framework refuses it (a Problem), or None: the rules that need no
    input, or with ``sizes`` (the input's spatial sizes) the rules that need them."""
    from .layers import Problem
    dialect = get(layer.framework)
    for rid, rule in dialect.rules(layer.family):
        if rule.written or rule.sizes != (sizes is not None):
            continue
        why = rule.test(layer, sizes) if rule.sizes else rule.test(layer)
        if why:
            return Problem("CS705", f"{dialect.title} refuses this {layer.type_name}: {why}",
                           f"its rule: {rule.text}", rule.field)
    return None


# --- the docs table (docs/spec.md, Frameworks) -------------------------------------------

_FAMILY_NAMES = {"conv": "conv", "conv_transpose": "transposed", "maxpool": "max pool",
                 "avgpool": "avg pool"}


def _per_family(dialect, attr) -> str:
    values = {f: dialect.rule(attr, f) for f in FAMILIES}
    if len(set(map(str, values.values()))) == 1:
        return str(values["conv"])
    groups: dict = {}
    for f, v in values.items():
        groups.setdefault(str(v), []).append(_FAMILY_NAMES[f])
    return "; ".join(f"{', '.join(fs)}: {v}" for v, fs in groups.items())


def _default(dialect, family, key) -> str:
    if key in dialect.required.get(family, ()):
        return "required"
    if key not in dialect.names.get(family, {}):
        return "—"
    value = dialect.defaults.get(family, {}).get(key, "—")
    if key == "stride" and value is None:
        return "kernel"
    if value is None:
        return "inferred"
    return dialect.spell(family, key, value).replace("=", " = ", 1).split(" = ")[-1] \
        if "=" in dialect.spell(family, key, value) else dialect.spell(family, key, value)


def docs_table() -> str:
    """The rules of every framework, one column each: docs/spec.md's Frameworks table."""
    ds = list(DIALECTS.values())
    rows = [("recorded with", lambda d: d.source)]
    for family, key, label in (("conv", "bias", "conv: bias when not given"),
                               ("conv", "padding", "conv: padding when not given"),
                               ("conv_transpose", "padding",
                                "transposed: padding when not given"),
                               ("conv_transpose", "output_padding",
                                "transposed: output_padding when not given"),
                               ("maxpool", "stride", "pool: stride when not given"),
                               ("maxpool", "padding", "pool: padding when not given"),
                               ("maxpool", "ceil_mode", "pool: ceil_mode when not given")):
        rows.append((label, lambda d, f=family, k=key: _default(d, f, k)))
    rows.append(("ceil mode's last window (clip: dropped when it starts past the input)",
                 lambda d: d.ceil if "ceil_mode" in d.names.get("maxpool", {}) else "—"))
    for attr, label in (
                        ("division", "size quotient"),
                        ("same_split", "'same': odd padding element at the"),
                        ("same_dilation", "'same': dilated kernel"),
                        ("same_negative", "'same' with a window shorter than the stride"),
                        ("transposed_same", "transposed 'same'"),
                        ("transposed_valid", "transposed 'valid'"),
                        ("transposed_padding", "transposed explicit padding"),
                        ("too_wide", "window wider than the padded input"),
                        ("empty", "output of size 0")):
        rows.append((label, lambda d, a=attr: _per_family(d, a)))
    rows.append(("refuses", lambda d: "<br>".join(
        RULES[e.partition(":")[0]].text + (f" ({e.partition(':')[2]})" if ":" in e else "")
        for e in d.refuses) or "—"))
    rows.append(("its own argument names", lambda d: ", ".join(sorted({
        native for f in FAMILIES for native, (target, _) in d.aliases(f).items()
        if native != target})) or "—"))
    lines = ["| rule | " + " | ".join(d.name for d in ds) + " |",
             "| --- |" + " --- |" * len(ds)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(str(cell(d)).replace("|", "\\|")
                                                for d in ds) + " |")
    return "\n".join(lines)
