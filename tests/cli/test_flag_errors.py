"""Bad values of a flag command's flags: one line naming the flag the user typed.

The flag commands validate their flags like a problem file (``<command line>`` as the file);
their errors used to name YAML fields (``<command line>: field 'y[1]'``), which the user
never typed. Each case gives one bad value of one value flag and the words that must name
it: the flag, and the 1-based item (``item 2``) or row (``row 2``, rows split by ';').
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from tests.cli.streams import run_encoded

runner = CliRunner()
P3 = "0.7,0.2,0.1;0.1,0.8,0.1"  # two rows of three probabilities, each summing to 1
AB = ["--target", "AB"]
CTC_PROBS = "A=0.5,B=0.3,-=0.2"  # sums to 1
DEC = ["ctc", "decode", "--symbols", "-,A"]

CASES = {
    # --- mse / bce / hinge (--y, --yhat)
    "mse y nan": (["mse", "--y", "1,nan", "--yhat", "1,2"], "--y, item 2"),
    "mse yhat inf": (["mse", "--y", "1,2", "--yhat", "inf,2"], "--yhat, item 1"),
    "mse y count": (["mse", "--y", "1,2", "--yhat", "1"], "--y"),
    "mse yhat type": (["mse", "--y", "1,2", "--yhat", "1,x"], "--yhat, item 2"),
    "mse rows inf": (["mse", "--y", "1,2;3,4", "--yhat", "1,2;3,inf"], "--yhat, row 2, item 2"),
    "mse reduction": (["mse", "--y", "1", "--yhat", "1", "-r", "foo"], "--reduction"),
    "bce y range": (["bce", "--y", "1,2", "--yhat", "0.5,0.5"], "--y, item 2"),
    "bce yhat range": (["bce", "--y", "1,0", "--yhat", "0.5,1.5"], "--yhat, item 2"),
    "hinge y labels": (["hinge", "--y", "1,0", "--yhat", "0.5,1.5"], "--y"),
    "hinge yhat nan": (["hinge", "--y", "1,-1", "--yhat", "nan,1"], "--yhat, item 1"),
    # --- nll / cce (--y, --yhat, --logits, --log-probs)
    "nll y range": (["nll", "--y", "0,5", "--yhat", P3], "--y, item 2"),
    "nll y type": (["nll", "--y", "0,x", "--yhat", P3], "--y, item 2"),
    "nll yhat nan": (
        ["nll", "--y", "0,1", "--yhat", "0.7,0.2,0.1;0.1,0.8,nan"],
        "--yhat, row 2, item 3",
    ),
    "nll yhat sum": (["nll", "--y", "0,1", "--yhat", "0.7,0.2,0.1;0.1,0.8,0.5"], "--yhat, row 2"),
    "cce y count": (["cce", "--y", "1,0,0;0,1", "--yhat", P3], "--y, row 2"),
    "cce y lone": (["cce", "--y", "1.5", "--logits", "1,2"], "--y"),
    "cce yhat range": (
        ["cce", "--y", "0,1", "--yhat", "0.7,0.2,0.1;0.1,1.0,-0.1"],
        "--yhat, row 2, item 3",
    ),
    "cce logits inf": (
        ["cce", "--y", "0,1", "--logits", "0.7,0.2,0.1;0.1,inf,0.1"],
        "--logits, row 2, item 2",
    ),
    "cce log-probs range": (
        ["cce", "--y", "0,1", "--log-probs", "0.7,0,0;0,0,0"],
        "--log-probs, row 1, item 1",
    ),
    # --- sequence (--targets, --yhat, --logits, --vocabulary, --lengths, --mask)
    "seq yhat nan": (
        ["sequence", "--targets", "0,1", "--yhat", "0.5,0.5;nan,0.5"],
        "--yhat, row 2, item 1",
    ),
    "seq yhat one row": (["sequence", "--targets", "0", "--yhat", "0.5,inf"], "--yhat, item 2"),
    "seq targets range": (
        ["sequence", "--targets", "0,7", "--yhat", "0.5,0.5;0.5,0.5"],
        "--targets",
    ),
    "seq targets count": (
        ["sequence", "--targets", "0,1,1", "--yhat", "0.5,0.5;0.5,0.5"],
        "--targets",
    ),
    "seq logits type": (
        ["sequence", "--targets", "0,1", "--logits", "1,2;3,y"],
        "--logits, row 2, item 2",
    ),
    "seq vocabulary": (
        ["sequence", "--targets", "a,zz", "--vocabulary", "a,b", "--yhat", "0.5,0.5;0.5,0.5"],
        "--targets",
    ),
    "seq lengths": (
        ["sequence", "--targets", "0,1", "--yhat", "0.5,0.5;0.5,0.5", "--lengths", "9"],
        "--lengths",
    ),
    "seq mask": (
        ["sequence", "--targets", "0,1", "--yhat", "0.5,0.5;0.5,0.5", "--mask", "1,nan"],
        "--mask, item 2",
    ),
    # --- sequence-hinge (--y, --yhat, --lengths, --mask)
    "shinge y nan": (["sequence-hinge", "--y", "1,nan", "--yhat", "1,2"], "--y, item 2"),
    "shinge yhat count": (["sequence-hinge", "--y", "1,-1", "--yhat", "1"], "--y"),
    "shinge mask": (
        ["sequence-hinge", "--y", "1,-1", "--yhat", "1,2", "--mask", "1,inf"],
        "--mask, item 2",
    ),
    # --- reinforce (--probs --policy --logits --actions --rewards --returns --gamma --baseline)
    "rf probs range": (["reinforce", "--probs", "0.9,1.6", "--rewards", "1,0"], "--probs, item 2"),
    "rf rewards nan": (
        ["reinforce", "--probs", "0.9,0.6", "--rewards", "1,nan", "--gamma", "1"],
        "--rewards, item 2",
    ),
    "rf rewards count": (
        ["reinforce", "--probs", "0.9,0.6", "--rewards", "1,0,1", "--gamma", "1"],
        "--rewards",
    ),
    "rf gamma range": (
        ["reinforce", "--probs", "0.9,0.6", "--rewards", "1,0", "--gamma", "2"],
        "--gamma",
    ),
    "rf gamma type": (
        ["reinforce", "--probs", "0.9,0.6", "--rewards", "1,0", "--gamma", "x"],
        "--gamma",
    ),
    "rf returns inf": (
        ["reinforce", "--probs", "0.9,0.6", "--returns", "1,inf"],
        "--returns, item 2",
    ),
    "rf baseline nan": (
        [
            "reinforce",
            "--probs",
            "0.9,0.6",
            "--rewards",
            "1,0",
            "--gamma",
            "1",
            "--baseline",
            "nan",
        ],
        "--baseline",
    ),
    "rf policy sum": (
        ["reinforce", "--policy", "0.5,0.5;0.9,0.9", "--actions", "0,1", "--rewards", "1,0"],
        "--policy, row 2",
    ),
    "rf actions range": (
        ["reinforce", "--policy", "0.5,0.5;0.5,0.5", "--actions", "0,5", "--rewards", "1,0"],
        "--actions, item 2",
    ),
    "rf logits nan": (
        ["reinforce", "--logits", "0,1;nan,1", "--actions", "0,1", "--rewards", "1,0"],
        "--logits, row 2, item 1",
    ),
    # --- ctc (--target --probs -a --frames --method --emissions --logits --symbols --blank)
    "ctc probs sum": ([*["ctc"], *AB, "--frames", "3", "--probs", "A=0.5,B=0.7,-=0.2"], "--probs"),
    "ctc probs nan": (["ctc", *AB, "--probs", "A=0.5,B=nan,-=0.2", "-a", "A-B"], "--probs, B"),
    "ctc probs type": (["ctc", *AB, "--probs", "A=0.5,B=x,-=0.2", "-a", "A-B"], "--probs"),
    "ctc probs target": (["ctc", "--target", "AC", "--probs", CTC_PROBS, "-a", "A-B"], "--target"),
    "ctc alignment": (
        ["ctc", *AB, "--probs", CTC_PROBS, "-a", "A-B", "-a", "A-C"],
        "--alignment no. 2",
    ),
    "ctc frames range": (["ctc", *AB, "--frames", "0", "--probs", CTC_PROBS], "--frames"),
    "ctc method": (["ctc", *AB, "--probs", CTC_PROBS, "--method", "foo"], "--method"),
    "ctc blank": (["ctc", *AB, "--probs", CTC_PROBS, "-a", "A-B", "--blank", "AB"], "--blank"),
    "ctc emissions ragged": (
        ["ctc", *AB, "--emissions", "0.5,0.3,0.2;0.5,0.3", "--symbols", "-,A,B"],
        "--emissions, row 2",
    ),
    "ctc emissions nan": (
        ["ctc", *AB, "--emissions", "0.5,0.3,0.2;0.5,0.3,nan", "--symbols", "-,A,B"],
        "--emissions, row 2, item 3",
    ),
    "ctc logits inf": (
        ["ctc", *AB, "--logits", "0.5,0.3,0.2;0.5,inf,1", "--symbols", "-,A,B"],
        "--logits, row 2, item 2",
    ),
    "ctc symbols count": (
        ["ctc", *AB, "--logits", "0.5,0.3,0.2;0.5,0.3,1", "--symbols", "-,A"],
        "--logits",
    ),
    # --- ctc paths (TARGET, --probs, --blank)
    "paths probs nan": (
        ["ctc", "paths", "AB", "--frames", "3", "--probs", "A=0.5,B=nan,-=0.2"],
        "--probs",
    ),
    "paths probs type": (
        ["ctc", "paths", "AB", "--frames", "3", "--probs", "A=0.5,B=1e999,-=0.2"],
        "--probs",
    ),
    "paths blank": (
        ["ctc", "paths", "AB", "--frames", "3", "--probs", CTC_PROBS, "--blank", "--"],
        "--blank",
    ),
    # --- ctc decode (--emissions, --logits, --symbols, --beam, --lexicon, --separator)
    "decode nan": ([*DEC, "--emissions", "0.2,0.8;0.6,nan"], "--emissions"),
    "decode type": ([*DEC, "--emissions", "0.2,0.8;0.6,x"], "--emissions, row 2, item 2"),
    "decode symbols": (
        ["ctc", "decode", "--emissions", "0.2,0.8;0.6,0.4", "--symbols", "-,A,B"],
        "--emissions",
    ),
    "beam nan": (
        [*DEC, "--emissions", "0.2,0.8;0.6,nan", "--beam", "2"],
        "--emissions, row 2, item 2",
    ),
    "beam logits inf": (
        [*DEC, "--logits", "0.2,0.8;0.6,inf", "--beam", "2"],
        "--logits, row 2, item 2",
    ),
    "beam symbols": (
        ["ctc", "decode", "--emissions", "0.2,0.8;0.6,0.4", "--symbols", "-,A,B", "--beam", "2"],
        "--emissions",
    ),
    "beam lexicon": ([*DEC, "--emissions", "0.2,0.8;0.6,0.4", "--lexicon", "AZ"], "--lexicon"),
    # --- ctc align (TARGET, --emissions, --logits, --symbols)
    "align nan": (
        ["ctc", "align", "AB", "--emissions", "0.2,0.8;0.6,nan", "--symbols", "-,A"],
        "--emissions, row 2, item 2",
    ),
    "align logits ragged": (
        ["ctc", "align", "AB", "--logits", "0,2,0;1,1,0;0,0", "--symbols", "-,A,B"],
        "--logits, row 3",
    ),
    "align symbols": (
        ["ctc", "align", "AB", "--logits", "0,2,0;1,1,0;0,0,1", "--symbols", "-,A"],
        "--logits",
    ),
    "align target": (
        ["ctc", "align", "AC", "--logits", "0,2,0;1,1,0;0,0,1", "--symbols", "-,A,B"],
        "TARGET",
    ),
}


@pytest.mark.parametrize(("args", "words"), CASES.values(), ids=CASES.keys())
def test_bad_flag_value_names_the_flag(args, words):
    result = runner.invoke(app, args, env={"COLUMNS": "60", "NO_COLOR": "1"})
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    # the flag, then its row / item or the message: "--y" is not "--yhat"
    assert re.match(rf"error: {re.escape(words)}[:,]", line), line
    assert "<command line>: field" not in line and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["ctc", "--probs", "A=1"], "error: --target: "),
        (["train", "--loss", "mse", "--epochs", "100000"], "error: --epochs: "),
    ],
)
def test_an_error_raised_before_the_build_names_its_flag_too(args, start):
    # flag_error (raised outside flags_named's build) still said "<command line>: field '--target'"
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.output.startswith(start), result.output


@pytest.mark.parametrize("value", ["-1", "0", "-0", "0e5"])
def test_a_learning_rate_not_above_0_is_told_it_must_be(value, monkeypatch):
    # Found by hand: `train --lr -1` was told "expected a number >= 0", and then
    # `train --lr 0` "expected a finite number > 0": the first message sent the user to a
    # value that is refused too.
    argv = ["train", "--loss", "mse", "--epochs", "1", "--lr", value]
    code, out, err = run_encoded(argv, monkeypatch, "utf-8")
    assert code == 2 and out == "", (code, out, err)
    assert err.count("\n") == 1
    assert ">= 0" not in err
    assert "> 0" in err and "--lr" in err, err
