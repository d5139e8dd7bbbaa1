"""Importers: a network from elsewhere -> a spec tree, the dict a YAML spec loads into.

One module per source format, each with ``read(source, *, input_shape=None, **options)
-> dict``: ``ultralytics`` (a YOLO model YAML), ``onnx`` (an .onnx file, with the onnx
package) and ``torch`` (an nn.Module, with torch).  They know the foreign format and
cnnshape's spec vocabulary, and nothing of arithmetic: the engine never learns where a
spec came from.  ``write.dump`` turns a tree into the readable YAML that
``cnnshape import`` writes.
"""
import os
import re

#: importer name -> what it reads, for messages
FORMATS = {"ultralytics": "an Ultralytics model YAML", "onnx": "an ONNX model file",
           "torch": "a PyTorch module"}

# the keys parse_model reads; a cnnshape spec has 'layers' instead
_ULTRALYTICS = re.compile(r"(?m)^(backbone|head)\s*:")
_CNNSHAPE = re.compile(r"(?m)^layers\s*:")


def sniff(path) -> str | None:
    """The importer that reads the file at ``path``, or None for a cnnshape spec (or a
    file that is neither, which the spec reader then refuses with its own message)."""
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix == ".onnx":
        return "onnx"
    if suffix not in (".yaml", ".yml"):
        return None
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16).decode("utf-8", "replace")
    except OSError:
        return None
    if _ULTRALYTICS.search(head) and not _CNNSHAPE.search(head):
        return "ultralytics"
    return None


def read(kind: str, source, **options) -> dict:
    """The spec tree of ``source`` read by the importer ``kind``."""
    from importlib import import_module
    return import_module(f".{kind}", __name__).read(source, **options)


def need(package: str, extra: str, label: str, what: str):
    """Import an optional package, or raise SpecError saying which extra brings it."""
    from importlib import import_module
    try:
        return import_module(package)
    except ImportError as e:
        from ..diagnostics import Diagnostic, SpecError
        raise SpecError([Diagnostic(label, 0, 0, "CS000", "error",
                                    f"reading {what} needs the {package} package "
                                    f"({e.__class__.__name__}: {e})",
                                    f"pip install 'cnnshape[{extra}]'")]) from None
