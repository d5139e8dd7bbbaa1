"""Exporters: an expanded spec and its result -> framework code or a model file.

One module per target, each with ``write(spec, result, **options) -> str | bytes``:
``pytorch`` (a Python file that imports only torch), ``keras`` (Keras 3 functional code) and
``onnx`` (a model file built with the onnx package).  Like renderers they read and never
compute; each target's quirks (padding it cannot express, ceil mode) live in its own module.
What a target cannot express at all is a SpecError naming the layer and the reason.
"""

#: target -> the file suffix its output usually has
TARGETS = {"pytorch": ".py", "keras": ".py", "onnx": ".onnx"}


def export(spec, result, target: str, **options):
    """The text (or, for onnx, the bytes) of ``spec`` written for ``target``."""
    from importlib import import_module
    return import_module(f".{target}", __name__).write(spec, result, **options)
