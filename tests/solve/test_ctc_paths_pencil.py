"""`rnnloss ctc paths ... --probs`: the givens the products multiply are printed first, the
loss is worked from the printed sum, an infinite loss says why, and sums below the doubles
print from their logs (not as 0, which the loss cannot come from).

Hand arithmetic (a calculator, not the engine): AB over 3 frames, P(A) = .5, P(B) = .3,
P(-) = .2: -AB .2 × .5 × .3 = .03, AAB .5 × .5 × .3 = .075, A-B .03, ABB .5 × .3 × .3 = .045,
AB- .03; p(l|x) = .21, −ln .21 = 1.560648 (1.561 at -p 3).
With P(A) = 0 over 2 frames the one alignment AB has p = 0: the loss is infinite.
With every P = 1e-300 each path is 1e-900 and p = 5e-900; −ln 5e-900 = 900 ln 10 − ln 5 =
2072.326584 − 1.609438 = 2070.717146 (2070.72 at -p 2).
The empty target over 2 frames with P(-) = .5: the one path -- has p = .25.
"""

from __future__ import annotations

from typer.testing import CliRunner

from rnnloss_cli.cli.app import app

runner = CliRunner()


def _paths(target: str, frames: int, probs: str, *args: str) -> list[str]:
    argv = ["ctc", "paths", target, "--frames", str(frames), "--probs", probs, "-f", "markdown"]
    done = runner.invoke(app, [*argv, *args])
    assert done.exit_code == 0, done.output
    return done.output.splitlines()


def test_the_givens_come_first_and_the_loss_is_worked_from_the_sum():
    lines = _paths("AB", 3, "A=0.5,B=0.3,-=0.2", "-p", "3")
    given = lines.index("- given, at every frame: y_t(A) = 0.5, y_t(B) = 0.3, y_t(-) = 0.2")
    assert given < lines.index("**alignments and their probabilities**")
    assert (
        "- sum over every alignment: p(l\\|x) = 0.03 + 0.075 + 0.03 + 0.045 + 0.03 = 0.21" in lines
    )
    assert "- loss: $-\\ln p(l|x) = -\\ln 0.21 = 1.561$" in lines, lines


def test_an_infinite_loss_says_why():
    lines = _paths("AB", 2, "A=0,B=0.3,-=0.2")
    assert any(
        "the loss is infinite: p(l\\|x) = 0, since every alignment of AB uses a symbol of "
        "probability 0 (y_t(A) = 0)" in line
        for line in lines
    ), lines


def test_sums_below_the_doubles_print_from_their_logs():
    lines = _paths("AB", 3, "A=1e-300,B=1e-300,-=1e-300", "-p", "2")
    assert any(line.endswith("= 5.0e-900") and "sum over" in line for line in lines), lines
    assert any(line.endswith("= 5.0e-900") and "forward" in line for line in lines), lines
    assert "- loss: $-\\ln p(l|x) = -\\ln 5.0 \\times 10^{-900} = 2070.72$" in lines, lines


def test_one_alignment_is_its_product_not_a_sum_of_one_term():
    lines = _paths("", 2, "-=0.5", "-p", "2")
    assert "- sum over every alignment: p(l\\|x) = 0.25, the one alignment's product" in lines, (
        lines
    )


def test_the_forward_check_adds_the_two_final_alphas_it_names():
    # "forward algorithm: α_T(S') + α_T(S'−1) = 0.21" named two numbers it never printed.
    # Hand (the alignments above): α_3(5), the paths ending in the last blank: AB- = .03;
    # α_3(4), those ending in B: -AB + AAB + A-B + ABB = .03 + .075 + .03 + .045 = .18;
    # .03 + .18 = .21
    lines = _paths("AB", 3, "A=0.5,B=0.3,-=0.2", "-p", "3")
    forward = ": α_T(S') + α_T(S'−1) = 0.03 + 0.18 = 0.21"
    assert any(line.startswith("- forward algorithm") and line.endswith(forward) for line in lines)
    # the empty target has one final state: α_T(S') alone, = .5 × .5 = .25
    lines = _paths("", 2, "-=0.5", "-p", "2")
    assert "- forward algorithm: α_T(S') = 0.25" in lines, lines


def test_a_target_that_does_not_fit_its_frames_has_no_alignment_to_blame():
    # Found by hand: `ctc paths ABC --frames 2` printed "p(l|x) = 0, the one alignment's
    # product" over an empty table and blamed float64 underflow for the infinite loss. ABC
    # needs 3 frames (one a label, no repeats), so no path exists: p(l|x) is an empty sum.
    lines = _paths("ABC", 2, "A=0.5,B=0.2,C=0.1,-=0.2")
    text = "\n".join(lines)
    assert "the one alignment" not in text
    assert "underflow" not in text
    assert "- sum over every alignment: p(l\\|x) = 0, an empty sum: no alignment fits" in text
    assert any(
        "the loss is infinite: p(l\\|x) = 0, since ABC needs at least 3 frames and there are 2"
        in line
        for line in lines
    ), lines


def test_a_long_target_is_cut_in_the_title_and_the_count():
    # Found by hand: `ctc paths <10,000 labels> --frames 3` wrote the target whole twice
    # (title and count line, 20 KB), where every derivation cuts a labelling to its ends.
    lines = _paths("AB" * 5_000, 3, "A=0.5,B=0.2,-=0.3")
    text = "\n".join(lines)
    assert len(text) < 3_000, len(text)
    assert "ABABABABABABABABABAB…(10,000 symbols)…ABABABABABABABABABAB" in lines[0]


def test_a_target_spelling_a_placeholder_is_written_as_it_is():
    # Found by hand: the count line put the target into its template, so the target {n}
    # (three symbols) printed as the count: "B(π) = 1". {n}'s one path over 3 frames is {n}.
    lines = _paths("{n}", 3, "{=0.2,n=0.2,}=0.2,-=0.4")
    assert any(
        line.startswith("- count: 1 alignment (paths π with B(π) = {n}; at least 3 frames")
        for line in lines
    ), lines
