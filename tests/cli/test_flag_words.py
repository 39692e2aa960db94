"""A sweep of bad inputs over every flag command: each error is one line naming the flag the
user typed, in the words of flags, never those of a problem file.

The flag commands validate their flags as a problem file (``<command line>`` as its file),
and some messages came out in YAML's words: ``the command line: logits needs 'symbols:
[...]'``, ``the command line: missing field: give one of yhat, logits``, ``<command line>:
field '--y'``, ``(give 'logits' instead ...)``, ``missing from symbols``; greedy ``ctc
decode`` named no row (``--emissions: rows of different lengths``) where ``--beam`` did;
``train`` said ``<command line>: training diverged``. Each case: the arguments, and the flag
(with its row or item) that the one ``error:`` line must start with.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from rnnloss_cli.cli import app

runner = CliRunner()
P3 = "0.7,0.2,0.1;0.1,0.8,0.1"  # two rows of three probabilities, each summing to 1
E2 = "0.5,0.5;0.5,0.5"  # two frames of two probabilities
AB = ["--target", "AB"]
PROBS = "A=0.5,B=0.3,-=0.2"  # sums to 1
DEC = ["ctc", "decode", "--symbols", "-,A"]
ALIGN = ["ctc", "align", "A", "--symbols", "-,A"]
RF = ["reinforce", "--rewards", "1,0", "--gamma", "1", "--actions", "0,1"]
BIG = "1" + "0" * 401  # an integer past float64

CASES = {
    # --- mse / bce / hinge: widths, non-numbers, nan/inf, empty, huge
    "mse width": (["mse", "--y", "1,2;3,4", "--yhat", "1,2"], "--y"),
    "mse empty": (["mse", "--y", "", "--yhat", "1"], "--y"),
    "mse huge": (["mse", "--y", "1", "--yhat", "1e400"], "--yhat, item 1"),
    "mse big int": (["mse", "--y", BIG, "--yhat", "1"], "--y, item 1"),
    "bce range": (["bce", "--y", "1,0", "--yhat", "0.5,-0.5"], "--yhat, item 2"),
    "hinge labels": (["hinge", "--y", "1,0", "--yhat", "0.5,1"], "--y"),
    # --- nll / cce: lone --y, missing --yhat, two sources, sums
    "nll lone y empty": (["nll", "--y", "", "--yhat", "0.5,0.5"], "--y"),
    "nll lone y huge": (["nll", "--y", BIG, "--yhat", "0.5,0.5"], "--y"),
    "nll no yhat": (["nll", "--y", "0,1"], "--yhat"),
    "nll two sources": (["nll", "--y", "0,1", "--yhat", P3, "--logits", P3], "--logits"),
    "nll sum": (["nll", "--y", "0", "--yhat", "0.5,0.6"], "--yhat"),
    "cce width": (["cce", "--y", "1,0;0,1", "--yhat", P3], "--y"),
    "cce log-probs nan": (["cce", "--y", "0", "--log-probs", "nan,0"], "--log-probs, item 1"),
    # --- sequence / sequence-hinge
    "seq no yhat": (["sequence", "--targets", "0,1"], "--yhat"),
    "seq sum": (["sequence", "--targets", "0,1", "--yhat", "0.5,0.6;0.5,0.5"], "--yhat, row 1"),
    "seq count": (["sequence", "--targets", "0,1,1", "--yhat", E2], "--targets"),
    "seq vocabulary twice": (
        ["sequence", "--targets", "a,b", "--vocabulary", "a,a", "--yhat", E2],
        "--vocabulary, item 2",
    ),
    "seq unknown symbol": (
        ["sequence", "--targets", "a,z", "--vocabulary", "a,b", "--yhat", E2],
        "--targets, item 2",
    ),
    "seq lengths and mask": (
        ["sequence", "--targets", "0,1", "--yhat", E2, "--mask", "1,1", "--lengths", "2"],
        "--mask",
    ),
    "shinge lengths": (
        ["sequence-hinge", "--y", "1,-1", "--yhat", "1,2", "--lengths", "5"],
        "--lengths, item 1",
    ),
    # --- reinforce: missing flags, sums, non-numbers
    "rf nothing": (["reinforce"], "--probs"),
    "rf no gamma": (["reinforce", "--probs", "0.5", "--rewards", "1"], "--gamma"),
    "rf no actions": (["reinforce", "--policy", "0.5,0.5", "--returns", "1"], "--actions"),
    "rf policy sum": ([*RF, "--policy", "0.5,0.6;0.5,0.5"], "--policy, row 1"),
    "rf logits nan": ([*RF, "--logits", "0,1;nan,1"], "--logits, row 2, item 1"),
    "rf gamma text": (["reinforce", "--probs", "0.5", "--rewards", "1", "--gamma", "x"], "--gamma"),
    # --- ctc (flags form)
    "ctc logits no symbols": (["ctc", "--logits", "1,2,3", "--target", "A"], "--logits"),
    "ctc emissions no symbols": (["ctc", "--emissions", "0.5,0.5", "--target", "A"], "--emissions"),
    "ctc no source": (["ctc", "--target", "A"], "--probs"),
    "ctc symbols with probs": (["ctc", *AB, "--probs", PROBS, "--symbols", "-,A,B"], "--symbols"),
    "ctc listed no alignment": (["ctc", *AB, "--probs", PROBS, "--method", "listed"], "--method"),
    "ctc blank in target": (["ctc", "--target", "A-", "--probs", "A=0.5,-=0.5"], "--blank"),
    "ctc emissions width": (
        ["ctc", *AB, "--emissions", "0.2,0.7,0.1;0.5,0.4,0.1", "--symbols", "-,A"],
        "--emissions",
    ),
    "ctc logits width": (["ctc", *AB, "--logits", "1,2,3;1,2,3", "--symbols", "-,A"], "--logits"),
    "ctc emissions one row sum": (
        ["ctc", "--target", "A", "--emissions", "0.5,0.6", "--symbols", "-,A"],
        "--emissions",
    ),
    "ctc duplicate symbols": (["ctc", *AB, "--logits", "1,2", "--symbols", "A,A"], "--symbols"),
    "ctc unknown symbol": (["ctc", *AB, "--logits", "1,2", "--symbols", "-,A"], "--target"),
    "ctc frames vs rows": (
        ["ctc", "--target", "A", "--emissions", E2, "--symbols", "-,A", "--frames", "3"],
        "--frames",
    ),
    # --- ctc decode: greedy and beam name the same row and item
    "decode ragged": ([*DEC, "--emissions", "0.5,0.5;0.5,0.5;0.5"], "--emissions, row 3"),
    "beam ragged": (
        [*DEC, "--emissions", "0.5,0.5;0.5,0.5;0.5", "--beam", "2"],
        "--emissions, row 3",
    ),
    "decode logits ragged": ([*DEC, "--logits", "1,2;1,2;1"], "--logits, row 3"),
    "decode nan": ([*DEC, "--emissions", "0.5,0.5;0.5,nan"], "--emissions, row 2, item 2"),
    "decode inf logits": ([*DEC, "--logits", "0.5,0.5;inf,0"], "--logits, row 2, item 1"),
    "decode negative": ([*DEC, "--emissions", "0.5,0.5;1.5,-0.5"], "--emissions, row 2, item 1"),
    "decode emissions width": ([*DEC, "--emissions", "0.2,0.7,0.1"], "--emissions"),
    "decode logits width": ([*DEC, "--logits", "1,2,3"], "--logits"),
    "beam logits width": ([*DEC, "--logits", "1,2,3", "--beam", "2"], "--logits"),
    "beam emissions width": ([*DEC, "--emissions", "0.2,0.7,0.1", "--beam", "2"], "--emissions"),
    "beam sum one row": ([*DEC, "--emissions", "0.5,0.6", "--beam", "2"], "--emissions"),
    "beam negative": ([*DEC, "--emissions", "1.5,-0.5", "--beam", "2"], "--emissions, item 1"),
    "beam duplicate symbols": (
        ["ctc", "decode", "--emissions", "0.5,0.5", "--symbols", "A,A", "--beam", "2"],
        "--symbols",
    ),
    "beam lexicon blank": (
        [*DEC, "--emissions", "0.5,0.5", "--lexicon", "A-"],
        "--lexicon, item 1",
    ),
    "beam separator alone": ([*DEC, "--emissions", "0.5,0.5", "--separator", "_"], "--separator"),
    # --- ctc align
    "align sum": ([*ALIGN, "--emissions", "0.5,0.6;0.5,0.5"], "--emissions, row 1"),
    "align huge": ([*ALIGN, "--logits", "1e400,1"], "--logits, item 1"),
    "align empty": ([*ALIGN, "--emissions", ""], "--emissions"),
    "align text": ([*ALIGN, "--emissions", "0.5,x"], "--emissions, item 2"),
    # --- ctc paths
    "paths probs missing": (["ctc", "paths", "AB", "--frames", "3", "--probs", "A=1"], "--probs"),
    # --- train
    "train diverges": (["train", "--lr", "1e6", "--epochs", "2"], "--lr"),
    # --- second sweep: bare field names, 'key: value', 'N symbols are named', long echoes
    "seq mask width": (
        ["sequence", "--targets", "0", "--yhat", "0.5,0.5", "--mask", "1,1"],
        "--mask",
    ),
    "seq lengths count": (
        ["sequence", "--targets", "0,1", "--yhat", E2, "--lengths", "1,2,3"],
        "--lengths",
    ),
    "seq lengths long": (
        ["sequence", "--targets", "0", "--yhat", "0.5,0.5", "--lengths", "2"],
        "--lengths, item 1",
    ),
    "shinge all padding": (
        ["sequence-hinge", "--y", "1,-1", "--yhat", "0.5,0.5", "--lengths", "0"],
        "--lengths",
    ),
    "ctc symbols count": (
        ["ctc", "--target", "A", "--logits", "1,2", "--symbols", "A"],
        "--logits",
    ),
    "align symbols count": (
        ["ctc", "align", "A", "--logits", "1,2,3", "--symbols", "-,A"],
        "--logits",
    ),
    "decode symbols count": ([*DEC, "--emissions", "0.5,0.3,0.2"], "--emissions"),
    "decode duplicate symbols": (
        ["ctc", "decode", "--emissions", "0.5,0.5", "--symbols", "A,A"],
        "--symbols",
    ),
    "decode no blank": (["ctc", "decode", "--emissions", "0.5,0.5", "--symbols", "A,B"], "--blank"),
    "decode empty symbol": (
        ["ctc", "decode", "--emissions", "0.5,0.5", "--symbols", "-,"],
        "--symbols, item 2",
    ),
    "reduction echoed": (["mse", "--y", "1", "--yhat", "1", "-r", "reduction: sum"], "--reduction"),
    "method echoed": (["ctc", *AB, "--probs", PROBS, "--method", "method: exact"], "--method"),
    "train epochs huge": (["train", "--epochs", "9" * 400], "--epochs"),
    "train seed huge": (["train", "--seed", "-" + "9" * 400], "--seed"),
    "rf actions with probs": ([*RF[:5], "--probs", "0.5,0.5", "--actions", "0,1"], "--actions"),
    "cce y rows for indices": (["cce", "--y", "1,0;0,1", "--yhat", "0.5,0.5"], "--y"),
    "shinge lengths rows": (
        ["sequence-hinge", "--y", "1,-1", "--yhat", "1,1", "--lengths", "1;2"],
        "--lengths",
    ),
    "ctc exact implied, no T": (
        ["ctc", "--target", "A", "--probs", "A=0.5,-=0.5", "--show", "beta"],
        "--frames",
    ),
    "ctc frames vs one row": (
        ["ctc", *AB, "--emissions", "0.5,0.3,0.2", "--symbols", "-,A,B", "--frames", "3"],
        "--frames",
    ),
}

#: What the user typed, echoed back: a quoted value must read as typed, not as a flag.
ECHOED = {"reduction echoed": "'reduction: sum'", "method echoed": "'method: exact'"}

#: Words of a problem file, not of a command line.
YAML_WORDS = re.compile(
    r"field|<command line>|the command line|'\w+: |'\w+:'|\w+: \[|"
    r"'(?:symbols|logits|emissions|probs|alignments|frames|blank|yhat|y|targets|policy|"
    r"actions|rewards|returns|gamma|lengths|mask|lexicon|separator|log_probs)'"
)
#: A field's bare name where the message points to another flag ("per step of yhat",
#: "padding (lengths)"), a YAML setting ("or reduction: sum"), a count of symbols that names
#: no flag ("1 symbols"), a number echoed whole (more than 40 digits), "probs are already",
#: a problem file's "nested list" for a flag's rows, and "1 rows".
FIELDS = r"(?:yhat|logits|emissions|lengths|mask|symbols|probs|targets|policy|reduction|blank)"
BARE_WORDS = re.compile(
    rf"(?<![-\w])(?:of|like|from) {FIELDS}\b|\({FIELDS}\)|(?<![-\w']){FIELDS}: \w|"
    r"\b\d+ symbols\b|\d{41}|"
    rf"(?<![-\w]){FIELDS} are already|nested list|\b1 rows\b"
)


@pytest.mark.parametrize("case", CASES)
def test_flag_command_error_speaks_in_flags(case):
    args, flag = CASES[case]
    result = runner.invoke(app, args, env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert re.match(rf"error: {re.escape(flag)}: ", line), line  # "--y" is not "--yhat"
    echoed = ECHOED.get(case, "")
    assert echoed in line, line
    words = line.replace(echoed, "") if echoed else line
    assert not YAML_WORDS.search(words), line
    assert not BARE_WORDS.search(words), line


#: Inputs the greedy decoder and prefix beam search both refuse before decoding.
SAME_WITH_BEAM = {
    "ragged": ["--emissions", "0.5,0.5;0.5,0.5;0.5", "--symbols", "-,A"],
    "nan": ["--emissions", "0.5,0.5;0.5,nan", "--symbols", "-,A"],
    "negative": ["--emissions", "1.5,-0.5", "--symbols", "-,A"],
    "emissions width": ["--emissions", "0.5,0.3,0.2", "--symbols", "-,A"],
    "logits width": ["--logits", "1,2", "--symbols", "-,A,B"],
    "duplicate symbols": ["--logits", "1,2", "--symbols", "A,A"],
    "no blank": ["--logits", "1,2", "--symbols", "A,B"],
    "empty symbol": ["--logits", "1,2", "--symbols", "-,"],
    "symbol with a space": ["--logits", "1,2", "--symbols", "-,A B"],
    "no symbols": ["--logits", "1,2", "--symbols", ""],
}


@pytest.mark.parametrize("case", SAME_WITH_BEAM)
def test_greedy_and_beam_decoding_refuse_in_the_same_words(case):
    # greedy said 'give distinct column names', '2 columns but 3 symbols' and named --symbols
    # for a blank missing from them, where --beam says 'each symbol may appear once', names
    # --symbols' count and --blank
    args = ["ctc", "decode", *SAME_WITH_BEAM[case]]
    greedy = runner.invoke(app, args, env={"COLUMNS": "80", "NO_COLOR": "1"})
    beam = runner.invoke(app, [*args, "--beam", "2"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert greedy.exit_code == beam.exit_code == 2, (greedy.output, beam.output)
    assert greedy.stderr == beam.stderr
    assert greedy.stderr.startswith("error: --") and greedy.stderr.count("\n") == 1
