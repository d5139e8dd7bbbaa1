"""Issue 12, section 3: every valid question answers in bounded time.

Each case took 10-239 s before; the bound here is generous (about 0.1-0.5 s measured on
this project's loaded 2-core machine), so a slow CI run does not fail it while the old
quadratic walk (minutes) always would.
"""
import time

import pytest
from click.testing import CliRunner

from cnnshape.cli import main
from cnnshape.diagnostics import SpecError
from cnnshape.spec import load_spec

BOUND = 3.0  # seconds; generous on purpose, see the module docstring


@pytest.mark.parametrize("args,answer", [
    (["conv", "--w", "1000000", "--f", "500000", "--d", "2", "--p", "500000"], "1000002"),
    (["pool", "--w", "1000000", "--f", "400000", "--d", "2", "--p", "200000"], "2"),
    (["pool", "--w", "1000000", "--f", "400000", "--d", "2", "--p", "200000", "--s", "1"],
     "600002"),
    (["conv", "--w", "4000000", "--f", "4096", "--d", "256"], "2951680"),
])
def test_dilated_layers_answer_at_once(args, answer):
    """conv took 239 s, pool --s 1 about 165 s, conv --w 4000000 --d 256 11-16 s."""
    for extra in ([], ["--explain"]):
        start = time.perf_counter()
        r = CliRunner().invoke(main, args + extra, catch_exceptions=False)
        assert time.perf_counter() - start < BOUND
        assert r.exit_code == 0 and r.output.splitlines()[-1] == answer


def test_explain_lists_half_a_million_runs_briefly():
    r = CliRunner().invoke(main, ["pool", "--w", "1000000", "--f", "400000", "--d", "2",
                                  "--p", "200000", "--explain"], catch_exceptions=False)
    assert "1, 3, 5, ..., 999997, 999999 (500000 runs) (0-based) are never read" in r.output


def test_solve_with_every_value_given_on_a_4m_input():
    """Took 10-11 s: the solver listed the unread runs to count them."""
    args = ["solve", "--out", "2951680", "--w", "4000000", "--f", "4096", "--s", "1",
            "--p", "0", "--d", "256", "--format", "json"]
    start = time.perf_counter()
    r = CliRunner().invoke(main, args, catch_exceptions=False)
    # 0.02 s now; the old walk wrote 12 GB of marks, 2.4 s at the very best
    assert time.perf_counter() - start < 1.0
    assert r.exit_code == 0 and '"dropped": 0' in r.output


def test_a_spec_of_a_million_layers_is_refused_where_it_says_so(tmp_path):
    """1,000 x 1,000 repeats took 84 s in 'cnnshape model'; the limit is now 100,000."""
    path = tmp_path / "mega.yaml"
    path.write_text("input: [1, 8, 8]\nlayers:\n  - repeat: 1000\n    layers:\n"
                    "      - repeat: 1000\n        layers: [relu]\n")
    start = time.perf_counter()
    with pytest.raises(SpecError) as e:
        load_spec(str(path))
    assert time.perf_counter() - start < BOUND
    d = e.value.diagnostics[0]
    assert d.code == "CS017" and "more than 100,000 layers" in d.message
    assert (d.line, d.column) == (3, 3)


def test_a_spec_of_exactly_the_limit_loads(tmp_path):
    path = tmp_path / "limit.yaml"
    path.write_text("input: [1, 8, 8]\nlayers:\n  - repeat: 100\n    layers:\n"
                    "      - repeat: 1000\n        layers: [relu]\n")
    assert len(load_spec(str(path)).nodes) == 100_000
