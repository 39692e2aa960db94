"""vary's work is bounded: a run draws at most ``MAX_VARY_NUMBERS`` numbers (the variants
asked for times the numbers the template gives), and a bigger run is refused before any draw,
in one line. Found by timing vary at the 64 MiB file cap: two variants of a 1.27-million-frame
CTC file took 273 s and 4.2 GB (every number redrawn, written by the pure-Python YAML writer
and kept until all variants are checked)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import rnnloss_cli.teach.vary as vary
from rnnloss_cli.cli.app import app
from rnnloss_cli.errors import ProblemError
from rnnloss_cli.limits import MAX_VARIANTS, MAX_VARY_NUMBERS

# 5 frames x 6 symbols = 30 numbers given; the target and the symbols are not numbers (no
# key: vary keys the loss)
TEMPLATE = """\
kind: ctc
title: five frames
target: AB
symbols: ["-", A, B, C, D, E]
emissions:
  - [0.25, 0.15, 0.2, 0.1, 0.2, 0.1]
  - [0.3, 0.2, 0.1, 0.1, 0.2, 0.1]
  - [0.2, 0.2, 0.2, 0.2, 0.1, 0.1]
  - [0.1, 0.3, 0.3, 0.1, 0.1, 0.1]
  - [0.4, 0.1, 0.1, 0.2, 0.1, 0.1]
"""


@pytest.fixture
def template(tmp_path: Path) -> Path:
    f = tmp_path / "five.yaml"
    f.write_text(TEMPLATE)
    return f


def test_the_limit_leaves_room_for_a_class_of_handout_problems():
    # a roster of the most variants a run makes, of a problem of 100 numbers
    assert MAX_VARIANTS * 100 <= MAX_VARY_NUMBERS


def test_numbers_are_counted_in_the_givens_only():
    data = {"kind": "mse", "y": [1, 2.5], "yhat": [[0.5, True], {"a": 3}]}
    data |= {"answer": 4.0, "tolerance": 1}
    # 1, 2.5, 0.5 and 3; not True, not the answer or the tolerance
    assert vary.given_numbers(data) == 4


@pytest.mark.parametrize("count, refused", [(33, False), (34, True)])
def test_a_run_drawing_more_than_the_limit_is_refused(template, monkeypatch, count, refused):
    monkeypatch.setattr(vary, "MAX_VARY_NUMBERS", 1000)  # 33 x 30 = 990, 34 x 30 = 1020
    if not refused:
        assert len(vary.make_variants(str(template), seed=1, count=count)) == count
        return
    with pytest.raises(ProblemError) as err:
        vary.make_variants(str(template), seed=1, count=count)
    msg = str(err.value)
    assert "34 variants of a template giving 30 numbers would draw 1,020" in msg, msg
    assert "at most 1,000 a run (MAX_VARY_NUMBERS)" in msg, msg


def test_the_refusal_comes_before_any_draw(template, monkeypatch):
    monkeypatch.setattr(vary, "MAX_VARY_NUMBERS", 29)

    def no_draw(*args, **kwargs):
        raise AssertionError("drew a variant")

    monkeypatch.setattr(vary, "make_variant", no_draw)
    with pytest.raises(ProblemError, match="1 variant of a template giving 30 numbers"):
        vary.make_variants(str(template), seed=1, count=1)


def test_the_cli_says_so_in_one_line_and_writes_nothing(template, tmp_path, monkeypatch):
    monkeypatch.setattr(vary, "MAX_VARY_NUMBERS", 100)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["vary", str(template), "-n", "4", "-o", str(out)])
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert lines[0].startswith(f"error: {template}: 4 variants of a template giving 30 numbers")
    assert not out.exists() or not any(out.iterdir())


class _Clock:
    """A fake ``vary._now``: ``readings`` first (the template's solve timed, and timed again
    when the first time is too slow), then each reading ``then`` seconds after the one before."""

    def __init__(self, *readings: float, then: float = 0.0):
        self.first = iter(readings)
        self.last, self.then = readings[-1], then

    def __call__(self) -> float:
        value = next(self.first, None)
        if value is None:
            self.last += self.then
            return self.last
        return value


@pytest.mark.parametrize("count, refused", [(10, False), (11, True)])
def test_a_run_whose_solves_would_take_too_long_is_refused(template, monkeypatch, count, refused):
    """Each variant is solved at least once: a template that takes 1 s to solve makes 11
    variants about 11 s, past a limit of 10 s, refused before any draw (timed twice: the first
    solve also imports the solver, 37 ms for hello's 2) (a 99,000-frame CTC
    template solved in 8 s; 5 variants ran past a minute, -n 10000 would have run for days)."""
    monkeypatch.setattr(vary, "MAX_VARY_SECONDS", 10)
    # 1 s, too slow for the one-time costs of a first solve to matter: not timed again
    monkeypatch.setattr(vary, "_now", _Clock(0.0, 1.0))
    if not refused:
        assert len(vary.make_variants(str(template), seed=1, count=count)) == count
        return
    monkeypatch.setattr(vary, "make_variant", lambda *a, **k: pytest.fail("drew a variant"))
    with pytest.raises(ProblemError) as err:
        vary.make_variants(str(template), seed=1, count=count)
    msg = str(err.value)
    assert "solving the template took 1 s: 11 variants would take about 11 s" in msg, msg
    assert "past 10 s a run (MAX_VARY_SECONDS)" in msg and "at most 10 at this size" in msg, msg


def test_a_run_past_twice_the_limit_stops_and_writes_nothing(template, tmp_path, monkeypatch):
    """Redrawn variants (a constraint broken, a key tied) can cost more solves than the
    estimate: the run stops at twice the limit, in one line, before writing any file."""
    monkeypatch.setattr(vary, "MAX_VARY_SECONDS", 10)
    monkeypatch.setattr(vary, "_now", _Clock(0.0, 1.0, then=100.0))
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["vary", str(template), "-n", "2", "-o", str(out)])
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert "stopped at variant 1 after 201 s, past twice MAX_VARY_SECONDS (10 s)" in lines[0]
    assert not out.exists() or not any(out.iterdir())


def test_variants_of_a_file_whose_symbols_mix_numbers_and_text(tmp_path):
    """problems/digits-123.yaml names its symbols 1, 2, 3 and "-": comparing the variants'
    givens sorted the mapping's keys as JSON does, and int < str raised "internal error
    (TypeError)", exit 4, nothing written."""
    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["vary", str(root / "problems/digits-123.yaml"), "-n", "3",
                                 "-o", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert len(list(out.glob("*.yaml"))) == 3


def test_a_run_whose_variants_are_slow_is_refused_after_two(template, tmp_path, monkeypatch):
    """A template solved in 1 s whose variants are far bigger (a vary rule drawing 50,000
    frames for the template's 3): the estimate from the template let 100 variants start, and
    the run stopped at twice the limit after 242 s of work, nothing written. The first two
    variants are timed too (the faster decides: the first may pay one-time costs): here each
    takes 4 s, so 3 variants (12 s) are past a limit of 10 s, refused after the second."""
    monkeypatch.setattr(vary, "MAX_VARY_SECONDS", 10)
    # template 0 -> 1 s; variant 1: begins 3, draw check 5, ends 7; variant 2: 9, 11, 13
    monkeypatch.setattr(vary, "_now", _Clock(0.0, 1.0, then=2.0))
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["vary", str(template), "-n", "3", "-o", str(out)])
    assert r.exit_code == 2, r.output
    line = r.output.strip()
    assert "\n" not in line, r.output
    assert "drawing and solving a variant took 4 s: 3 variants would take about 12 s" in line
    assert not out.exists() or not any(out.iterdir())


def test_a_fast_first_solve_is_timed_again(template, monkeypatch):
    """A first solve of 0.2 s may be mostly imports (hello: 37 ms, then 2 ms): 100 variants
    at 0.2 s are past 10 s, so it is timed again, 0.05 s, and 100 x 0.05 = 5 s may run."""
    monkeypatch.setattr(vary, "MAX_VARY_SECONDS", 10)
    monkeypatch.setattr(vary, "MAX_VARY_NUMBERS", 10**6)
    monkeypatch.setattr(vary, "_now", _Clock(0.0, 0.2, 1.0, 1.05))
    assert len(vary.make_variants(str(template), seed=1, count=100)) == 100
