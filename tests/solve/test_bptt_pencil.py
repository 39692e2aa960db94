"""The BPTT derivation read with a pencil (problems/bptt-two-steps.yaml).

Hand numbers: W_xh = 0.5, W_hh = W_hy = 1, biases and h0 = 0, x = (1, 0), y = (0, 0).
h_1 = tanh(0.5) = 0.462117, 1 − h_1² = 0.786448; h_2 = tanh(0.462117) = 0.431808,
1 − h_2² = 0.813542 (math.tanh as the calculator).
"""

from pathlib import Path

import pytest

from rnnloss_cli import solve_file, solve_problem

PROBLEM = Path(__file__).resolve().parents[2] / "problems" / "bptt-two-steps.yaml"


def _table(r, start):
    return next(t for t in r.tables if t.title.startswith(start))


def test_backward_table_runs_from_the_last_step_to_the_first():
    back = _table(solve_file(PROBLEM), "backward pass")
    assert [row[0] for row in back.rows] == [2, 1]


def test_backward_table_shows_the_tanh_factor():
    back = _table(solve_file(PROBLEM), "backward pass")
    j = back.columns.index("1 − h²")
    assert [row[j] for row in back.rows] == pytest.approx([0.813542, 0.786448], abs=1e-6)
    # δ_t = ∂L/∂h_t × (1 − h_t²), row by row
    dh, delta = back.columns.index("∂L/∂h"), back.columns.index("δ")
    for row in back.rows:
        assert row[delta] == pytest.approx(row[dh] * row[j])


def test_gradient_norm_names_what_it_covers():
    r = solve_file(PROBLEM)
    step = next(s for s in r.steps if s.label == "gradient norm")
    assert "h0" in step.text and "W_xh" in step.text


def test_reach_table_defines_the_pre_activation():
    reach = _table(solve_file(PROBLEM), "how far back")
    assert "a_t = x_t W_xh + h_{t−1} W_hh + b_h" in reach.caption


def test_loss_line_adds_the_step_losses_it_names():
    # L_1 = 0.462117² = 0.213552 (prints 0.214), L_2 = 0.431808² = 0.186458 (0.186):
    # L = 0.214 + 0.186 = 0.4; the line showed only "L = Σ_t L_t = 0.4"
    from rnnloss_cli.render.text import step_text

    r = solve_file(PROBLEM)
    step = next(s for s in r.steps if s.label == "loss")
    assert step_text(step, 3) == "L = Σ_t L_t = 0.214 + 0.186 = 0.4"


def test_mean_loss_line_divides_the_written_sum_by_t(tmp_path):
    # reduction mean: L = (0.213552 + 0.186458) / 2 = 0.200005 (prints 0.2)
    from rnnloss_cli.render.text import step_text

    text = PROBLEM.read_text().replace("reduction: sum", "reduction: mean")
    text = text.split("\nanswer:")[0] + "\n"
    f = tmp_path / "mean.yaml"
    f.write_text(text)
    step = next(s for s in solve_file(f).steps if s.label == "loss")
    assert step_text(step, 3) == "L = (1/T) Σ_t L_t = (0.214 + 0.186) / 2 = 0.2"


def test_cross_entropy_names_how_its_classes_are_numbered(tmp_path):
    # targets c_t are class indices from 0, but the columns are o[1], softmax[1], …: with
    # c_1 = 0, L_1 = −ln softmax[1] = −ln(e^0.462 / (e^0.462 + e^−0.462)) = −ln 0.716 = 0.334,
    # which a student can only find when the givens say c_t = 0 is column [1]
    text = PROBLEM.read_text().split("\nanswer:")[0] + "\n"
    text = text.replace("loss: squared_error", "loss: cross_entropy")
    text = text.replace("targets: [[0.0], [0.0]]", "targets: [0, 1]")
    text = text.replace("W_hy: [[1.0]]", "W_hy: [[1.0, -1.0]]").replace(
        "b_y: [0.0]", "b_y: [0.0, 0.0]"
    )
    f = tmp_path / "ce.yaml"
    f.write_text(text)
    r = solve_file(f)
    assert r.loss == pytest.approx(0.334 + 1.215, abs=2e-3)  # reduction: sum
    givens = next(s for s in r.steps if s.label.startswith("givens"))
    assert "c_t numbered from 0 (c_t = 0 is column [1])" in givens.text


def _lines(r, precision: int) -> str:
    """Every derivation line as printed at ``precision`` (the derivation's guard digits)."""
    from rnnloss_cli.render.text import digits_plan, step_text

    plan = digits_plan(r, precision)
    return "\n".join(step_text(s, precision, plan) for s in r.steps)


def test_each_gradient_is_summed_over_the_steps_in_a_line():
    # The gradient table gave only the sums; at -p 2 it printed b_y = 1.79 while the g
    # column read 0.92 and 0.86 (0.92 + 0.86 = 1.78). By hand (the problem's comment):
    # g_1 = 2 × 0.462117 = 0.924234, g_2 = 2 × 0.431808 = 0.863616,
    # δ_1 = 1.279411, δ_2 = 0.702588:
    # W_xh = 1 × 1.279411 + 0 × 0.702588 = 1.279411
    # W_hh = 0 × 1.279411 + 0.462117 × 0.702588 = 0.324678
    # b_h = 1.279411 + 0.702588 = 1.981999
    # W_hy = 0.462117 × 0.924234 + 0.431808 × 0.863616 = 0.427105 + 0.372916 = 0.800021
    # b_y = 0.924234 + 0.863616 = 1.787851;  h0 = 1.279411 × 1 = 1.279411
    # At -p 5 each is the hand value to 5 decimals. (At -p 6 the numbers carry guard digits
    # where a later line works on them, most of all the squared norm: squaring needs them;
    # tests/solve/test_bptt_norm_squares.py audits every line there.)
    r = solve_file(PROBLEM)
    text = _lines(r, 5)
    assert "W_xh = Σ_t x_tᵀ δ_t = 1 × 1.27941 + 0 × 0.70259 = 1.27941" in text
    assert "W_hh = Σ_t h_{t−1}ᵀ δ_t = 0 × 1.27941 + 0.46212 × 0.70259 = 0.32468" in text
    assert "b_h = Σ_t δ_t = 1.27941 + 0.70259 = 1.982" in text
    assert "W_hy = Σ_t h_tᵀ g_t = 0.46212 × 0.92423 + 0.43181 × 0.86362 = 0.80002" in text
    assert "b_y = Σ_t g_t = 0.92423 + 0.86362 = 1.78785" in text
    assert "h0 = δ_1 W_hhᵀ = 1.27941 × 1 = 1.27941" in text
    # at -p 2 every line holds from its printed numbers (no "≈")
    assert "≈" not in _lines(r, 2)


def test_forward_and_backward_steps_are_worked_once():
    # a_1 = x_1 W_xh + h_0 W_hh + b_h = 1 × 0.5 + 0 × 1 + 0 = 0.5, h_1 = tanh(0.5) = 0.462117,
    # o_1 = h_1 W_hy + b_y = 0.462117 × 1 + 0 = 0.462117; g_2 = 2 × (0.431808 − 0)
    # = 0.863616; ∂L/∂h_1 = g_1 W_hyᵀ + δ_2 W_hhᵀ = 0.924234 × 1 + 0.702588 × 1 = 1.626822
    # (at -p 5: each to 5 decimals)
    r = solve_file(PROBLEM)
    text = _lines(r, 5)
    assert "a_1 = x_1 W_xh + h_0 W_hh + b_h = 1 × 0.5 + 0 × 1 + 0 = 0.5" in text
    assert "h_1 = tanh(a_1) = tanh(0.5) = 0.46212" in text
    assert "o_1 = h_1 W_hy + b_y = 0.46212 × 1 + 0 = 0.46212" in text
    assert "g_2 = 2 (o_2 − y_2) = 2 × (0.43181 − 0) = 0.86362" in text
    assert "∂L/∂h_1 = g_1 W_hyᵀ + δ_2 W_hhᵀ = 0.92423 × 1 + 0.70259 × 1 = 1.62682" in text


def test_gradient_norm_is_worked_from_the_gradients():
    # ‖∇L‖ = √(sum of the squares of every gradient entry): with the gradients above (to
    # more digits, math.tanh as the calculator) 1.2794107² + 0.3246779² + 1.9819986²
    # + 0.8000211² + 1.7878507² + 1.2794107² = 11.143961, √11.143961 = 3.338257.
    # It printed "‖∇L‖ over W_xh, …, h0 = 3.338": no norm named, no numbers.
    r = solve_file(PROBLEM)
    square = next(s for s in r.steps if s.label == "squared gradient norm")
    assert square.values["s"] == pytest.approx(11.143961, abs=1e-6)
    grads = [1.2794107, 0.3246779, 1.9819986, 0.8000211, 1.7878507, 1.2794107]
    # each entry is squared in the line as printed (1.279², which a pencil redoes)
    assert [square.values[f"e{k}"] for k in range(6)] == pytest.approx(grads, abs=1e-6)
    names = "(∂L/∂W_xh)² + (∂L/∂W_hh)² + (∂L/∂b_h)² + (∂L/∂W_hy)² + (∂L/∂b_y)² + (∂L/∂h0)²"
    terms = " + ".join(f"{{e{k}}}²" for k in range(6))
    assert square.text == f"‖∇L‖² = {names} = {terms} = {{s}}"
    for precision in (2, 3, 6):
        text = _lines(r, precision)
        assert "≈" not in text, text
    assert "‖∇L‖ = √(the sum of the squares above) = √11.143961 = 3.338257" in _lines(r, 6)


def test_latex_formula_states_the_loss_as_the_plain_one_does():
    # the plain formula says "L = Σ_t L_t(o_t)"; the LaTeX one (markdown, sheets) left it out,
    # so a markdown reader never saw what L sums
    r = solve_file(PROBLEM)
    assert "L = Σ_t L_t(o_t)" in r.formula.text
    assert r"L = \sum_t L_t(o_t)" in r.formula.latex


def test_tanh_line_works_the_pre_activation_the_engine_used():
    # x_1 W_xh + h_0 W_hh + b_h = 1 × 1 + 0.001 × 0.01 + (−1) = 0.00001 exactly (the engine
    # adds b_h first: (1 − 1) + 0.00001), and h_1 = tanh(0.00001) = 0.00001 − 0.00001³/3 + …
    # = 9.99999999966667e-06. The line summed in another order, 1 + 0.00001 − 1 =
    # 1.0000000000065512e-05 in doubles, and printed "tanh(1.00000000000655e-05) ≈
    # 9.99999999966667e-06": tanh of the printed number is 1.00000000000622e-05 (and the a_1
    # line said "≈ 1.00000000000655e-5").
    from tests.solve.pencil import audit_line, describe

    r = solve_problem(
        {
            "kind": "bptt",
            "loss": "squared_error",
            "x": [[1.0]],
            "targets": [[0.0]],
            "W_xh": [[1.0]],
            "W_hh": [[0.01]],
            "b_h": [-1.0],
            "W_hy": [[1.0]],
            "b_y": [0.0],
            "h0": [0.001],
        },
        name="cancel",
    )
    step = next(s for s in r.steps if s.label.startswith("hidden state at t = 1"))
    assert step.values["a"] == pytest.approx(1e-5, rel=1e-15, abs=0)
    # the a_1 line is exact from its printed numbers: "= 1e-5", not "≈ 1.00000000000655e-5"
    worked = next(s for s in r.steps if s.label.startswith("worked: pre-activation"))
    assert worked.values["a"] == pytest.approx(1e-5, rel=1e-15, abs=0)
    assert "≈" not in next(x for x in _lines(r, 17).splitlines() if x.startswith("a_1 ="))
    for precision in (12, 14, 17):
        for line in _lines(r, precision).splitlines():
            a = audit_line(line, precision)
            assert not a.defects, [describe(a, d) for d in a.defects]


def test_an_overflowing_pre_activation_is_left_out_without_a_warning():
    # a_1 = 10 × 1e308 + 1e308 × 1e308 + (−1e308) = inf in doubles, but h_1 = tanh(inf) = 1 is
    # finite, so the problem solves; the worked a_1 and h_1 lines are left out, and no numpy
    # overflow warning may reach stderr ("RuntimeWarning: overflow encountered in …")
    import warnings

    problem = {
        "kind": "bptt",
        "loss": "squared_error",
        "x": [[10.0], [1.0]],
        "targets": [[0.0], [0.0]],
        "W_xh": [[1e308]],
        "W_hh": [[1e308]],
        "b_h": [-1e308],
        "W_hy": [[1.0]],
        "b_y": [0.0],
        "h0": [1e308],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = solve_problem(problem, name="overflow")
    assert not any(s.label.startswith("hidden state at t = 1") for s in r.steps)


def test_forward_table_shows_the_pre_activation_each_h_is_worked_from():
    # h_2 = tanh(a_2) needs a_2, which the table did not print (only a_1 was worked in a line).
    # Hand: a_1 = 1 × 0.5 + 0 × 1 + 0 = 0.5; a_2 = 0 × 0.5 + 0.462117 × 1 + 0 = 0.462117,
    # h_2 = tanh(0.462117) = 0.431808 (math.tanh as the calculator); o_t = h_t × 1 + 0.
    forward = _table(solve_file(PROBLEM), "forward pass")
    a, h = forward.columns.index("a"), forward.columns.index("h")
    assert a < h
    assert [row[a] for row in forward.rows] == pytest.approx([0.5, 0.462117], abs=1e-6)
    assert [row[h] for row in forward.rows] == pytest.approx([0.462117, 0.431808], abs=1e-6)
    worked = {d.column: d for d in forward.derived}
    assert worked["h"].text == "tanh({0})" and worked["h"].inputs == ("a",)
    assert worked["a"].inputs == ("x", "h_{t−1}")
    assert worked["o"].inputs == ("h",)
    # the caption says how each worked column comes from its row
    assert "a = x W_xh + h_{t−1} W_hh + b_h" in forward.caption
    assert "h = tanh(a)" in forward.caption
    assert "o = h W_hy + b_y" in forward.caption


def test_forward_cells_check_with_a_pencil_for_several_units():
    # two inputs, two hidden units, two classes (15 columns: the table holds 16): every a,
    # h, o and softmax cell of the forward table is redone from its row's printed cells and
    # the given parameters.
    # Hand, row 1, unit 1: a = 1 × 0.5 + (−0.5) × 0.8 + 0.2 × 0.9 + (−0.1) × 0.2 + 0.1 = 0.36,
    # h = tanh(0.36) = 0.345214 (math.tanh as the calculator)
    from rnnloss_cli.render.text import digits_plan, lay_out, table_cells
    from tests.solve.pencil import audit_line, describe

    problem = {
        "kind": "bptt",
        "loss": "cross_entropy",
        "reduction": "mean",
        "x": [[1.0, -0.5], [0.3, 0.2], [-1.2, 0.7]],
        "targets": [0, 1, 1],
        "W_xh": [[0.5, -0.3], [0.8, 0.1]],
        "W_hh": [[0.9, -0.4], [0.2, 0.7]],
        "b_h": [0.1, -0.2],
        "W_hy": [[1.0, -1.0], [0.3, -0.9]],
        "b_y": [0.0, -0.1],
        "h0": [0.2, -0.1],
    }
    r = solve_problem(problem, name="units")
    forward = _table(r, "forward pass")
    row = forward.rows[0]
    assert row[forward.columns.index("a[1]")] == pytest.approx(0.36, abs=1e-12)
    assert row[forward.columns.index("h[1]")] == pytest.approx(0.345214, abs=1e-6)
    declared = {d.column for d in forward.derived}
    want = {
        f"{n}[{j}]"
        for n, k in (("a", 2), ("h", 2), ("o", 2), ("softmax", 2))
        for j in range(1, k + 1)
    } | {"L_t"}  # −ln p_t
    assert want <= declared
    held = [d for d in forward.derived if {d.column, *d.inputs} <= set(forward.columns)]
    assert len(held) == len(want)
    read = 0
    for precision in (1, 2, 3, 5):
        digits = digits_plan(r, precision)
        texts = table_cells(forward, lay_out(forward), precision, digits)
        for d in held:
            ins = [forward.columns.index(n) for n in d.inputs]
            out = forward.columns.index(d.column)
            for cells in texts:
                sign = "≈" if cells[out].startswith("≈") else "="
                # an input cell marked "≈" (its own inputs do not give it) is still the
                # number printed: at -p 2, h[1] = tanh(≈0.40701) = 0.38593
                args = [f"({cells[j].lstrip('≈')})" for j in ins]
                line = f"{d.column}: {d.text.format(*args)} {sign} {cells[out].lstrip('≈')}"
                a = audit_line(line, precision)
                assert not a.defects, [describe(a, x) for x in a.defects]
                read += a.checked
    assert read == 4 * 3 * len(held)


def test_reach_ratio_is_worked_from_two_printed_norms():
    # ratio = ‖∂L_T/∂a_{T−k}‖ / ‖∂L_T/∂a_{T−k+1}‖: the row above's norm was not in the row and
    # the caption did not say what the ratio divides, and with the printed norms a student
    # got 0.553 / 0.703 = 0.7866 → 0.787, not the printed 0.786. Hand (the problem's
    # comment): 0.552549 / 0.702588 = 0.786448 (= W_hh × (1 − h_1²) = 1 × 0.786448).
    from rnnloss_cli.render.text import digits_plan, lay_out, table_cells
    from tests.solve.pencil import audit_line, describe

    r = solve_file(PROBLEM)
    reach = _table(r, "how far back")
    assert "ratio = ‖∂L_T/∂a_{T−k}‖ / ‖∂L_T/∂a_{T−k+1}‖" in reach.caption
    worked = {d.column: d for d in reach.derived}
    assert worked["ratio"].text == "{0} / {1}"
    assert worked["ratio"].inputs == ("‖∂L_T/∂a_{T−k}‖", "row above's")
    ratio, above = reach.columns.index("ratio"), reach.columns.index("row above's")
    assert reach.rows[1][ratio] == pytest.approx(0.786448, abs=1e-6)
    assert reach.rows[1][above] == pytest.approx(0.702588, abs=1e-6)
    assert reach.rows[0][above] == ""  # k = 0 has no row above
    now = reach.columns.index("‖∂L_T/∂a_{T−k}‖")
    for precision in (1, 2, 3, 4, 6):
        cells = table_cells(reach, lay_out(reach), precision, digits_plan(r, precision))[1]
        sign = "≈" if cells[ratio].startswith("≈") else "="
        line = f"ratio = ({cells[now]}) / ({cells[above]}) {sign} {cells[ratio].lstrip('≈')}"
        a = audit_line(line, precision)
        assert a.checked and not a.defects, [describe(a, x) for x in a.defects]


def test_a_norm_over_many_entries_is_worked_parameter_by_parameter():
    # 2 inputs, 2 hidden units, 3 outputs: 4 + 4 + 2 + 6 + 3 + 2 = 21 gradient entries, more
    # than a line shows (STEP_MAX_TERMS = 16), so "‖∇L‖ over W_xh, … = 1.193" was printed
    # with nothing to redo. Worked per parameter instead, each ‖θ‖² being the sum of the
    # squares of that parameter's rows in the gradient table (redone here from the table).
    from rnnloss_cli.render.text import digits_plan, step_text
    from tests.solve.pencil import audit_line, describe

    problem = {
        "kind": "bptt",
        "loss": "cross_entropy",
        "reduction": "mean",
        "x": [[1.0, -0.5], [0.3, 0.2], [-1.2, 0.7]],
        "targets": [0, 2, 1],
        "W_xh": [[0.5, -0.3], [0.8, 0.1]],
        "W_hh": [[0.9, -0.4], [0.2, 0.7]],
        "b_h": [0.1, -0.2],
        "W_hy": [[1.0, -1.0, 0.5], [0.3, 0.6, -0.9]],
        "b_y": [0.0, 0.1, -0.1],
        "h0": [0.2, -0.1],
    }
    r = solve_problem(problem, name="many")
    square = next(s for s in r.steps if s.label == "squared gradient norm")
    names = "‖∂L/∂W_xh‖² + ‖∂L/∂W_hh‖² + ‖∂L/∂b_h‖² + ‖∂L/∂W_hy‖² + ‖∂L/∂b_y‖² + ‖∂L/∂h0‖²"
    assert square.text.startswith(f"‖∇L‖² = {names} = ")
    grads = _table(r, "every parameter's gradient")
    by_name: dict[str, float] = {}
    for row in grads.rows:
        name = row[0].split(" = ")[0].removeprefix("∂L/∂")
        by_name[name] = by_name.get(name, 0.0) + sum(c * c for c in row[2:] if c != "")
    parts = [square.values[f"e{k}"] for k in range(6)]
    want = [by_name[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0")]
    assert parts == pytest.approx(want, rel=1e-12)
    norm = next(s for s in r.steps if s.label == "gradient norm").values["n"]
    assert sum(parts) == pytest.approx(norm**2, rel=1e-12)
    for precision in (2, 3, 6):
        plan = digits_plan(r, precision)
        for label in ("squared gradient norm", "gradient norm, worked"):
            line = step_text(next(s for s in r.steps if s.label == label), precision, plan)
            a = audit_line(line, precision)
            assert a.checked and not a.defects, [describe(a, d) for d in a.defects]


def test_a_cross_entropy_step_loss_is_worked_from_its_softmax_cell():
    # the forward table's L_t is −ln of the softmax cell of class c_t (not declared worked:
    # the column it picks changes by row), and no line took the log: L_1 = 1.109 could not
    # be traced. Hand, with math.tanh / math.exp as the calculator:
    # a_1 = (1 × .5 + (−.5) × .8 + .2 × .9 + (−.1) × .2 + .1, 1 × (−.3) + (−.5) × .1
    #        + .2 × (−.4) + (−.1) × .7 + (−.2)) = (.36, −.7); h_1 = tanh a_1;
    # o_1 = h_1 W_hy + b_y; c_1 = 0: L_1 = −ln(e^o[1] / Σ_k e^o[k])
    import math

    from rnnloss_cli.render.text import digits_plan, step_text
    from tests.solve.pencil import audit_line

    h = [math.tanh(0.36), math.tanh(-0.7)]
    w_hy, b_y = [[1.0, -1.0, 0.5], [0.3, 0.6, -0.9]], [0.0, 0.1, -0.1]
    o = [h[0] * w_hy[0][k] + h[1] * w_hy[1][k] + b_y[k] for k in range(3)]
    soft = math.exp(o[0]) / sum(math.exp(v) for v in o)
    problem = {
        "kind": "bptt",
        "loss": "cross_entropy",
        "reduction": "mean",
        "x": [[1.0, -0.5], [0.3, 0.2], [-1.2, 0.7]],
        "targets": [0, 2, 1],
        "W_xh": [[0.5, -0.3], [0.8, 0.1]],
        "W_hh": [[0.9, -0.4], [0.2, 0.7]],
        "b_h": [0.1, -0.2],
        "W_hy": w_hy,
        "b_y": b_y,
        "h0": [0.2, -0.1],
    }
    r = solve_problem(problem, name="ce")
    step = next(s for s in r.steps if s.label == "step loss at t = 1")
    assert step.text == "L_1 = −ln softmax(o_1)[c_1 + 1] = −ln softmax(o_1)[1] = −ln {s} = {L}"
    assert step.values["s"] == pytest.approx(soft, rel=1e-12)
    assert step.values["L"] == pytest.approx(-math.log(soft), rel=1e-12)
    for precision in (1, 3, 6):
        line = step_text(step, precision, digits_plan(r, precision))
        a = audit_line(line, precision)
        assert a.checked and not a.defects, line


def test_a_negative_pre_activation_is_not_bracketed_twice():
    # a_1 = 0 × 0.5 + 0.5 × (−1) + 0 = −0.5, h_1 = tanh(−0.5) = −0.462117 (tanh is odd): the
    # line printed "tanh((-0.5))", the operand's own brackets inside tanh's
    from rnnloss_cli.render.text import step_text

    text = PROBLEM.read_text().split("\nanswer:")[0] + "\n"
    text = text.replace("x: [[1.0], [0.0]]", "x: [[0.0], [0.0]]")
    text = text.replace("W_hh: [[1.0]]", "W_hh: [[-1.0]]").replace("h0: [0.0]", "h0: [0.5]")
    r = solve_problem(__import__("yaml").safe_load(text), name="negative")
    step = next(s for s in r.steps if s.label.startswith("hidden state at t = 1"))
    assert step_text(step, 4) == "h_1 = tanh(a_1) = tanh(−0.5) = −0.4621"


def test_reach_table_fits_an_80_column_terminal_in_one_block():
    # With the row above's norm headed ‖∂L_T/∂a_{T−k+1}‖ and "k steps back", the table was 95
    # columns wide: at 80 its ratio column went to a second block, away from what it divides.
    from typer.testing import CliRunner

    from rnnloss_cli.cli import app

    out = CliRunner().invoke(app, ["solve", str(PROBLEM)], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert out.exit_code == 0, out.output
    assert "how far back the gradient reaches" in out.output
    assert "how far back the gradient reaches (continued" not in out.output


def test_each_cross_entropy_step_loss_follows_from_a_printed_probability():
    """bptt-three-steps-cross-entropy: L_2 = 0.3944 was printed beside softmax[1] = 0.674,
    and −ln 0.674 = 0.3945 (L_3 = 0.8889 beside 0.411: −ln 0.411 = 0.8892); the guard digits
    went to the cells no L_t uses. The table prints the target's probability p_t (its cell
    of the softmax) and works L_t = −ln p_t from it, row by row, with the digits that needs."""
    import math

    from rnnloss_cli.render.text import digits_plan, lay_out, table_cells

    r = solve_file(PROBLEM.parent / "bptt-three-steps-cross-entropy.yaml")
    plan = digits_plan(r, 3)
    checked = 0
    for t in r.tables:
        if "L_t" not in t.columns or "p_t" not in t.columns:
            continue
        laid = lay_out(t)
        cells = table_cells(t, laid, 3, plan)
        p_at, l_at = laid.columns.index("p_t"), laid.columns.index("L_t")
        for row in cells:
            p, loss = float(row[p_at]), float(row[l_at])
            decimals = len(row[l_at].split(".")[1])
            assert round(-math.log(p), decimals) == loss, (row[p_at], row[l_at])
            checked += 1
    assert checked == 3
