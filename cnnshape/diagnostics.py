"""Problems as data: Diagnostic, SpecError, and pure text/json/github formatters."""
from dataclasses import dataclass

from .render.cells import printable


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One problem in a spec.  ``line`` and ``column`` are 1-based; 0 means unknown.

    ``code`` (``CS104`` ...) never changes once released; ``level`` is
    ``error`` or ``warning``.
    """
    path: str
    line: int
    column: int
    code: str
    level: str
    message: str
    hint: str = ""

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "column": self.column,
                "code": self.code, "level": self.level, "message": self.message,
                "hint": self.hint}


class SpecError(Exception):
    """Raised by the library with every problem found; the CLI prints them."""

    def __init__(self, diagnostics):
        self.diagnostics = tuple(sorted(diagnostics))
        super().__init__("\n".join(map(format_text_line, self.diagnostics)))


def format_text_line(d: Diagnostic) -> str:
    """``path:line:col: level [code] message (hint)``, as compilers and yamllint print."""
    where = d.path or "<input>"
    if d.line:
        where += f":{d.line}:{d.column}"
    hint = f" ({d.hint})" if d.hint else ""
    # one line per problem, always: a parser's message may carry newlines; a path or a
    # value quoted from the spec may carry ESC or U+202E, shown as \x1b, never obeyed
    return printable(" ".join(f"{where}: {d.level} [{d.code}] {d.message}{hint}".split("\n")))


def format_text(diagnostics) -> str:
    return "\n".join(format_text_line(d) for d in diagnostics)


def format_json(diagnostics, summary: dict | None = None) -> str:
    """A list of diagnostics; with ``summary``, the document ``check`` prints:
    {"format_version": ..., "summary": ..., "diagnostics": [...]}."""
    import json

    from .report import FORMAT_VERSION
    items = [d.to_dict() for d in diagnostics]
    return json.dumps(items if summary is None else {
        "format_version": FORMAT_VERSION, "summary": summary, "diagnostics": items}, indent=2)


def summary(diagnostics, files: int) -> dict:
    errors = sum(d.level == "error" for d in diagnostics)
    return {"files": files, "errors": errors, "warnings": len(diagnostics) - errors}


def format_summary(s: dict) -> str:
    def n(count, word):
        return f"{count} {word}{'' if count == 1 else 's'}"
    return (f"{n(s['files'], 'file')} checked: {n(s['errors'], 'error')}, "
            f"{n(s['warnings'], 'warning')}")


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_data(text: str) -> str:
    """A workflow command's message: '%', CR and LF escaped, control characters shown."""
    return printable(_escape(text))


def escape_property(text: str) -> str:
    """A workflow command's property (file=, title=): ':' and ',' end it, so escaped too."""
    return printable(_escape(text).replace(":", "%3A").replace(",", "%2C"))


def format_github(diagnostics) -> str:
    """GitHub Actions workflow commands: ``::error file=F,line=L,col=C::message``."""
    lines = []
    for d in diagnostics:
        # workflow commands end at a newline and '%' starts an escape; in a property ','
        # and ':' also end it (actions/toolkit's escapeProperty)
        # ('\r' and '\n' first: they have their own escapes; other controls would colour
        # or hide the log's text)
        path = escape_property(d.path)
        props = f"file={path}" + (f",line={d.line},col={d.column}" if d.line else "")
        text = printable(_escape(f"[{d.code}] {d.message}" + (f" ({d.hint})" if d.hint else "")))
        lines.append(f"::{d.level} {props}::{text}")
    return "\n".join(lines)


FORMATS = {"text": format_text, "json": format_json, "github": format_github}
