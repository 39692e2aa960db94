"""`mark` names the slip on a listed CTC problem whose alignments' products underflow.

Target AB over T = 60,000 frames, y = (A 0.4, B 0.4, - 0.2) at every frame. Listed: the
valid AB---... and the invalid BA---... (it collapses to BA), each 0.4² · 0.2^59998, which is
0 as a double. −ln of one: −2 ln 0.4 − 59998 ln 0.2 = 96564.888 (valid_only); of both:
96564.888 − ln 2 = 96564.195. A student who keeps the invalid one answers 96564.195 for
valid_only: the slip invalid_alignment_included, which mark could not find while it took
−ln of the sums as doubles (−ln 0 = inf).
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rnnloss_cli.cli import app

T = 60_000


def test_the_slip_is_named_when_the_products_underflow(tmp_path: Path):
    f = tmp_path / "long.yaml"
    f.write_text(
        "kind: ctc\ntarget: AB\nprobs: {A: 0.4, B: 0.4, '-': 0.2}\n"
        f"frames: {T}\nmethod: listed\n"
        f"alignments: [AB{'-' * (T - 2)}, BA{'-' * (T - 2)}]\n"
    )
    result = CliRunner().invoke(app, ["mark", str(f), "--answer", "valid_only=96564.195"])
    assert result.exit_code == 1, result.output
    assert "invalid_alignment_included" in result.output, result.output
