"""Ultralytics model YAMLs (yolov8n.yaml, yolo11s.yaml, ...) read as Ultralytics reads them.

``parse_model`` in ultralytics/nn/tasks.py is followed step by step: the scale letter from
the file name (``guess_model_scale``'s regex), else ``--scale``, else the first of
``scales`` (as Ultralytics assumes it, with a warning); depth, width and max_channels; a
repeat count ``max(round(n * depth), 1)`` with Python's rounding; ``make_divisible(min(c2,
max_channels) * width, 8)``; names in args (``nc``) as its ``locals()``; ``from`` indices.
Each Ultralytics module kind becomes one cnnshape block (a table of builders, registered
by module name); each model row one use of it named ``model.<i>``, its note what
Ultralytics' summary prints for the row (from, n, module, arguments).  The blocks are the
modules' eval-mode forward: a detection head ends in its decoded ``[4 + nc, anchors]``.
"""
import math
import re

from ..registry import registrar

#: module name -> builder(ctx, row) -> (c2, item); see the builders below
BUILDERS: dict = {}
SCALE = re.compile(r"yolo(e-)?[v]?\d+([nslmx])")
SILU = "silu"


builder = registrar(BUILDERS)  # @builder("Name", ...) files a function under names


def make_divisible(x, divisor=8) -> int:
    """ultralytics.utils.ops.make_divisible: the nearest multiple of divisor at or above x."""
    return math.ceil(x / divisor) * divisor


def autopad(k, p=None, d=1):
    if d > 1:
        k = d * (k - 1) + 1
    return k // 2 if p is None else p


class Row:
    """One model row: where it stands, its from/n/module/args as parse_model leaves them."""

    def __init__(self, i, f, n, n_, module, args, line):
        self.i, self.f, self.n, self.n_, self.module, self.args, self.line = \
            i, f, n, n_, module, args, line


class Context:
    """The blocks written so far and the model's settings."""

    def __init__(self, path, scale, width, max_channels):
        self.path, self.scale, self.width, self.max_channels = path, scale, width, max_channels
        self.blocks: dict = {}
        self.legacy = True  # v3/v5/v8/v9 heads, until a C3k2, A2C2f or C2fCIB is met

    def block(self, name, params, layers, description=""):
        if name not in self.blocks:
            body = {}
            if description:
                body["description"] = description
            if params:
                body["params"] = params
            body["layers"] = layers
            self.blocks[name] = body
        return name

    def scaled(self, c2):
        return make_divisible(min(c2, self.max_channels) * self.width, 8)


def _error(path, line, code, message, hint=""):
    from ..diagnostics import Diagnostic, SpecError
    return SpecError([Diagnostic(path, line, 1, code, "error", message, hint)])


def _ref(i, j):
    """The name of the layer ``from`` index j points at, seen from row i."""
    return "previous" if j == -1 else f"model.{j % i if j < 0 else j}"


# --- the shared blocks ----------------------------------------------------------------

def conv_block(ctx):
    """ultralytics Conv: Conv2d (no bias), BatchNorm2d, SiLU (or nothing: act=False)."""
    return ctx.block("Conv", ["c2", {"k": 1}, {"s": 1}, {"p": 0}, {"g": 1}, {"d": 1},
                              {"act": SILU}],
                     ["conv2d $c2 k$k s$s p$p g$g d$d bias=false name=conv",
                      "batchnorm2d name=bn", "$act name=act"],
                     "ultralytics Conv: conv (no bias), batch norm, activation")


def conv(c2, k=1, s=1, p=None, g=1, d=1, act=True):
    """An inline use of the Conv block."""
    text = f"Conv {c2} k={k} s={s} p={autopad(k, p, d)}"
    text += f" g={g}" if g != 1 else ""
    text += f" d={d}" if d != 1 else ""
    return text + ("" if act else " act=identity")


def bottleneck(ctx, c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5, rep=False):
    """(block use text) Bottleneck(c1, c2, shortcut, g, k, e): two Convs, a residual when
    shortcut and c1 == c2.  ``rep``: RepBottleneck, whose first Conv is a RepConv."""
    conv_block(ctx)
    c_ = int(c2 * e)
    add = shortcut and c1 == c2
    first = "RepConv $c_" if rep else "Conv $c_ k=$k1 p=$p1"
    if rep:
        repconv(ctx)
    body = [first + " name=cv1", "Conv $c2 k=$k2 p=$p2 g=$g name=cv2"]
    name = ("RepBottleneck" if rep else "Bottleneck") + ("" if add else "_plain")
    ctx.block(name, ["c_", "c2", {"k1": 3}, {"p1": 1}, {"k2": 3}, {"p2": 1}, {"g": 1}],
              [{"add": [[], body]}] if add else body,
              "Bottleneck: two Convs" + (", with the input added" if add else ""))
    return f"{name} {c_} {c2} k1={k[0]} p1={k[0] // 2} k2={k[1]} p2={k[1] // 2} g={g}"


def repconv(ctx):
    """RepConv(c1, c2, 3, 1) in training form (as built): 3x3 Conv + 1x1 Conv, summed."""
    conv_block(ctx)
    return ctx.block("RepConv", ["c2"], [
        {"add": [["Conv $c2 k=3 p=1 act=identity name=conv1"],
                 ["Conv $c2 k=1 p=0 act=identity name=conv2"]]}, "silu name=act"],
        "RepConv as built (unfused): a 3x3 and a 1x1 Conv summed, then SiLU")


def c3_like(ctx, name, c2, c_, inner, n, cv1_k=1):
    """C3(c1, c2, n): cv3(cat(m(cv1(x)), cv2(x))); m is n copies of ``inner``."""
    conv_block(ctx)
    ctx.block(name, ["c2", "c_", "n", "m"], [
        "Conv $c_ inputs=input name=cv2",
        "Conv $c_ inputs=input name=cv1",
        {"repeat": "$n", "layers": ["$m"]},
        "concat inputs=previous,cv2",
        "Conv $c2 name=cv3"],
        f"{name}: cv3(cat(m(cv1(x)), cv2(x))), m being n blocks")
    return {"type": name, "c2": c2, "c_": c_, "n": n, "m": inner}


def c2f_like(ctx, name, c2, c, inner, n, split="chunk 2"):
    """C2f(c1, c2, n): cv1 to 2c channels, split in halves, n blocks chained on the second,
    every output concatenated, cv2."""
    conv_block(ctx)
    layers = [f"Conv {'$cc'} name=cv1", f"{split} name=y"]
    prev = "y.1"
    for j in range(n):
        layers.append(f"$m inputs={prev} name=m{j}")
        prev = f"m{j}"
    layers += [{"type": "concat", "inputs": ["y.0", "y.1"] + [f"m{j}" for j in range(n)]},
               "Conv $c2 name=cv2"]
    block = ctx.block(f"{name}_n{n}", ["c2", "cc", "m"], layers,
                      f"{name} with {n} inner block{'s' if n > 1 else ''}: cv1, split in "
                      "two, the blocks chained on the second half, all concatenated, cv2")
    return {"type": block, "c2": c2, "cc": 2 * c, "m": inner}


# --- module builders: (ctx, row, c1s) -> (c2, the use's text or mapping) -------------

@builder("Conv")
def _conv(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    k, s, p, g, d, act = (list(r.args[1:]) + [1, 1, None, 1, 1, True][len(r.args) - 1:])[:6]
    conv_block(ctx)
    return c2, conv(c2, k, s, p, g, d, act)


@builder("DWConv")
def _dwconv(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    k, s, d, act = (list(r.args[1:]) + [1, 1, 1, True][len(r.args) - 1:])[:4]
    conv_block(ctx)
    return c2, conv(c2, k, s, None, math.gcd(c1, c2), d, act)


@builder("GhostConv")
def _ghostconv(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    k, s, g = (list(r.args[1:]) + [1, 1, 1][len(r.args) - 1:])[:3]
    return c2, ghostconv(ctx, c2, k, s, g)


def ghostconv(ctx, c2, k=1, s=1, g=1, act=True):
    conv_block(ctx)
    ctx.block("GhostConv", ["c_", {"k": 1}, {"s": 1}, {"p": 0}, {"g": 1}, {"act": SILU}], [
        "Conv $c_ k=$k s=$s p=$p g=$g act=$act name=cv1",
        "Conv $c_ k=5 p=2 g=$c_ act=$act name=cv2",
        "concat inputs=cv1,cv2"], "GhostConv: a Conv to half the channels, a depthwise 5x5 "
        "of it, both concatenated")
    return (f"GhostConv {c2 // 2} k={k} s={s} p={k // 2} g={g}"
            + ("" if act else " act=identity"))


@builder("Concat")
def _concat(ctx, r, c1):
    return None, {"type": "concat", "inputs": [_ref(r.i, j) for j in r.f]}


@builder("nn.Upsample")
def _upsample(ctx, r, c1):
    size, scale, mode = (list(r.args) + [None, None, "nearest"][len(r.args):])[:3]
    if size is not None:
        raise _error(ctx.path, r.line, "CS512", f"row {r.i}: nn.Upsample with a size is not "
                     "read", "give scale_factor")
    return c1, f"upsample {scale} mode={mode}"


@builder("nn.MaxPool2d")
def _maxpool(ctx, r, c1):
    k, s, p = (list(r.args) + [None, None, 0][len(r.args):])[:3]
    return c1, f"maxpool2d {k} s{s or k} p{p}"


@builder("nn.ZeroPad2d")
def _zeropad(ctx, r, c1):
    p = r.args[0]
    if isinstance(p, int):
        p = [p] * 4
    left, right, top, bottom = p  # torch's order: last axis first
    return c1, {"type": "zeropad2d", "padding": [[top, bottom], [left, right]]}


@builder("nn.ConvTranspose2d")
def _convtranspose(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    k, s, p = (list(r.args[1:]) + [1, 1, 0][len(r.args) - 1:])[:3]
    return c2, f"conv_transpose2d {c2} k{k} s{s} p{p}"


@builder("Bottleneck")
def _bottleneck(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    shortcut, g, k, e = (list(r.args[1:]) + [True, 1, (3, 3), 0.5][len(r.args) - 1:])[:4]
    return c2, bottleneck(ctx, c1, c2, shortcut, g, k, e)


@builder("C3")
def _c3(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    shortcut, g, e = (list(r.args[1:]) + [True, 1, 0.5][len(r.args) - 1:])[:3]
    c_ = int(c2 * e)
    inner = bottleneck(ctx, c_, c_, shortcut, g, (1, 3), 1.0)  # k=((1, 1), (3, 3))
    return c2, c3_like(ctx, "C3", c2, c_, inner, r.n_)


@builder("C3Ghost")
def _c3ghost(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    c_ = int(c2 * 0.5)
    ghostconv(ctx, c_)
    ctx.block("GhostBottleneck", ["c_", "c2"], [{"add": [[], [
        "GhostConv $c_ name=conv1", "GhostConv $c2 act=identity name=conv2"]]}],
        "GhostBottleneck, stride 1: two GhostConvs, the input added")
    inner = f"GhostBottleneck {c_ // 2 // 2} {c_ // 2}"
    return c2, c3_like(ctx, "C3Ghost", c2, c_, inner, r.n_)


@builder("C2f")
def _c2f(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    shortcut, g, e = (list(r.args[1:]) + [False, 1, 0.5][len(r.args) - 1:])[:3]
    c = int(c2 * e)
    return c2, c2f_like(ctx, "C2f", c2, c, bottleneck(ctx, c, c, shortcut, g, (3, 3), 1.0),
                        r.n_)


@builder("C2")
def _c2(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    shortcut, g, e = (list(r.args[1:]) + [True, 1, 0.5][len(r.args) - 1:])[:3]
    c = int(c2 * e)
    inner = bottleneck(ctx, c, c, shortcut, g, (3, 3), 1.0)
    conv_block(ctx)
    n = r.n_
    layers = ["Conv $cc name=cv1", "chunk 2 name=y", "$m inputs=y.0"]
    if n > 1:
        layers.append({"repeat": n - 1, "layers": ["$m"]})
    layers += ["concat inputs=previous,y.1", "Conv $c2 name=cv2"]
    block = ctx.block(f"C2_n{n}", ["c2", "cc", "m"], layers,
                      "C2: cv1, split in two, Bottlenecks on the first half, joined to the "
                      "second, cv2")
    return c2, {"type": block, "c2": c2, "cc": 2 * c, "m": inner}


def _c3k(ctx, c_, shortcut, g) -> str:
    """Define C3k (a C3 of two 3x3 Bottlenecks, hidden width ``c_``); its block name."""
    bname = bottleneck(ctx, c_, c_, shortcut, g, (3, 3), 1.0).split()[0]
    name = "C3k" if bname == "Bottleneck" else "C3k_plain"
    ctx.block(name, ["c2", "c_"], [
        "Conv $c_ inputs=input name=cv2", "Conv $c_ inputs=input name=cv1",
        f"{bname} $c_ $c_ name=m0", f"{bname} $c_ $c_ name=m1",
        "concat inputs=previous,cv2", "Conv $c2 name=cv3"],
        "C3k: a C3 of two 3x3 Bottlenecks")
    return name


@builder("C3k2")
def _c3k2(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    a = list(r.args[1:])  # c3k, e, attn, g, shortcut
    if ctx.scale in ("m", "l", "x"):
        a[0:1] = [True]
    c3k, e, attn, g, shortcut = (a + [False, 0.5, False, 1, True][len(a):])[:5]
    if attn:
        raise _error(ctx.path, r.line, "CS512", f"row {r.i}: C3k2 with attn=True is not read "
                     "yet", "")
    c = int(c2 * e)
    if c3k:
        c_ = int(c * 0.5)
        name = _c3k(ctx, c_, shortcut, g)
        inner = f"{name} {c} {c_}"
    else:
        inner = bottleneck(ctx, c, c, shortcut, g, (3, 3), 0.5)
    return c2, c2f_like(ctx, "C3k2", c2, c, inner, r.n_)


@builder("SPPF")
def _sppf(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    k, n, shortcut = (list(r.args[1:]) + [5, 3, False][len(r.args) - 1:])[:3]
    act = SILU if len(r.args) <= 2 else "identity"  # legacy rows keep cv1's activation
    c_ = c1 // 2
    conv_block(ctx)
    pools = [f"maxpool2d $k s1 p$p name=m{j}" for j in range(n)]
    ctx.block(f"SPPF_n{n}", ["c_", "c2", {"k": 5}, {"p": 2}, {"act": SILU}], [
        "Conv $c_ act=$act name=cv1", *pools,
        {"type": "concat", "inputs": ["cv1"] + [f"m{j}" for j in range(n)]},
        "Conv $c2 name=cv2"], "SPPF: cv1, a max pool applied n times in a row, every "
        "output concatenated, cv2")
    if shortcut and c1 == c2:
        raise _error(ctx.path, r.line, "CS512", f"row {r.i}: SPPF with shortcut is not read "
                     "yet", "")
    return c2, f"SPPF_n{n} {c_} {c2} k={k} p={k // 2} act={act}"


@builder("SPP")
def _spp(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    ks = list(r.args[1]) if len(r.args) > 1 else [5, 9, 13]
    c_ = c1 // 2
    conv_block(ctx)
    ctx.block("SPP", ["c_", "c2"], [
        "Conv $c_ name=cv1",
        *[f"maxpool2d {k} s1 p{k // 2} inputs=cv1 name=m{k}" for k in ks],
        {"type": "concat", "inputs": ["cv1"] + [f"m{k}" for k in ks]},
        "Conv $c2 name=cv2"], f"SPP: cv1, max pools of {ks} beside it, concatenated, cv2")
    return c2, f"SPP {c_} {c2}"


@builder("SCDown")
def _scdown(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    k, s = r.args[1], r.args[2]
    conv_block(ctx)
    ctx.block("SCDown", ["c2", "k", "s"],
              ["Conv $c2 name=cv1", "Conv $c2 k=$k s=$s p=1 g=$c2 act=identity name=cv2"],
        "SCDown: a 1x1 Conv, then a depthwise strided Conv")
    if k // 2 != 1:
        raise _error(ctx.path, r.line, "CS512", f"row {r.i}: SCDown with k={k}", "")
    return c2, f"SCDown {c2} {k} {s}"


@builder("AConv")
def _aconv(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    conv_block(ctx)
    ctx.block("AConv", ["c2"], ["avgpool2d 2 s1 name=pool", "Conv $c2 k=3 s=2 p=1 name=cv1"],
              "AConv: a 2x2 average pool of stride 1, then a strided 3x3 Conv")
    return c2, f"AConv {c2}"


@builder("ELAN1", "RepNCSPELAN4")
def _elan(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    c3, c4 = r.args[1], r.args[2]
    conv_block(ctx)
    if r.module == "ELAN1":
        ctx.block("ELAN1", ["c2", "c3", "c4"], [
            "Conv $c3 name=cv1", "chunk 2 name=y", "Conv $c4 k=3 p=1 inputs=y.1 name=cv2",
            "Conv $c4 k=3 p=1 name=cv3", "concat inputs=y.0,y.1,cv2,cv3",
            "Conv $c2 name=cv4"], "ELAN1: cv1, split in two, two 3x3 Convs chained on the "
            "second half, all concatenated, cv4")
        return c2, f"ELAN1 {c2} {c3} {c4}"
    n = r.args[3] if len(r.args) > 3 else 1
    c_ = int(c4 * 0.5)
    inner = bottleneck(ctx, c_, c_, True, 1, (3, 3), 1.0, rep=True)
    c3_like(ctx, "RepCSP", c4, c_, inner, n)
    ctx.block("RepNCSPELAN4", ["c2", "c3", "c4", "c_", "n", "m"], [
        "Conv $c3 name=cv1", "chunk 2 name=y",
        {"RepCSP": {"c2": "$c4", "c_": "$c_", "n": "$n", "m": "$m", "inputs": "y.1",
                    "name": "cv2a"}}, "Conv $c4 k=3 p=1 name=cv2",
        {"RepCSP": {"c2": "$c4", "c_": "$c_", "n": "$n", "m": "$m", "name": "cv3a"}},
        "Conv $c4 k=3 p=1 name=cv3",
        "concat inputs=y.0,y.1,cv2,cv3", "Conv $c2 name=cv4"],
        "RepNCSPELAN4: cv1, split in two, two RepCSP + 3x3 Conv stages chained on the "
        "second half, all concatenated, cv4")
    return c2, {"type": "RepNCSPELAN4", "c2": c2, "c3": c3, "c4": c4, "c_": c_, "n": n,
                "m": inner}


@builder("SPPELAN")
def _sppelan(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    c3 = r.args[1]
    k = r.args[2] if len(r.args) > 2 else 5
    conv_block(ctx)
    ctx.block("SPPELAN", ["c2", "c3", {"k": 5}, {"p": 2}], [
        "Conv $c3 name=cv1", "maxpool2d $k s1 p$p name=cv2", "maxpool2d $k s1 p$p name=cv3",
        "maxpool2d $k s1 p$p name=cv4", "concat inputs=cv1,cv2,cv3,cv4",
        "Conv $c2 name=cv5"], "SPPELAN: cv1, three max pools in a row, all concatenated, cv5")
    return c2, f"SPPELAN {c2} {c3} k={k} p={k // 2}"


def attention(ctx, dim, num_heads, attn_ratio=0.5):
    """Attention(dim, num_heads): qkv 1x1, per head q^T k softmax, v attn^T, plus a
    depthwise 3x3 of v, proj 1x1 (PSA, C2PSA)."""
    conv_block(ctx)
    head_dim = dim // num_heads
    key_dim = int(head_dim * attn_ratio)
    h = dim + key_dim * num_heads * 2
    qkvd = 2 * key_dim + head_dim
    ctx.block("Attention", ["dim", "h", "nh", "qkvd", "kd", "hd"], [
        "Conv $h act=identity name=qkv",
        {"type": "reshape", "shape": ["$nh", "$qkvd", -1], "name": "heads"},
        {"type": "split", "split_size_or_sections": ["$kd", "$kd", "$hd"], "dim": 1,
         "name": "qkv_split"},
        "permute 0,2,1 inputs=qkv_split.0 name=q_t",
        "matmul inputs=q_t,qkv_split.1 name=scores",
        "softmax dim=-1 name=attn",
        "permute 0,2,1 name=attn_t",
        "matmul inputs=qkv_split.2,attn_t name=mixed",
        "reshape_as inputs=mixed,input name=x",
        "reshape_as inputs=qkv_split.2,input name=v",
        "Conv $dim k=3 p=1 g=$dim act=identity name=pe",
        "add inputs=x,pe",
        "Conv $dim act=identity name=proj"],
        "Attention: qkv 1x1 Conv; per head softmax(q^T k) and v attn^T; plus a depthwise "
        "3x3 of v; proj 1x1 Conv (dist scale and softmax count no MACs)")
    return f"Attention {dim} {h} {num_heads} {qkvd} {key_dim} {head_dim}"


def psablock(ctx, c, num_heads):
    att = attention(ctx, c, num_heads)
    ctx.block("PSABlock", ["c", "cc", "h", "nh", "qkvd", "kd", "hd"], [
        {"add": [[], ["Attention $c $h $nh $qkvd $kd $hd"]]},
        {"add": [[], ["Conv $cc name=ffn0", "Conv $c act=identity name=ffn1"]]}],
        "PSABlock: x + attn(x), then x + ffn(x)")
    return "PSABlock " + " ".join([str(c), str(2 * c)] + att.split()[2:])


@builder("C2PSA", "PSA")
def _c2psa(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    e = 0.5
    c = int(c1 * e)
    inner = psablock(ctx, c, max(c // 64, 1))
    conv_block(ctx)
    n = r.n_ if r.module == "C2PSA" else 1
    ctx.block(r.module, ["c1", "cc", "c", "n", "m"], [
        "Conv $cc name=cv1", {"type": "split", "split_size_or_sections": ["$c", "$c"],
                              "name": "ab"},
        "identity inputs=ab.1 name=b",
        {"repeat": "$n", "layers": ["$m"]},
        "concat inputs=ab.0,previous", "Conv $c1 name=cv2"],
        f"{r.module}: cv1, split in two, PSABlocks on the second half, joined to the "
        "first, cv2")
    return c2, {"type": r.module, "c1": c1, "cc": 2 * c, "c": c, "n": n, "m": inner}


@builder("ADown")
def _adown(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    conv_block(ctx)
    ctx.block("ADown", ["c"], [
        "avgpool2d 2 s1 name=pool", "chunk 2 name=x", "Conv $c k=3 s=2 p=1 inputs=x.0 name=cv1",
        "maxpool2d 3 s2 p1 inputs=x.1 name=pool2", "Conv $c name=cv2",
        "concat inputs=cv1,cv2"],
        "ADown: a 2x2 average pool of stride 1, split in two; a strided 3x3 Conv on one half, "
        "a strided 3x3 max pool and a 1x1 Conv on the other; concatenated")
    return c2, f"ADown {c2 // 2}"


def cib(ctx, c1, c2, shortcut=True, e=0.5, lk=False):
    """CIB(c1, c2, shortcut, e, lk): depthwise 3x3, 1x1, depthwise 3x3 (or RepVGGDW's 7x7 +
    3x3), 1x1, depthwise 3x3; a residual when shortcut and c1 == c2."""
    conv_block(ctx)
    c_ = int(c2 * e)
    add = shortcut and c1 == c2
    if lk:
        ctx.block("RepVGGDW", ["ed"], [
            {"add": [["Conv $ed k=7 p=3 g=$ed act=identity name=conv"],
                     ["Conv $ed k=3 p=1 g=$ed act=identity name=conv1"]]}, "silu name=act"],
            "RepVGGDW as built: depthwise 7x7 and 3x3 Convs summed, then SiLU")
    mid = "RepVGGDW $cc" if lk else "Conv $cc k=3 p=1 g=$cc"
    body = ["Conv $c1 k=3 p=1 g=$c1", "Conv $cc", mid, "Conv $c2", "Conv $c2 k=3 p=1 g=$c2"]
    name = "CIB" + ("_lk" if lk else "") + ("" if add else "_plain")
    ctx.block(name, ["c1", "cc", "c2"], [{"add": [[], body]}] if add else body,
              "CIB: depthwise and pointwise Convs in turn" + (", RepVGGDW in the middle"
                                                              if lk else "")
              + (", the input added" if add else ""))
    return f"{name} {c1} {2 * c_} {c2}"


@builder("C2fCIB")
def _c2fcib(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    shortcut, lk, g, e = (list(r.args[1:]) + [False, False, 1, 0.5][len(r.args) - 1:])[:4]
    c = int(c2 * e)
    return c2, c2f_like(ctx, "C2fCIB", c2, c, cib(ctx, c, c, shortcut, 1.0, lk), r.n_)


def aattn(ctx, dim, num_heads, area):
    conv_block(ctx)
    hd = dim // num_heads
    ctx.block("AAttn", ["dim", "qkv", "nh", "hd3", "hd", "area"], [
        "Conv $qkv act=identity name=qkv",
        {"type": "reshape", "shape": ["$qkv", -1]}, "permute 1,0",
        {"type": "reshape", "shape": ["$area", -1, "$nh", "$hd3"]},
        "permute 0,2,3,1 name=heads",
        {"type": "split", "split_size_or_sections": ["$hd", "$hd", "$hd"], "dim": 2,
         "name": "qkv_split"},
        "permute 0,1,3,2 inputs=qkv_split.0 name=q_t",
        "matmul inputs=q_t,qkv_split.1 name=scores",
        "softmax dim=-1 name=attn", "permute 0,1,3,2 name=attn_t",
        "matmul inputs=qkv_split.2,attn_t name=mixed",
        "permute 1,2,0 inputs=input name=hwc",
        "permute 0,3,1,2 inputs=mixed", "reshape_as inputs=previous,hwc",
        "permute 2,0,1 name=x",
        "permute 0,3,1,2 inputs=qkv_split.2", "reshape_as inputs=previous,hwc",
        "permute 2,0,1 name=v",
        "Conv $dim k=7 p=3 g=$dim act=identity name=pe",
        "add inputs=x,pe", "Conv $dim act=identity name=proj"],
        "AAttn, area attention: qkv 1x1 Conv; the places cut into `area` parts, per part "
        "and head softmax(q^T k) and v attn^T; plus a depthwise 7x7 of v; proj 1x1 Conv")
    return f"AAttn {dim} {3 * dim} {num_heads} {3 * hd} {hd} {area}"


@builder("A2C2f")
def _a2c2f(ctx, r, c1):
    c2 = ctx.scaled(r.args[0])
    a = list(r.args[1:])
    if ctx.scale in ("l", "x"):  # parse_model: args.extend((True, 1.2)) for L/X sizes
        a += [True, 1.2]
    a2, area, residual, mlp_ratio, e, g, shortcut = (
        a + [True, 1, False, 2.0, 0.5, 1, True][len(a):])[:7]
    c_ = int(c2 * e)
    conv_block(ctx)
    if a2:
        att = aattn(ctx, c_, c_ // 32, area)
        hidden = int(c_ * mlp_ratio)
        ctx.block("ABlock", ["dim", "qkv", "nh", "hd3", "hd", "area", "hidden"], [
            {"add": [[], ["AAttn $dim $qkv $nh $hd3 $hd $area"]]},
            {"add": [[], ["Conv $hidden name=mlp0", "Conv $dim act=identity name=mlp1"]]}],
            "ABlock: x + attn(x), then x + mlp(x)")
        ctx.block("ABlock2", ["dim", "qkv", "nh", "hd3", "hd", "area", "hidden"], [
            "ABlock $dim $qkv $nh $hd3 $hd $area $hidden",
            "ABlock $dim $qkv $nh $hd3 $hd $area $hidden"], "two ABlocks")
        inner = "ABlock2 " + " ".join(att.split()[1:]) + f" {hidden}"
    else:
        c_k = int(c_ * 0.5)
        name = _c3k(ctx, c_k, shortcut, g)
        inner = f"{name} {c_} {c_k}"
    n = r.n_
    layers = ["Conv $c_ name=cv1"]
    prev = "cv1"
    for j in range(n):
        layers.append(f"$m inputs={prev} name=m{j}")
        prev = f"m{j}"
    layers += [{"type": "concat", "inputs": ["cv1"] + [f"m{j}" for j in range(n)]},
               "Conv $c2 name=cv2"]
    gamma = a2 and residual
    if gamma:  # x + gamma * y: a learned per-channel scale, c2 params
        layers += ["layer_scale init_values=0.01 name=gamma", "add inputs=input,gamma"]
    block = ctx.block(f"A2C2f_n{n}" + ("_res" if gamma else ""), ["c2", "c_", "m"], layers,
                      "A2C2f: cv1, n blocks (two ABlocks each, or a C3k) chained, all "
                      "concatenated, cv2" + (", scaled by gamma and added to the input"
                                             if gamma else ""))
    return c2, {"type": block, "c2": c2, "c_": c_, "m": inner}


@builder("nn.Identity")
def _identity(ctx, r, c1):
    return c1, "identity"


@builder("CBLinear")
def _cblinear(ctx, r, c1):
    """CBLinear(c1, c2s, k, s, p, g): one conv (with bias) to sum(c2s) channels, split
    into parts of c2s, read by CBFuse as model.<i>.<part>."""
    c2s = list(r.args[0])
    k, s, p, g = (list(r.args[1:]) + [1, 1, None, 1][len(r.args) - 1:])[:4]
    ctx.block("CBLinear", ["c2", "c2s", {"k": 1}, {"s": 1}, {"p": 0}, {"g": 1}], [
        "conv2d $c2 k$k s$s p$p g$g name=conv",
        {"type": "split", "split_size_or_sections": "$c2s", "name": "parts"}],
        "CBLinear: a conv to all the parts' channels, split into them")
    return c2s, {"type": "CBLinear", "c2": sum(c2s), "c2s": c2s, "k": k, "s": s,
                 "p": autopad(k, p), "g": g}


@builder("CBFuse")
def _cbfuse(ctx, r, c1s):
    """CBFuse(idx): the idx[i]-th part of each earlier CBLinear resized (nearest) to the
    last input's size, all summed."""
    idx = r.args[0]
    layers, names = [], []
    for j, (source, part) in enumerate(zip(r.f[:-1], idx)):
        layers.append({"type": "interpolate_as",
                       "inputs": [f"{_ref(r.i, source)}.{part}", _ref(r.i, r.f[-1])],
                       "name": f"fuse{j}"})
        names.append(f"fuse{j}")
    last = _ref(r.i, r.f[-1])
    layers.append({"type": "add", "inputs": names + [last]})
    name = ctx.block(f"CBFuse_{len(idx)}", [], layers,
                     "CBFuse: parts of earlier CBLinears resized to the last input, summed")
    return None, {"type": name}


@builder("ResNetLayer")
def _resnetlayer(ctx, r, c1):
    """ResNetLayer(c1, c2, s, is_first, n, e=4): a 7x7 stem and max pool, or n
    ResNetBlocks (1x1, 3x3 of stride s, 1x1 to e*c2, a projection when the shape
    changes, ReLU after the sum).  parse_model passes its args as written."""
    c1_, c2, s, is_first, n, e = (list(r.args) + [1, False, 1, 4][len(r.args) - 2:])[:6]
    conv_block(ctx)
    if is_first:
        ctx.block("ResNetStem", ["c2"], ["Conv $c2 k=7 s=2 p=3", "maxpool2d 3 s2 p1"],
                  "ResNetLayer's first: a 7x7 Conv of stride 2, a 3x3 max pool of stride 2")
        return c2, f"ResNetStem {c2}"
    body = ["Conv $c2", "Conv $c2 k=3 s=$s p=1", "Conv $c3 act=identity"]
    ctx.block("ResNetBlock", ["c2", "c3", {"s": 1}],
              [{"add": [body, ["Conv $c3 s=$s act=identity name=shortcut"]]}, "relu"],
              "ResNetBlock with a projection: 1x1, 3x3 (stride s), 1x1 Convs; a 1x1 Conv "
              "on the shortcut; ReLU after the sum")
    ctx.block("ResNetBlock_id", ["c2", "c3", {"s": 1}], [{"add": [body, []]}, "relu"],
              "ResNetBlock: 1x1, 3x3, 1x1 Convs, the input added, ReLU")
    c3 = e * c2
    first = "ResNetBlock" if s != 1 or c1 != c3 else "ResNetBlock_id"
    layers = [f"{first} $c2 $c3" + (" s=$s" if first == "ResNetBlock" else "")]
    if n > 1:
        layers.append({"repeat": n - 1, "layers": ["ResNetBlock_id $c2 $c3"]})
    name = ctx.block(f"ResNetLayer_{first}_n{n}", ["c2", "c3", "s"], layers,
                     "ResNetLayer: n ResNetBlocks, the first one changing the shape")
    return c3, {"type": name, "c2": c2, "c3": c3, "s": s}


#: the task heads, one builder: Detect and the heads derived from it
HEADS = ("Detect", "Segment", "Pose", "OBB", "v10Detect")


@builder(*HEADS)
def _detect(ctx, r, c1s):
    """The detection heads in eval mode (ultralytics/nn/modules/head.py).  The network's
    output is the first element of what the head returns: Detect [4 + nc, anchors];
    Segment, Pose and OBB append their per-anchor extras (mask coefficients, keypoints,
    angle).  Segment's proto masks and v10Detect's one-to-one branch are computed (their
    params and MACs count, as in torch) beside it: side outputs, named in the spec's
    ``outputs:`` (SIDE_OUTPUTS)."""
    module, args = r.module, r.args
    nc = args[0]
    reg_max = ctx.reg_max
    if ctx.end2end or reg_max != 16:  # YOLO26's heads: a topk output and no DFL
        raise _error(ctx.path, r.line, "CS512", f"row {r.i}: a {module} head with end2end or "
                     f"reg_max {reg_max} (YOLO26) is not read yet", "")
    levels = len(c1s)
    legacy = ctx.legacy and module != "v10Detect"
    c2 = max(16, c1s[0] // 4, reg_max * 4)
    c3 = max(c1s[0], min(nc, 100))
    conv_block(ctx)
    ctx.block("DetectBox", ["c2", "reg4"], [
        "Conv $c2 k=3 p=1", "Conv $c2 k=3 p=1", "conv2d $reg4 k1",
        {"type": "reshape", "shape": ["$reg4", -1]}],
        "a box branch of the detection head: two 3x3 Convs, a 1x1 conv to 4 x reg_max, "
        "flattened over the places")
    cls = "DetectCls" if legacy else "DetectClsDW"
    if legacy:
        ctx.block(cls, ["c3", "nc", {"x": 0}], [
            "Conv $c3 k=3 p=1", "Conv $c3 k=3 p=1", "conv2d $nc k1",
            {"type": "reshape", "shape": ["$nc", -1]}],
            "a class branch (v3, v5, v8, v9 heads): two 3x3 Convs, a 1x1 conv to nc")
    else:
        ctx.block(cls, ["c3", "nc", "x"], [
            "Conv $x k=3 p=1 g=$x", "Conv $c3", "Conv $c3 k=3 p=1 g=$c3", "Conv $c3",
            "conv2d $nc k1", {"type": "reshape", "shape": ["$nc", -1]}],
            "a class branch (v10, 11, 12 heads): depthwise 3x3 and 1x1 Convs, twice, a 1x1 "
            "conv to nc")
    ctx.block("DFL", ["reg"], [
        {"type": "reshape", "shape": [4, "$reg", -1]}, "permute 1,0,2", "softmax dim=0",
        "conv2d 1 k1 bias=false trainable=false name=conv",
        {"type": "reshape", "shape": [4, -1]}],
        "DFL: the distribution over reg_max bins, softmax, its expectation by a frozen 1x1 "
        "conv of weights 0..reg_max-1")
    xs = [f"x{j}" for j in range(levels)]
    params = ["nc", "c2", "c3", "reg4", "reg", *xs, *[f"ch{j}" for j in range(levels)]]
    values = [nc, c2, c3, 4 * reg_max, reg_max, *[_ref(r.i, j) for j in r.f], *c1s]
    layers = []

    def branches(prefix, use):
        for j in range(levels):
            layers.append(f"{use} inputs=${xs[j]} name={prefix}{j}".replace("$chj", f"$ch{j}"))
        layers.append({"type": "concat", "dim": -1,
                       "inputs": [f"{prefix}{j}" for j in range(levels)], "name": prefix + "s"})

    branches("box", "DetectBox $c2 $reg4")
    branches("cls", f"{cls} $c3 $nc x=$chj")
    extra = None
    if module in ("Segment", "Pose", "OBB"):
        ne = {"Segment": lambda: args[1], "Pose": lambda: args[1][0] * args[1][1],
              "OBB": lambda: args[1] if len(args) > 1 else 1}[module]()
        c4 = max(c1s[0] // 4, ne)
        ctx.block("DetectExtra", ["c4", "ne"], [
            "Conv $c4 k=3 p=1", "Conv $c4 k=3 p=1", "conv2d $ne k1",
            {"type": "reshape", "shape": ["$ne", -1]}],
            "an extra branch (Segment's mask coefficients, Pose's keypoints, OBB's angle): "
            "two 3x3 Convs, a 1x1 conv, flattened over the places")
        params += ["c4", "ne"]
        values += [c4, ne]
        extra = {"Segment": "mask", "Pose": "kpt", "OBB": "angle"}[module]
        branches(extra, "DetectExtra $c4 $ne")
    layers += ["DFL $reg inputs=boxs name=dfl", "sigmoid inputs=clss name=scores",
               {"type": "concat", "inputs": ["dfl", "scores"], "name": "y"}]
    if extra:  # dist2rbox, the keypoints' and angle's decoding: element-wise
        layers.append({"type": "concat", "inputs": ["y", f"{extra}s"], "name": "y_" + extra})
    if module == "Segment":
        npr = args[2]
        conv_block(ctx)
        ctx.block("Proto", ["c_", "c2"], [
            "Conv $c_ k=3 p=1 name=cv1", "conv_transpose2d $c_ k2 s2 name=upsample",
            "Conv $c_ k=3 p=1 name=cv2", "Conv $c2 name=cv3"],
            "Proto: the mask prototypes at twice the first level's size")
        params += ["npr"]
        values += [npr]
        # the proto masks, a side output (the eval tuple's second element), then the output
        layers.insert(0, "Proto $npr $ne inputs=$x0 name=proto")
        layers.append("identity inputs=y_mask name=output")
    if module == "v10Detect":  # the one-to-one branch: built and run, its output aside
        branches("one2one_box", "DetectBox $c2 $reg4")
        branches("one2one_cls", f"{cls} $c3 $nc x=$chj")
        layers.append("identity inputs=y name=output")
    name = ctx.block(f"{module}_{levels}", params, layers,
                     f"the {module} head on {levels} levels, eval mode: boxes decoded by DFL "
                     "(dist2bbox and the strides are element-wise) beside the class scores' "
                     "sigmoid" + (f", then the {extra} values" if extra else ""))
    return None, {"type": name, **dict(zip(params, values))}


@builder("Classify")
def _classify(ctx, r, c1):
    c2 = r.args[0]
    k, s, p, g = (list(r.args[1:]) + [1, 1, None, 1][len(r.args) - 1:])[:4]
    conv_block(ctx)
    ctx.block("Classify", ["nc", {"k": 1}, {"s": 1}, {"p": 0}, {"g": 1}], [
        "Conv 1280 k=$k s=$s p=$p g=$g name=conv", "adaptive_avgpool2d 1 name=pool",
        "flatten", "dropout 0.0 name=drop", "linear $nc name=linear", "softmax"],
        "Classify, eval mode: Conv to 1280, global average pool, linear, softmax")
    return c2, f"Classify {c2} k={k} s={s} p={autopad(k, p)} g={g}"


# --- reading the file ---------------------------------------------------------------

def _rows(path, text):
    """(data, [line of each row]) from the YAML text, composed once (libyaml's C parser
    where present: it was 60% of the reading time)."""
    import yaml
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise _error(path, mark.line + 1 if mark else 1, "CS511",
                     f"not a readable YAML file: {getattr(e, 'problem', e)}") from None
    finally:
        loader.dispose()
    lines, keys = [], {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            keys[k.value] = k.start_mark.line + 1
            if k.value in ("backbone", "head") and isinstance(v, yaml.SequenceNode):
                lines += [(item.start_mark.line + 1, item.start_mark.column + 1)
                          for item in v.value]
    return data, lines, keys


def _literal(a, names):
    """parse_model: a string arg is a name it knows (nc, ...) or a Python literal."""
    import ast
    if not isinstance(a, str):
        return a
    if a in names:
        return names[a]
    try:
        return ast.literal_eval(a)
    except (ValueError, SyntaxError):
        return a


def read(source, *, input_shape=None, scale=None) -> dict:
    from pathlib import Path
    path = str(source)
    from ..spec.reading import (
        read_text,  # the spec reader's guards: size, UTF-8, a device
    )
    text = read_text(path, path)
    d, places, keys = _rows(path, text)
    lines = [line for line, _ in places]
    if not isinstance(d, dict) or not isinstance(d.get("backbone"), list) \
            or not isinstance(d.get("head", []), list):
        raise _error(path, 1, "CS511", "an Ultralytics model YAML has backbone: and head: "
                     "lists of [from, repeats, module, args] rows")
    stem = Path(path).stem
    m = SCALE.search(stem)
    named = m.group(2) if m else ""
    scales = d.get("scales")
    depth, width = d.get("depth_multiple", 1.0), d.get("width_multiple", 1.0)
    max_channels = float("inf")
    how = ""
    if scales:
        if named and scale and scale != named:
            raise _error(path, keys.get("scales", 1), "CS514", f"the file name {stem!r} gives "
                         f"scale {named!r}, "
                         f"--scale asks for {scale!r}", "Ultralytics takes the scale from the "
                         "name: rename the file, or drop --scale")
        used = named or scale
        how = ("from the file name" if named else "from --scale") if used else \
            "the first in scales:, as Ultralytics assumes when none is given"
        used = used or next(iter(scales))
        if used not in scales:
            raise _error(path, keys.get("scales", 1), "CS513", f"scale {used!r} is not in "
                         "this file's scales: "
                         f"{', '.join(map(str, scales))}", "pass --scale with one of them")
        depth, width, max_channels = scales[used]
    else:
        used = ""
    nc = d.get("nc")
    names = {"nc": nc, "reg_max": d.get("reg_max", 16), "end2end": d.get("end2end"),
             "kpt_shape": d.get("kpt_shape"), "scale": used, "depth": depth,
             "width": width, "max_channels": max_channels}
    ctx = Context(path, used, width, max_channels)
    ctx.reg_max, ctx.end2end = names["reg_max"], names["end2end"]
    ch = [d.get("ch", d.get("channels", 3))]
    rows = d["backbone"] + (d.get("head") or [])
    # legacy heads: parse_model clears the flag once it meets these modules
    modern = {"C3k2", "A2C2f", "C2fCIB"}
    layers, outputs = [], []
    for i, row in enumerate(rows):
        line = lines[i] if i < len(lines) else 1
        if not isinstance(row, list) or len(row) != 4:
            raise _error(path, line, "CS511", f"row {i} is not [from, repeats, module, args]",
                         "")
        f, n, module, args = row
        args = [_literal(a, names) for a in (args or [])]
        if not isinstance(module, str):
            raise _error(path, line, "CS512", f"row {i}: module {module!r} is not a name")
        fs = f if isinstance(f, list) else [f]
        for j in fs:
            if not isinstance(j, int) or isinstance(j, bool) or not -i <= j < i \
                    and not (i == 0 and j == -1) or (i == 0 and j != -1):
                raise _error(path, line, "CS515", f"row {i} ({module}): from {f!r} does not "
                             f"name an earlier row", f"an index below {i}, or a negative one "
                             f"counting back (at most -{i})" if i else "the first row reads "
                             "the input: -1")
        n_ = max(round(n * depth), 1) if n > 1 else n
        if module in modern:
            ctx.legacy = False
        build = BUILDERS.get(module)
        if build is None:
            from ..layers import nearest
            close = nearest(module, BUILDERS, 1)
            raise _error(path, line, "CS512", f"row {i}: the module {module!r} is not "
                         "supported by cnnshape's Ultralytics reader",
                         (f"did you mean {close[0]!r}? " if close else "") + "supported: "
                         + ", ".join(sorted(BUILDERS)))
        c1s = [ch[j] for j in fs]
        if module == "Segment":  # parse_model scales the proto channels
            args[2] = ctx.scaled(args[2])
        r = Row(i, f, n, n_, module, args, line)
        c1 = c1s if module in (*HEADS, "Concat", "CBFuse") else c1s[0]
        c2, item = build(ctx, r, c1)
        if module == "Concat":
            c2 = sum(c1s)
        if module == "CBFuse":
            c2 = c1s[-1]
        shown = _shown_args(module, args, c1s, c2, n_, ctx)
        note = f"{f!s} {n_} {module} {shown}"
        repeat = n_ if module not in REPEAT_INSIDE and n_ > 1 else 1
        if repeat > 1:  # parse_model's nn.Sequential of n copies
            if not isinstance(item, str):
                raise _error(path, line, "CS512", f"row {i}: {module} repeated {n_} times is "
                             "not read yet")
            ctx.block("Sequential", ["n", "m"], [{"repeat": "$n", "layers": ["$m"]}],
                      "parse_model's nn.Sequential of n copies of a module")
            item = {"type": "Sequential", "n": repeat, "m": item}
        item = _mapping(ctx, item) if isinstance(item, str) else dict(item)
        if module not in ("Concat", "CBFuse", *HEADS) and f != -1:
            item["inputs"] = _ref(i, f)
        item["name"] = f"model.{i}"
        item["note"] = note
        kind = item.pop("type")  # the single-key form, which the JSON Schema takes for blocks
        layers.append({kind: item})
        outputs += [f"model.{i}.{side}" for side in SIDE_OUTPUTS.get(module, ())]
        if i == 0:
            ch = []
        ch.append(c2)
    c_in = d.get("ch", d.get("channels", 3))
    shape = list(input_shape) if input_shape else [c_in, 640, 640]
    desc = f"{d.get('task', '') or 'model'} read as Ultralytics' parse_model builds it"
    if used:
        desc = (f"scale {used} ({how}): depth {depth}, width {width}, max_channels "
                f"{max_channels}; read as Ultralytics' parse_model builds it")
    return {"name": stem if named or not used else f"{stem}{used}",
            "description": desc,
            "source": f"Ultralytics model YAML {Path(path).name}",
            "input": shape, "blocks": ctx.blocks, "layers": _placed(layers, places),
            **({"outputs": outputs} if outputs else {})}


def _placed(layers, places):
    """The layers, each standing where its row stands in the file: an error in model.<i>,
    and every layer of its block, points at that row."""
    from ..spec.positions import PList, PMap

    def at(value, pos):
        if isinstance(value, dict):
            m = PMap((k, at(v, pos)) for k, v in value.items())
            m.pos, m.key_pos, m.val_pos = pos, dict.fromkeys(m, pos), dict.fromkeys(m, pos)
            return m
        if isinstance(value, list):
            seq = PList(at(v, pos) for v in value)
            seq.pos, seq.item_pos = pos, [pos] * len(seq)
            return seq
        return value
    out = PList(at(item, places[i] if i < len(places) else (1, 1))
                for i, item in enumerate(layers))
    out.pos = places[0] if places else (1, 1)
    out.item_pos = [item.pos for item in out]
    return out


#: a head's outputs beside its first (the network's output): returned, not read by a layer
SIDE_OUTPUTS = {"Segment": ("proto",), "v10Detect": ("one2one_boxs", "one2one_clss")}


#: modules parse_model gives the repeat count as an argument (its repeat_modules)
REPEAT_INSIDE = {"C1", "C2", "C2f", "C3k2", "C2fAttn", "C3", "C3TR", "C3Ghost", "C3x",
                 "RepC3", "C2fPSA", "C2fCIB", "C2PSA", "A2C2f", "BottleneckCSP"}
BASE = {"Classify", "Conv", "ConvTranspose", "GhostConv", "Bottleneck", "GhostBottleneck",
        "SPP", "SPPF", "C2fPSA", "C2PSA", "DWConv", "Focus", "BottleneckCSP", "C1", "C2",
        "C2f", "C3k2", "RepNCSPELAN4", "ELAN1", "ADown", "AConv", "SPPELAN", "C2fAttn", "C3",
        "C3TR", "C3Ghost", "nn.ConvTranspose2d", "DWConvTranspose2d", "C3x", "RepC3", "PSA",
        "SCDown", "C2fCIB", "A2C2f"}


def _shown_args(module, args, c1s, c2, n_, ctx):
    """The arguments as parse_model prints them: [c1, c2, (n), *rest] for its base modules."""
    if module in BASE:
        shown = [c1s[0], c2, *args[1:]]
        if module in REPEAT_INSIDE:
            shown.insert(2, n_)
        if module == "C3k2" and ctx.scale in ("m", "l", "x"):
            shown[3:4] = [True]
        if module == "A2C2f" and ctx.scale in ("l", "x"):
            shown += [True, 1.2]
        return str(shown)
    if module in ("Detect", "Segment", "Pose", "OBB"):
        return str([*args, ctx.reg_max, ctx.end2end, list(c1s)])
    if module == "v10Detect":
        return str([*args, list(c1s)])
    if module == "CBLinear":
        return str([c1s[0], *args])
    return str(args)


def _mapping(ctx, text):
    """An inline use (of a block or a layer kind) as a mapping that can carry a note."""
    from ..layers import kind as layer_kind
    from ..spec.inline import parse_inline
    kind, fields, extra = parse_inline(text)
    fields = dict(fields)
    positional = fields.pop("$positional", [])
    if kind in ctx.blocks:
        params = [p if isinstance(p, str) else next(iter(p))
                  for p in ctx.blocks[kind].get("params", [])]
        fields = {**dict(zip(params, positional)), **fields}
    elif positional:
        fields = {layer_kind(kind).primary: positional[0], **fields}
    return {"type": kind, **fields, **extra}


def extra_totals(rows):
    """Ultralytics' printed GFLOPs: thop's count at the input size, x2, in billions.  thop
    counts each Conv2d, ConvTranspose2d, Linear and the attention matmuls as torch's
    FlopCounterMode does, and also BatchNorm (4 per element: normalise and affine); no
    activation, pool or softmax called as a function (recorded: the difference from
    FlopCounterMode is exactly 4 x the BatchNorm outputs)."""
    ops = 0
    for r in rows:
        ops += r.macs
        if r.type.startswith("batchnorm"):
            ops += 4 * r.neurons
    gflops = ops * 2 / 1e9
    return (("ultralytics_gflops", "GFLOPs (Ultralytics, thop)", gflops, f"{gflops:.1f}"),)
