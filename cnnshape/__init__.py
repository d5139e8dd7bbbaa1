"""cnnshape: what every layer of a CNN outputs, and what it costs.

Kept small and lazy: importing cnnshape loads neither rich nor yaml, and
names load on first use so the CLI starts about as fast as click itself.
"""
__version__ = "0.1.0"
__all__ = ["Diagnostic", "SpecError", "__version__"]


def __getattr__(name):
    if name in ("Diagnostic", "SpecError"):
        from . import diagnostics
        return getattr(diagnostics, name)
    raise AttributeError(f"module 'cnnshape' has no attribute {name!r}")
