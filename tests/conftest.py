import os
from pathlib import Path

import pytest
from hypothesis import settings

# Seeded: CI's verdict must not depend on the luck of a draw. CNNSHAPE_HYPOTHESIS=random
# explores new examples, as a developer hunting bugs would run it.
settings.register_profile("seeded", derandomize=True, database=None)
settings.register_profile("random")
settings.load_profile(os.environ.get("CNNSHAPE_HYPOTHESIS", "seeded"))

GOLDEN = Path(__file__).parent / "golden"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from the current output; review the diff")


@pytest.fixture
def golden(request):
    """Compare text with tests/golden/<name>, or rewrite it under --update-golden."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str):
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"missing {path}; run pytest --update-golden and review it"
        assert text == path.read_text(encoding="utf-8")
    return check


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    """The terminal settings a developer or CI may export never change what tests see."""
    for name in ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "PAGER", "CNNSHAPE_PAGER"):
        monkeypatch.delenv(name, raising=False)


def check_generated(request, path, start: str, end: str, generated: str, how: str) -> None:
    """``path``'s text between the ``start`` and ``end`` marker lines must be ``generated``
    (docs tables made from data); ``--update-golden`` rewrites it."""
    text = path.read_text(encoding="utf-8")
    head, found_start, rest = text.partition(start)
    _, found_end, tail = rest.partition(end)
    assert found_start and found_end, f"{path.name} lost the markers {start!r} / {end!r}"
    want = head + start + "\n" + generated + "\n" + end + tail
    if request.config.getoption("--update-golden"):
        path.write_text(want, encoding="utf-8")
    assert text == want, f"run {how}"
