"""Grade a class: an answers CSV -> per-student scores, slips, and a class summary.

The CSV has a header. Long form: ``student, problem, figure, value`` (one answer a row). Wide
form: ``student, problem`` and then one column per figure (an empty cell is not answered).
``problem`` names a problem file by its name without ``.yaml`` (``hello-07``), its file name or
its path as given. Each problem's graded figures are its answer key's (``loss`` for a file
without a key), with the key's points (1 by default); every answer is marked by ``mark``, so a
wrong one carries its diagnosed slip. A student's score is the points earned over the points of
every problem given (an unanswered figure earns 0); of the variants of one template (files
written by ``rnnloss vary``, recognised by their ``source``) only one counts: the student's
own (``--ids``), else the one the student answered. Slips are summed per template.

A malformed row (too few cells, no student, an unknown problem or figure, a value that is not a
number, a second answer to the same figure) is reported by its row number and skipped; the
rest of the file is graded.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.limits import MAX_GRADE_ROWS

LONG_COLUMNS = ("student", "problem", "figure", "value")
#: Bins of the score distribution: percent ranges [0, 10), [10, 20), ..., [90, 100].
BINS = 10


@dataclass
class Answer:
    """One graded answer (a row of the long form, or a cell of the wide form)."""

    row: int
    student: str
    problem: str
    figure: str
    given: float
    expected: float
    right: bool
    points: float
    earned: float
    slip: str | None
    says: str | None
    correct_step: str | None


@dataclass
class GradeReport:
    problems: dict[str, Any]
    answers: list[Answer] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    students: list[str] = field(default_factory=list)

    def earned(self, student: str) -> float:
        return sum(a.earned for a in self.answers if a.student == student)

    def possible(self, student: str) -> float:
        """Points the student could earn: every problem, one variant per template.

        A problem that is not a variant counts for everyone. Of the variants of one template,
        the student's own (``vary --ids``), else the one the student answered, else the
        largest, counts once.
        """
        answered = {a.problem for a in self.answers if a.student == student}
        groups: dict[str, list[_Graded]] = {}
        for g in self.problems.values():
            groups.setdefault(g.group, []).append(g)
        total = 0.0
        for members in groups.values():
            own = [g for g in members if g.owner == student]
            done = [g for g in members if g.name in answered]
            pick = own or done or members
            total += max(g.points for g in pick)
        return total

    @property
    def max_possible(self) -> float:
        return max((self.possible(s) for s in self.students), default=0.0)


@dataclass
class _Graded:
    """A problem solved once: its marking context and the figures it grades, with points.

    ``group`` is the template a variant was drawn from (its own name otherwise) and ``owner``
    the student id of a ``vary --ids`` variant (read back from its ``source``).
    """

    name: str
    ctx: Any
    figures: dict[str, float]
    group: str = ""
    owner: str | None = None

    @property
    def points(self) -> float:
        return sum(self.figures.values())


_VARIANT_SOURCE = re.compile(
    r"^variant (?:for (?P<owner>.+)|\d+) of (?P<template>.+?), seed -?\d+;"
)


def _load_problems(paths: list[str]) -> dict[str, _Graded]:
    from rnnloss_cli.problem import load_problem, problem_files
    from rnnloss_cli.solve import solve
    from rnnloss_cli.teach.mark import Ctx

    out: dict[str, _Graded] = {}
    files = problem_files(paths)
    if not files:
        raise ProblemError(f"no problem files (*.yaml, *.yml) in {', '.join(paths)}")
    for path in files:
        problem = load_problem(path)
        ctx = Ctx(problem, solve(problem))
        key = problem.meta.answer or {"loss": 0.0}
        figures = {f: problem.meta.points.get(f, 1.0) for f in key}
        m = _VARIANT_SOURCE.match(problem.meta.source or "")
        group = Path(m["template"]).stem if m else Path(path).stem
        graded = _Graded(Path(path).stem, ctx, figures, group, m["owner"] if m else None)
        for alias in (Path(path).stem, Path(path).name, path):
            out.setdefault(alias, graded)
    return out


def _rows(path: str) -> list[list[str]]:
    from rnnloss_cli.problem import read_text

    # A spreadsheet's UTF-8 byte-order mark is not part of the first column's name.
    rows = list(csv.reader(io.StringIO(read_text(path).removeprefix("\ufeff"))))
    if len(rows) > MAX_GRADE_ROWS + 1:
        raise ProblemError(
            f"{len(rows) - 1} rows; at most {MAX_GRADE_ROWS} (MAX_GRADE_ROWS) are graded",
            file=path,
        )
    return rows


def _cells(header: list[str], row: list[str]) -> list[tuple[str, str, str]]:
    """(problem, figure, value) triples of one row, long or wide."""
    if tuple(header) == LONG_COLUMNS:
        return [(row[1].strip(), row[2].strip(), row[3].strip())]
    return [
        (row[1].strip(), h, c.strip())
        for h, c in zip(header[2:], row[2:], strict=False)
        if c.strip()
    ]


def grade_class(problem_paths: list[str], answers_path: str) -> GradeReport:
    """Mark every answer of ``answers_path`` against the problems; see the module docstring."""
    from rnnloss_cli.teach.mark import mark_ctx

    problems = _load_problems(problem_paths)
    distinct = {id(g): g for g in problems.values()}
    report = GradeReport({g.name: g for g in distinct.values()})
    rows = _rows(answers_path)
    if not rows:
        raise ProblemError(
            "empty; expected a header such as student,problem,figure,value", file=answers_path
        )
    header = [h.strip().lower() if i < 2 else h.strip() for i, h in enumerate(rows[0])]
    if header[:2] != ["student", "problem"] or len(header) < 3:
        raise ProblemError(
            "expected a header 'student,problem,figure,value' (long) or 'student,problem,"
            f"<figure>,...' (wide), got {','.join(rows[0])!r}",
            file=answers_path,
            line=1,
        )
    long_form = tuple(header) == LONG_COLUMNS
    seen: set[tuple[str, str, str]] = set()

    def issue(n: int, msg: str) -> None:
        report.issues.append(f"{answers_path} row {n}: {msg}; skipped")

    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            issue(n, f"{len(row)} cells, the header has {len(header)}")
            continue
        student = row[0].strip()
        if not student:
            issue(n, "no student")
            continue
        if student not in report.students:
            report.students.append(student)
        for prob_name, figure, text in _cells(header, row):
            where = f"{figure!r}" if long_form else f"column {figure!r}"
            graded = problems.get(prob_name)
            if graded is None:
                issue(n, f"unknown problem {prob_name!r} (known: {', '.join(report.problems)})")
                break
            if figure not in graded.figures:
                issue(
                    n,
                    f"figure {where} is not in the key of {graded.name} "
                    f"(graded: {', '.join(graded.figures)})",
                )
                continue
            try:
                value = float(text)
                if not math.isfinite(value):
                    raise ValueError
            except ValueError:
                issue(n, f"value {text!r} for {where} is not a number")
                continue
            if (student, graded.name, figure) in seen:
                issue(n, f"{student} already answered {graded.name} {figure}")
                continue
            seen.add((student, graded.name, figure))
            m = mark_ctx(graded.ctx, {figure: value}).marks[0]
            points = graded.figures[figure]
            report.answers.append(
                Answer(
                    n,
                    student,
                    graded.name,
                    figure,
                    value,
                    m.expected,
                    m.right,
                    points,
                    points * m.right,
                    m.slip,
                    m.says,
                    m.correct_step,
                )
            )
    return report


def _percent(earned: float, possible: float) -> float:
    return 100.0 * earned / possible if possible else 0.0


def report_csv(report: GradeReport) -> str:
    """One row per student: points earned, possible, percent, and the slips of wrong answers."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "earned", "possible", "percent", "wrong", "slips"])
    for s in report.students:
        mine = [a for a in report.answers if a.student == s]
        wrong = [a for a in mine if not a.right]
        earned = report.earned(s)
        w.writerow(
            [
                s,
                f"{earned:g}",
                f"{report.possible(s):g}",
                f"{_percent(earned, report.possible(s)):.1f}",
                len(wrong),
                "; ".join(f"{a.problem}/{a.figure}: {a.slip or 'unexplained'}" for a in wrong),
            ]
        )
    return buf.getvalue()


def summary(report: GradeReport) -> dict[str, Any]:
    """Class summary: score distribution (percent bins) and the commonest slips per problem."""
    scores = [_percent(report.earned(s), report.possible(s)) for s in report.students]
    bins = [0] * BINS
    for p in scores:
        bins[min(BINS - 1, int(p // (100 / BINS)))] += 1
    slips: dict[str, Counter] = {}
    for a in report.answers:
        if not a.right:
            slips.setdefault(report.problems[a.problem].group, Counter())[
                a.slip or "unexplained"
            ] += 1
    return {
        "students": len(report.students),
        "answers": len(report.answers),
        "skipped_rows": len(report.issues),
        "possible": report.max_possible,
        "mean_percent": sum(scores) / len(scores) if scores else 0.0,
        "distribution": {
            f"{i * 100 // BINS}-{(i + 1) * 100 // BINS}%": c for i, c in enumerate(bins)
        },
        "slips": {p: c.most_common(3) for p, c in sorted(slips.items())},
    }


def summary_text(report: GradeReport) -> str:
    """The summary as lines for the terminal."""
    s = summary(report)
    lines = [
        f"{s['students']} students, {s['answers']} answers graded, {s['skipped_rows']} rows "
        f"skipped; mean {s['mean_percent']:.1f}% of {s['possible']:g} points",
        "score distribution:",
    ]
    for label, count in s["distribution"].items():
        lines.append(f"  {label:>8} {'#' * count} {count}")
    if s["slips"]:
        lines.append("most common slips:")
        for prob, common in s["slips"].items():
            lines.append(f"  {prob}: " + ", ".join(f"{name} ({n})" for name, n in common))
    return "\n".join(lines)


def report_json(report: GradeReport) -> str:
    """Every answer with its verdict and slip, per student, and the summary."""
    from dataclasses import asdict

    students = []
    for s in report.students:
        mine = [asdict(a) for a in report.answers if a.student == s]
        earned = report.earned(s)
        students.append(
            {
                "student": s,
                "earned": earned,
                "possible": report.possible(s),
                "percent": _percent(earned, report.possible(s)),
                "answers": mine,
            }
        )
    return json.dumps(
        {"students": students, "summary": summary(report), "issues": report.issues},
        indent=2,
        ensure_ascii=False,
    )
