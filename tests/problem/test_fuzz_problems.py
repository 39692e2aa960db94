"""Fuzz: mutations of the real problem files give a result or one error line, never a crash.

A modest run (hypothesis, 60 cases) of the mutations in tests/problem/fuzzing.py through
``solve``, ``solve --format json`` and ``check`` in-process; scripts/fuzz_problems.py runs the
same for minutes. The invariant is fuzzing.run_case's: exit 0, 1 or 2; on 2 one ``error:``
line naming the file; no traceback; bounded output and time.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.problem import fuzzing


@settings(
    max_examples=60,
    deadline=None,  # fuzzing.run_case bounds each case's time itself (MAX_SECONDS)
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed_file=st.sampled_from(fuzzing.SEEDS),
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(1, 3),
)
def test_mutated_problem_files_keep_the_invariant(tmp_path_factory, seed_file, seed, count):
    folder = fuzzing.workdir(tmp_path_factory.getbasetemp() / "fuzz")
    data = fuzzing.mutate(seed_file.read_bytes(), random.Random(seed), count)
    assert fuzzing.run_case(data, folder) == [], (seed_file.name, data[:2000])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed_file=st.sampled_from(fuzzing.SEEDS),
    tag=st.sampled_from(fuzzing.TAGS),
    spot=st.integers(0, 10_000),
)
def test_an_explicit_tag_on_any_value_keeps_the_invariant(tmp_path_factory, seed_file, tag, spot):
    """The mutation that found the most crashes (``!!int ab``, ``!!bool ctc``), aimed."""
    folder = fuzzing.workdir(tmp_path_factory.getbasetemp() / "fuzz")
    data = seed_file.read_bytes()
    spots = list(fuzzing._VALUE.finditer(data))
    m = spots[spot % len(spots)]
    data = data[: m.start(2)] + tag + data[m.start(2) :]
    assert fuzzing.run_case(data, folder, [["solve"]]) == [], (seed_file.name, data[:2000])
