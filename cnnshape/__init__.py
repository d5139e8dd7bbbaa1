"""cnnshape: what every layer of a CNN outputs, and what it costs.

Kept small: importing cnnshape loads neither rich nor yaml.
"""
from .diagnostics import Diagnostic, SpecError

__version__ = "0.1.0"
__all__ = ["Diagnostic", "SpecError", "__version__"]
