"""What the pencil (tests/solve/pencil.py) reads as a relation, and what it must not."""

from tests.solve.pencil import audit_line


def test_an_iverson_bracket_is_no_relation():
    # BPTT's cross-entropy line "g_3[1] = (softmax(o_3)[1] − [c_3 = 0]) / 3 = (0.3703 − 0) / 3
    # = 0.1234": [c_3 = 0] is 1 when c_3 = 0 and 0 otherwise (the printed 0 after 0.3703), not
    # a claim that c_3 equals 0. The pencil read "softmax(o_3)[1] − [c_3 = 0" as a relation
    # worked from names ("unworked"), so the line counted one relation it could not redo.
    # Hand: (0.3703 − 0) / 3 = 0.123433 → 0.1234 at 4 decimals.
    line = "g_3[1] = (softmax(o_3)[1] − [c_3 = 0]) / 3 = (0.3703 − 0) / 3 = 0.1234"
    a = audit_line(line, 4)
    assert [(r.rhs, r.status) for r in a.relations] == [("0.1234", "ok")]
    assert not a.unworked
    # the same with c_2 = 0 (the bracket is 1): (0.284 − 1) = −0.716
    a = audit_line("g_2[1] = (softmax(o_2)[1] − [c_2 = 0]) = (0.284 − 1) = -0.716", 3)
    assert [(r.rhs, r.status) for r in a.relations] == [("-0.716", "ok")]


def test_a_relation_after_a_closed_bracket_is_still_read():
    # a bracket that closes before " = " leaves the relation outside it: y_t[1] names an
    # entry, and "y_1[2] = 0.3 + 0.4 = 0.7" is a relation worked from printed numbers
    a = audit_line("y_1[2] = 0.3 + 0.4 = 0.7", 1)
    assert [(r.rhs, r.status) for r in a.relations] == [("0.7", "ok")]
