"""cnnshape: what every layer of a CNN outputs, and what it costs.

Kept small and lazy: importing cnnshape loads neither rich nor yaml, and
names load on first use so the CLI starts about as fast as click itself.
"""
__version__ = "0.1.0"
__all__ = ["Diagnostic", "SpecError", "analyze", "from_torch", "__version__"]


def analyze(spec, input_shape=None, framework=None):
    """Every layer's output shape and cost: ``spec`` is a path, a zoo name (``"vgg16"``)
    or a dict in the YAML's structure; the result's ``to_dict()`` is the JSON of
    ``cnnshape model --format json``.  ``framework`` ("mindspore", "keras", ...: see
    docs/spec.md, Frameworks) computes as that framework does, overriding the spec's
    ``framework:``.  Problems raise SpecError with diagnostics."""
    from .api import analyze as _analyze
    return _analyze(spec, input_shape, framework)


def from_torch(module, input_shape):
    """``analyze`` for a ``torch.nn.Module``: its layers read with ``torch.fx`` from the
    module's attributes, on inputs of ``input_shape`` (channels first, no batch).  Nothing
    runs on data and no weights are needed: a module built on the ``meta`` device works.
    Needs torch (``pip install 'cnnshape[torch]'``); raises SpecError naming a module or
    function cnnshape cannot read."""
    from .importers.torch import to_tree
    return analyze(to_tree(module, input_shape))


def __getattr__(name):
    if name in ("Diagnostic", "SpecError"):
        from . import diagnostics
        return getattr(diagnostics, name)
    raise AttributeError(f"module 'cnnshape' has no attribute {name!r}")
