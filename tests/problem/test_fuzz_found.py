"""Files the fuzzer (tests/problem/fuzzing.py, scripts/fuzz_problems.py) found crashing.

Each case is a real problem file with the mutation that broke it; each must end, through the
CLI, in exit 2 and one ``error:`` line naming the file, its line and the words given.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()

MSE = "kind: mse\ny: [1, 2]\nyhat: [1.5, 2.5]\n"

#: (file text, words its error must hold). Found by scripts/fuzz_problems.py --seed 1.
CASES = {
    # an explicit tag the value cannot be: PyYAML's constructor raised ValueError/KeyError
    "!!int on a word": (MSE.replace("y: [1, 2]", "y: [1, !!int ab]"), [":2:", "!!int", "'ab'"]),
    "!!int on a float": (MSE.replace("y: [1, 2]", "y: [1, !!int 0.1960]"), [":2:", "!!int"]),
    "!!float on a title": ("title: !!float a b c\n" + MSE, [":1:", "!!float", "'a b c'"]),
    "!!bool on a kind": ("kind: !!bool ctc\ny: [1]\nyhat: [1]\n", [":1:", "!!bool", "'ctc'"]),
    "!!bool on a number": (MSE + "answer: !!bool 1.0\n", [":4:", "!!bool", "'1.0'"]),
    "!!timestamp on a word": (MSE + "title: !!timestamp 2001-13-45\n", [":4:", "!!timestamp"]),
    # found by --seed 777 (the audit): text no timestamp pattern matches, PyYAML's
    # construct_yaml_timestamp took None.groupdict() (AttributeError, exit 4)
    "!!timestamp on no date": (MSE + "title: !!timestamp abc\n", [":4:", "!!timestamp", "'abc'"]),
    "!!timestamp in a list": (
        MSE.replace("y: [1, 2]", "y: [1, !!timestamp 2001-12-14-3]"),
        [":2:", "!!timestamp", "'2001-12-14-3'"],
    ),
    # found by --seed 2: "-" left nothing after its sign (IndexError in PyYAML)
    "!!int on a lone sign": (MSE + 'title: !!int "-"\n', [":4:", "!!int", "'-'"]),
    # log_base .nan / .inf went to int(raw): "cannot convert float NaN to integer"
    "log_base nan": ("kind: bce\ny: [1]\nyhat: [0.5]\nlog_base: .nan\n", [":4:", "log_base"]),
    "log_base inf": ("kind: bce\ny: [1]\nyhat: [0.5]\nlog_base: -.inf\n", [":4:", "log_base"]),
}


@pytest.mark.parametrize(("text", "words"), CASES.values(), ids=list(CASES))
def test_fuzz_found_file_is_one_error_line(tmp_path, text, words):
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    for args in (
        ["solve", str(path)],
        ["solve", str(path), "--format", "json"],
        ["check", str(path)],
    ):
        result = runner.invoke(app, args)
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        ), repr(result.exception)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert str(path) in lines[0]
        for w in words:
            assert w in lines[0], lines[0]
