"""Grade a class: an answers CSV -> per-student scores, slips, and a class summary.

The CSV has a header, matched in any case with spaces around names ignored; the student
column may be headed as a roster's id column (``Student ID``, ``username``: see
``vary.ROSTER_ID_COLUMNS``). Long form:
``student, problem, figure, value`` (one answer a row; further columns, such as a comment,
are ignored with a warning naming them). Wide form: ``student, problem`` and then one column
per figure (an empty cell is not answered). Rows end at LF, CRLF or a lone CR.

``problem`` names a problem file by its name without ``.yaml`` (``hello-07``), its file name or
its path as given, in any case (``Hello-07`` too) when only one problem has that name so
folded; two problem files of one name (in two folders) are refused, and names that differ only
by case (``Hello.yaml``, ``HELLO.yaml``) are said so once and must be written exactly. Each
problem's
graded figures are its answer key's (``loss`` for a file without a key; figure names in any
case), with the key's points (1 by default), and each entry of an array key (BPTT's
``grads.W_hh[0][1]``, also written ``dL/dW_hh[0,1]`` as the Moodle bank asks it) and each
text key (a decoding's ``greedy``/``beam``, an alignment's ``path``, compared as text by
``mark``: the empty labelling written ``ε`` or ``(empty)``, as an empty wide cell is not
answered) for 1 point; every answer is marked by ``mark`` (its value read by
``mark.parse_value``: ``inf`` and ``1e400`` are infinite), so a wrong one carries its
diagnosed slip. A student's score
is the points earned over the points of every problem given (an unanswered figure earns 0).

Of the variants of one template (files written by ``rnnloss vary``, recognised by their
``source``) only one counts for a student: their own (``--ids``), else the first one they
answered. An answer to another student's variant, or to a second numbered variant, earns
nothing: it is reported and skipped, so no score passes 100%. Slips are summed per template.
A row may name the template itself (``hinge-sequence``, as a form everyone filled in says):
it is the student's own ``--ids`` variant (numbered variants need their own names), written
in any case, by its file name or its path too, and when the template file is graded beside
its variants.

A malformed row (too few or too many cells, no student, an unknown problem or figure, a value
that is not a number, a second answer to the same figure, a variant that does not count) is
reported by its row number and skipped; the rest of the file is graded, and a student whose
rows were all skipped is still listed, with 0, as is, after the students of the CSV, every
student a variant was made for (``vary --ids``) who has no row. A blank value in the long form
is not answered, as an empty wide cell (for a text figure it is the empty labelling). A
student id is matched exactly, spaces around it ignored: ids that differ only by case
(``S1``, ``s1``) are graded as different students, and a warning names them once. The
rows are read one at a time, and a file past MAX_GRADE_ROWS is refused before any answer is
marked.
"""

from __future__ import annotations

import csv
import io
import json
import math
import operator
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.flags import TINY_WORDS
from rnnloss_cli.limits import MAX_GRADE_ROWS, MAX_LISTED_ROW_ISSUES
from rnnloss_cli.teach.csvfile import csv_records, read_csv_text, shown

LONG_COLUMNS = ("student", "problem", "figure", "value")
#: Bins of the score distribution: percent ranges [0, 10), [10, 20), ..., [90, 100].
BINS = 10
#: Widest bar of the distribution in the terminal summary (a class of 8000 is scaled down).
BAR_WIDTH = 50
#: Problem names an "unknown problem" warning lists (a folder may hold thousands).
LISTED_PROBLEMS = 10
#: Distinct answers (problem, figure, text) whose marks are kept for the answers that repeat
#: them: a class mostly writes the right value or the same slip's value, marked once (a wrong
#: one tries every slip, and pairs of them) and shared, floats and texts too. Bounded, at a
#: few MB, for a class whose every answer differs.
MARKS_KEPT = 10_000


def nfc(text: str) -> str:
    """``text`` in Unicode's composed form (NFC): an id or a problem name typed with a
    combining accent (``Zoe`` + U+0308, as macOS writes file names) is the composed one (``Zoë``,
    as ``vary`` names its files)."""
    return unicodedata.normalize("NFC", text)


@dataclass(slots=True)
class Answer:
    """One graded answer (a row of the long form, or a cell of the wide form).

    In slots (128 bytes, where an instance dict made 176, and 240 once ``vars`` had read
    it): a class of a million answers holds them all while its reports are written.
    """

    row: int
    student: str
    problem: str
    figure: str
    #: A number, or for a text figure its text (the empty labelling as "").
    given: float | str
    expected: float | str
    right: bool
    points: float
    earned: float
    slip: str | None
    says: str | None
    correct_step: str | None
    #: No slip named because the search stopped at MAX_MARK_SECONDS (``says`` tells).
    search_cut: bool = False


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
    path: str = ""
    #: Key figures left out, each with why (a NaN value: no answer can be right).
    dropped: list[str] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(self.figures.values())

    @cached_property
    def names(self) -> dict[str, str]:
        """Each figure's name -> the key's own string of it."""
        return {f: f for f in self.figures}

    def figure(self, name: str) -> str | None:
        """The key's figure called ``name`` in any case (None: not graded); an array entry
        as ``grads.W_hh[0][1]`` or ``dL/dW_hh[0,1]``."""
        from rnnloss_cli.teach.mark import entry_name

        if name in self.figures:
            return self.names[name]  # the key's own string: an answer holds no copy of it
        entry = entry_name(name, self.figures)
        if entry is not None:
            return entry
        folded = [f for f in self.figures if f.casefold() == name.casefold()]
        return folded[0] if len(folded) == 1 else None


@dataclass
class GradeReport:
    """Every graded answer, indexed by student, and the variant that counts for each."""

    problems: dict[str, _Graded]
    answers: list[Answer] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    #: Every student with a row (even rows all skipped), in order, with their graded answers;
    #: then every student a variant was made for who has no row (no answers).
    by_student: dict[str, list[Answer]] = field(default_factory=dict)
    #: (student, template) -> the variant answered first (it counts when none is their own).
    answered: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Numbers of the rows with an answer skipped (the whole row, or a cell of a wide row).
    skipped_rows: set[int] = field(default_factory=set)
    #: Rows' warnings listed in ``issues`` (at most MAX_LISTED_ROW_ISSUES) and the others.
    listed_row_issues: int = 0
    unlisted_row_issues: int = 0
    #: Problem files whose answer key disagrees with the computed value, which the answers
    #: are marked against (as ``mark`` does): the CLI names them and exits 1.
    disagree: list[str] = field(default_factory=list)

    @property
    def students(self) -> list[str]:
        return list(self.by_student)

    @property
    def loaded(self) -> dict[str, Any]:
        """Each problem file read, by its path, to its parsed problem (``input_files``)."""
        return {g.path: g.ctx.problem for g in self.problems.values()}

    @cached_property
    def groups(self) -> dict[str, list[_Graded]]:
        """Template -> its variants (a problem that is not a variant is its own group)."""
        out: dict[str, list[_Graded]] = {}
        for g in self.problems.values():
            out.setdefault(g.group, []).append(g)
        return out

    @cached_property
    def largest(self) -> dict[str, float]:
        """Template -> the points of its largest variant (what counts before any answer)."""
        return {group: max(g.points for g in members) for group, members in self.groups.items()}

    @cached_property
    def own(self) -> dict[tuple[str, str], _Graded]:
        """(student, template) -> the variant ``vary --ids`` made for that student."""
        return {(g.owner, g.group): g for g in self.problems.values() if g.owner is not None}

    def counted(self, student: str, group: str) -> _Graded | None:
        """The one variant of ``group`` that counts for ``student``: their own, else the
        first they answered (None: neither yet)."""
        own = self.own.get((student, group))
        if own is not None:
            return own
        name = self.answered.get((student, group))
        return None if name is None else self.problems[name]

    def earned(self, student: str) -> float:
        # 0.0, not sum()'s int 0, for a student with no answers: a float like everyone's
        return sum((a.earned for a in self.by_student.get(student, ())), 0.0)

    def possible(self, student: str) -> float:
        """Points the student could earn: every problem, one variant per template.

        A problem that is not a variant counts for everyone. Of the variants of one template,
        the student's own (``vary --ids``), else the one the student answered, else the
        largest, counts once.
        """
        total = 0.0
        for group, largest in self.largest.items():
            pick = self.counted(student, group)
            total += pick.points if pick else largest
        return total

    @property
    def max_possible(self) -> float:
        return max((self.possible(s) for s in self.students), default=0.0)

    def totals(self) -> dict[str, tuple[float, float]]:
        """Student -> (earned, possible), each worked out once (a report and its summary
        would otherwise work out ``possible`` three times a student)."""
        return {s: (self.earned(s), self.possible(s)) for s in self.by_student}

    def not_counted(self, student: str, graded: _Graded) -> str | None:
        """Why an answer to ``graded`` earns ``student`` nothing (None: it counts)."""
        pick = self.counted(student, graded.group)
        who = student_shown(student)
        if graded.owner is not None and graded.owner != student:
            mine = f"; {who}'s own is {pick.name}" if pick else ""
            return f"{graded.name} is the variant of {graded.owner}, not {who}'s{mine}"
        if pick is not None and pick is not graded:
            if pick.owner == student:
                return f"only {who}'s own variant of {graded.group}, {pick.name}, counts"
            return (
                f"{who} already answered {pick.name}, a variant of the same template "
                f"({graded.group}); only one variant counts"
            )
        return None


#: Characters that break a message's one line or drive the terminal: C0 and C1 controls,
#: DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def student_shown(student: str) -> str:
    """A student id as a message names it: as it is, or quoted with its escapes (``'a\\nb'``)
    when it holds a line break or another control character (a quoted CSV cell may): the
    warning about it stays one line."""
    return shown(student) if _CONTROL.search(student) else student


def _load_problems(paths: list[str]) -> dict[str, _Graded]:
    """Problem name, file name and path as given -> the problem, solved once.

    Two files of one name (``a/q.yaml`` and ``b/q.yaml``, or ``q.yaml`` and ``q.yml``) are a
    ProblemError naming both: an answers CSV names problems by name.
    """
    from rnnloss_cli.problem import load_problem, problem_files
    from rnnloss_cli.solve import solve
    from rnnloss_cli.teach.mark import Ctx
    from rnnloss_cli.teach.vary import variant_origin

    out: dict[str, _Graded] = {}
    files = problem_files(paths)
    if not files:
        raise ProblemError(f"no problem files (*.yaml, *.yml) in {', '.join(paths)}")
    for path in files:
        stem = Path(path).stem
        if stem in out:
            if Path(out[stem].path).resolve() == Path(path).resolve():
                continue  # the same file given twice
            raise ProblemError(
                f"two problem files are named {stem!r}: {out[stem].path} and {path}; the "
                "answers CSV could not tell them apart (rename one, or grade them apart)",
                file=path,
            )
        problem = load_problem(path)
        ctx = Ctx(problem, solve(problem))
        # the text figures the key names (greedy, beam, path): a key of those only grades
        # them, not an unkeyed loss too; a file with no key grades its loss
        keys = getattr(problem, "keys", None)
        keyed_texts = [f for f in ctx.texts if keys is not None and f in keys.text]
        key = problem.meta.answer or ({} if keyed_texts else {"loss": 0.0})
        figures = {f: problem.meta.points.get(f, 1.0) for f in key}
        # a NaN figure (0 x an infinite term) is not graded: no answer can be right (as the
        # Moodle export writes no question for it)
        dropped = [f for f in figures if f not in ctx.texts and math.isnan(ctx.shown(f))]
        for f in dropped:
            del figures[f]
        # each entry of an array key (BPTT's grads) is a figure of 1 point, as in the Moodle bank
        figures.update(dict.fromkeys(ctx.entries, 1.0))
        # each text key (a decoding's greedy/beam, an alignment's path) too, marked as text
        figures.update(dict.fromkeys(keyed_texts, 1.0))
        template, owner = variant_origin(problem.meta.source, stem) or (path, None)
        owner = None if owner is None else nfc(owner)
        graded = _Graded(stem, ctx, figures, Path(template).stem, owner, path, dropped)
        for alias in (stem, Path(path).name, path):
            out.setdefault(alias, graded)
            out.setdefault(nfc(alias), graded)  # a name typed decomposed finds it too
    return out


def _records(path: str) -> Iterator[tuple[int, list[str]]]:
    """The answers' rows, one at a time, after reading them through once: a file past
    MAX_GRADE_ROWS (blank rows count) or with a cell past MAX_CSV_FIELD_CHARS is refused
    before any answer is marked."""
    text = read_csv_text(path)
    for _ in csv_records(text, path, max_rows=MAX_GRADE_ROWS, limit="MAX_GRADE_ROWS"):
        pass
    return csv_records(text, path, max_rows=MAX_GRADE_ROWS, limit="MAX_GRADE_ROWS")


def _is_student_column(name: str) -> bool:
    """Whether a first column's header names the students as ``student`` does: any of a
    roster's id columns (``vary --ids``: ``Student ID``, ``ID number``, ``username``, ``email``,
    ``name``...), compared without case, spaces, ``_`` and ``-``."""
    from rnnloss_cli.teach.vary import ROSTER_ID_COLUMNS

    return re.sub(r"[\s_-]+", "", name) in ROSTER_ID_COLUMNS


def _header(cells: list[str], path: str, line: int) -> tuple[list[str], bool, list[str]]:
    """The column names (lowercase, stripped), whether the form is long, and the names of
    the long form's extra columns (ignored).

    The long form's first four columns are student, problem, figure, value (or answer); the
    wide form's first two are student and problem, then one figure a column. A wide header
    with a column named figure or value is a long one with a column missing or out of order:
    refused.
    """
    header = [h.strip().lower() for h in cells]
    if header and _is_student_column(header[0]):
        header[0] = "student"  # Student ID, ID number, username: as a roster heads its ids
    if header[:2] != ["student", "problem"] or len(header) < 3:
        # a spreadsheet in a decimal-comma locale saves "CSV" with ';' (or a tab) between cells
        sep = next((c for c in (";", "\t") if len(cells) == 1 and c in cells[0]), None)
        hint = (
            f"; its columns are separated by {sep!r}: save it as comma-separated values"
            if sep
            else ""
        )
        raise ProblemError(
            "expected a header 'student,problem,figure,value' (long) or 'student,problem,"
            f"<figure>,...' (wide), got {shown(','.join(cells))}{hint}",
            file=path,
            line=line,
        )
    if header[2:4] == ["figure", "answer"]:  # as a teacher heads the students' answers
        header[3] = "value"
    long_form = tuple(header[:4]) == LONG_COLUMNS
    if not long_form and {"figure", "value"} & set(header[2:]):
        raise ProblemError(
            "the long form's header is student,problem,figure,value in that order; got "
            f"{shown(','.join(cells))} (a wide header names figures: student,problem,loss,...)",
            file=path,
            line=line,
        )
    # blank names (a spreadsheet's trailing empty columns, "loss,,") are no figures: a value
    # under one is reported on its row
    twice = sorted(h for h, n in Counter(h for h in header[2:] if h).items() if n > 1)
    if not long_form and twice:
        # every row's second cell would be skipped as a second answer, a warning a row
        raise ProblemError(
            f"the wide header names figure(s) {', '.join(map(shown, twice))} twice (names "
            "are matched in any case); give each figure one column",
            file=path,
            line=line,
        )
    return header, long_form, [h for h in header[4:] if h] if long_form else []


def _cells(header: list[str], row: list[str], long_form: bool) -> list[tuple[str, str, str]]:
    """(problem, figure, value) triples of one row, long or wide."""
    if long_form:
        return [(row[1].strip(), row[2].strip(), row[3].strip())]
    return [
        (row[1].strip(), h, c.strip())
        for h, c in zip(header[2:], row[2:], strict=False)
        if c.strip()
    ]


def _listing(names: list[str]) -> str:
    more = len(names) - LISTED_PROBLEMS
    return ", ".join(names[:LISTED_PROBLEMS]) + (f", … ({more} more)" if more > 0 else "")


def _folded(problems: dict[str, _Graded]) -> dict[str, list[_Graded]]:
    """Each name of a problem (name, file name, path) casefolded -> the distinct problems
    that answer to it (more than one: names that differ only by case)."""
    out: dict[str, dict[int, _Graded]] = {}
    for alias, g in problems.items():
        out.setdefault(alias.casefold(), {})[id(g)] = g
    return {alias: list(found.values()) for alias, found in out.items()}


def _case_clashes(distinct: list[_Graded]) -> list[str]:
    """One warning per set of problems whose names differ only by case."""
    by_name: dict[str, list[_Graded]] = {}
    for g in distinct:
        by_name.setdefault(g.name.casefold(), []).append(g)
    return [
        "problem names "
        + " and ".join(f"{shown(g.name)} ({g.path})" for g in same)
        + " differ only by case: the answers must write them exactly"
        for same in by_name.values()
        if len(same) > 1
    ]


def grade_class(problem_paths: list[str], answers_path: str) -> GradeReport:
    """Mark every answer of ``answers_path`` against the problems; see the module docstring.

    The answers are read (and their header checked) before any problem is solved: a missing
    or malformed CSV is said at once, not after the problems' minutes.
    """
    records = _records(answers_path)
    commas = False  # rows of empty cells (,,,): the file is not empty, its cells are
    for n, cells in records:
        if any(c.strip() for c in cells):
            header, long_form, extra = _header(cells, answers_path, n)
            break
        commas = commas or len(cells) > 1
    else:
        what = "only empty cells" if commas else "empty"
        raise ProblemError(
            f"{what}; expected a header such as student,problem,figure,value", file=answers_path
        )
    problems = _load_problems(problem_paths)
    distinct = {id(g): g for g in problems.values()}
    report = GradeReport({g.name: g for g in distinct.values()})
    report.issues.extend(_case_clashes(list(distinct.values())))
    report.issues.extend(
        f"{g.path}: {f} is NaN; not graded (no answer can be right)"
        for g in distinct.values()
        for f in g.dropped
    )
    report.disagree = [g.path for g in distinct.values() if not g.ctx.result.ok]
    if extra:
        report.issues.append(
            f"{answers_path} row {n}: column(s) {', '.join(map(shown, extra))} ignored "
            "(the long form reads student, problem, figure, value)"
        )
    ignored = set() if long_form else _no_figure_columns(header[2:], list(distinct.values()))
    if ignored:
        names = [h for h in header[2:] if h in ignored]
        report.issues.append(
            f"{answers_path} row {n}: column(s) {', '.join(map(shown, names))} name no figure "
            "of any problem; ignored"
        )
    grader = _Grader(report, problems, answers_path, header, long_form, ignored)
    for n, row in records:
        grader.row(n, row)
    if report.unlisted_row_issues:
        more = report.unlisted_row_issues
        report.issues.append(
            f"{answers_path}: {more:,} more warnings of skipped rows, not listed (the first "
            f"{MAX_LISTED_ROW_ISSUES} are listed: MAX_LISTED_ROW_ISSUES)"
        )
    # the roster's students who handed in nothing: a variant was made for them (vary --ids)
    for g in distinct.values():
        if g.owner is not None:
            report.by_student.setdefault(g.owner, [])
    report.issues.extend(_student_clashes(report.students, answers_path))
    return report


def _template_key(name: str) -> str:
    """A template's name as a row may write it: in any case, as its file name or its path
    (``HINGE-SEQUENCE``, ``hinge-sequence.yml``, ``problems/hinge-sequence.yaml``)."""
    base = nfc(name).replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    return (stem if dot and ext.casefold() in ("yaml", "yml") else base).casefold()


def _real_path(path: str) -> str:
    """``path`` made absolute, ``..`` and links resolved (it need not exist)."""
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):  # a NUL, a name too long
        return path


def _no_figure_columns(columns: list[str], problems: list[_Graded]) -> set[str]:
    """The wide header's columns that name no figure of any problem (in any case, an array
    entry in any of its spellings): a name column, a comment, a typo. Warned about once at
    the header and ignored, where each row warned about them."""
    folded = {f.casefold() for g in problems for f in g.figures}
    return {
        c
        for c in columns
        if c  # a blank name (a trailing empty column): a value under it is reported on its row
        and c.casefold() not in folded
        and not ("[" in c and any(g.figure(c) is not None for g in problems))
    }


def _student_clashes(students: list[str], path: str) -> list[str]:
    """One warning per set of student ids that differ only by case (``S1``, ``s1``).

    They are graded as the students they are written as, not merged: an id is matched
    exactly (a roster's ``vary --ids`` variant belongs to the id as written), and ids may be
    case-sensitive (user names); the warning names them so the instructor can decide.
    Spaces around an id are not part of it (``s1 `` is ``s1``).
    """
    by_folded: dict[str, list[str]] = {}
    for s in students:
        by_folded.setdefault(s.casefold(), []).append(s)
    return [
        f"{path}: student ids {_listing([shown(s) for s in same])} differ only by case: "
        "graded as different students (write each id one way)"
        for same in by_folded.values()
        if len(same) > 1
    ]


@dataclass
class _Grader:
    """Grades rows one at a time into ``report``."""

    report: GradeReport
    problems: dict[str, _Graded]
    path: str
    header: list[str]
    long_form: bool
    #: Wide columns that name no figure of any problem (warned about once, at the header).
    ignored: set[str] = field(default_factory=set)
    seen: set[tuple[str, str, str]] = field(default_factory=set)
    #: (problem, figure, text as written) -> its mark, for the first MARKS_KEPT of them.
    marks: dict[tuple[str, str, str], Any] = field(default_factory=dict)

    @cached_property
    def known(self) -> str:
        """The problem names an "unknown problem" warning lists (built once)."""
        return _listing(list(self.report.problems))

    @cached_property
    def folded(self) -> dict[str, list[_Graded]]:
        return _folded(self.problems)

    @cached_property
    def by_real_path(self) -> dict[str, _Graded]:
        """Each problem by its file's real path (a row may write the path another way)."""
        return {_real_path(g.path): g for g in self.problems.values() if g.path != "-"}

    def find(self, name: str, student: str) -> tuple[_Graded | None, str]:
        """The problem ``name`` names: exactly, else in another case when only one problem
        has that name so folded, else (the name of a template whose variants are graded)
        ``student``'s own variant; else None and why. The template itself, graded beside
        its variants, is the student's own variant too, when they have one."""
        graded, why = self._find(name, student)
        if graded is not None and graded.owner is None and graded.name == graded.group:
            own = self.report.own.get((student, graded.group))
            if own is not None:
                return own, ""
        return graded, why

    def _find(self, name: str, student: str) -> tuple[_Graded | None, str]:
        graded = self.problems.get(name) or self.problems.get(nfc(name))
        if graded is not None:
            return graded, ""
        # a template of variants (Hinge-Sequence, hinge-sequence.yaml, problems/hinge-….yaml):
        # the student's own variant; its exact name first, else the one it folds to
        templates = self.templates.get(_template_key(name), [])
        exact = nfc(name) if nfc(name) in templates else None
        if exact is not None or len(templates) == 1:
            return self._own_variant(exact or templates[0], student)
        graded = self.by_real_path.get(_real_path(name)) if "/" in name else None
        if graded is not None:  # ./problems/q.yaml, an absolute path: the same file
            return graded, ""
        found = self.folded.get(name.casefold(), [])
        if len(found) == 1:
            return found[0], ""
        if found:
            names = " or ".join(shown(g.name) for g in found)
            return None, (
                f"problem {shown(name)} could be {names}, whose names differ only by case; "
                "write the name exactly"
            )
        return None, f"unknown problem {shown(name)} (known: {self.known})"

    @cached_property
    def templates(self) -> dict[str, list[str]]:
        """Each template of variants, by its name casefolded (:func:`_template_key`)."""
        out: dict[str, list[str]] = {}
        for group, members in self.report.groups.items():
            if any(g.name != group for g in members):
                out.setdefault(_template_key(group), []).append(group)
        return out

    def _own_variant(self, template: str, student: str) -> tuple[_Graded | None, str]:
        """The variant of ``template`` made for ``student`` (``vary --ids``), else None and
        why: numbered variants (``vary --count``) cannot be told apart by the template name."""
        own = self.report.own.get((student, template))
        if own is not None:
            return own, ""
        members = self.report.groups[template]
        names = _listing([g.name for g in members])
        if all(g.owner is None for g in members):
            return None, (
                f"problem {shown(template)} has variants ({names}): write the variant's name"
            )
        return None, (
            f"problem {shown(template)} has no variant made for {student_shown(student)} "
            f"(its variants: {names})"
        )

    def issue(self, n: int, msg: str) -> None:
        """Skip row ``n``'s answer for ``msg``: listed while under MAX_LISTED_ROW_ISSUES,
        counted after."""
        report = self.report
        report.skipped_rows.add(n)
        if report.listed_row_issues < MAX_LISTED_ROW_ISSUES:
            report.listed_row_issues += 1
            report.issues.append(f"{self.path} row {n}: {msg}; skipped")
        else:
            report.unlisted_row_issues += 1

    def row(self, n: int, row: list[str]) -> None:
        """Grade one row; a blank one is passed over, a malformed one reported."""
        if not any(c.strip() for c in row):
            return
        student = nfc(row[0].strip())  # Zoë typed composed or as e + U+0308: one student
        if student:
            self.report.by_student.setdefault(student, [])
        if len(row) != len(self.header):
            self.issue(n, f"{len(row)} cells, the header has {len(self.header)}")
            return
        if not student:
            self.issue(n, "no student")
            return
        for prob_name, figure, text in _cells(self.header, row, self.long_form):
            if figure in self.ignored:
                continue
            graded, why = self.find(prob_name, student)
            if graded is None:
                self.issue(n, why)
                return
            why = self.report.not_counted(student, graded)
            if why is not None:
                self.issue(n, why)
                return
            self.answer(n, student, graded, figure, text)

    def answer(self, n: int, student: str, graded: _Graded, figure: str, text: str) -> None:
        """Mark one answer, or report why it is skipped."""
        from rnnloss_cli.teach.mark import mark_ctx, number_hint, parse_value

        where = shown(figure) if self.long_form else f"column {shown(figure)}"
        name = graded.figure(figure)
        cased = [] if name else [f for f in graded.figures if f.casefold() == figure.casefold()]
        if len(cased) > 1:
            names = " or ".join(map(shown, cased))
            self.issue(n, f"figure {where} could be {names}, which differ only by case")
            return
        if name is None:
            # a problem without a key grades its loss; one whose figures are all NaN, none
            key = "in the key of" if graded.ctx.problem.meta.answer else "graded for"
            listed = ", ".join(graded.figures) or "none"
            self.issue(n, f"figure {where} is not {key} {graded.name} (graded: {listed})")
            return
        if not text and name not in graded.ctx.texts:
            return  # a blank value, as a wide form's empty cell: not answered (earns 0)
        value: float | str = text
        key = (graded.name, name, text)
        m = self.marks.get(key)  # the same text for the same figure: marked alike
        # text (slips searched once a figure; a number is refused), else a number
        if m is None and name in graded.ctx.texts:
            try:
                m = mark_ctx(graded.ctx, {name: text}).marks[0]
            except ProblemError as err:
                self.issue(n, f"{where}: {err.message}")
                return
        elif m is None:
            try:
                value = parse_value(text)
            except ValueError as err:
                hint = number_hint(text, "1.4, inf")
                what = TINY_WORDS if TINY_WORDS in str(err) else f"is not a number{hint}"
                self.issue(n, f"value {shown(text)} for {where} {what}")
                return
        if (student, graded.name, name) in self.seen:
            self.issue(n, f"{student_shown(student)} already answered {graded.name} {name}")
            return
        self.seen.add((student, graded.name, name))
        self.report.answered.setdefault((student, graded.group), graded.name)
        if m is None:
            m = mark_ctx(graded.ctx, {name: value}).marks[0]
        if key not in self.marks and len(self.marks) < MARKS_KEPT:
            self.marks[key] = m
        points = graded.figures[name]
        a = Answer(
            n,
            student,
            graded.name,
            name,
            m.given,
            m.expected,
            m.right,
            points,
            points if m.right else points * 0,  # a right answer shares its points' float
            m.slip,
            m.says,
            m.correct_step,
            m.search_cut,
        )
        self.report.answers.append(a)
        self.report.by_student[student].append(a)


def _percent(earned: float, possible: float) -> float:
    return 100.0 * earned / possible if possible else 0.0


#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV
#: injection"): a student named ``=cmd|' /C calc'!A0`` would run it when the report is opened.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The quote a spreadsheet hides at the start of a cell: a cell that opens with it gets a
#: second one, or the students ``'=x`` and ``=x`` both read ``=x`` in the report.
TEXT_QUOTE = "'"


def spreadsheet_text(cell: str) -> str:
    """``cell`` as text a spreadsheet shows and never evaluates: an apostrophe before a first
    character of FORMULA_STARTS (``=1+1`` -> ``'=1+1``) or before an apostrophe (``'x`` ->
    ``''x``, which shows as ``'x``), any other cell as it is."""
    return "'" + cell if cell.startswith((*FORMULA_STARTS, TEXT_QUOTE)) else cell


def _slip_words(a: Answer) -> str:
    """A wrong answer's slip as the CSV report says it to a teacher: the catalogue's name and
    its sentence, ``sum_for_mean (it is the sum of the terms; the problem asks for the
    mean)``; ``unexplained`` when no slip matched, with why when the search was cut short."""
    if a.slip is None:
        return f"unexplained ({a.says})" if a.says else "unexplained"
    return f"{a.slip} ({a.says})" if a.says else a.slip


def report_csv(report: GradeReport) -> str:
    """One row per student: points earned, possible, percent, and the slips of wrong answers,
    each named and said in words (:func:`_slip_words`), all in one cell (the JSON report
    keeps each answer's ``slip`` and ``says`` apart).

    The text cells (the student, the slips, which start with a problem name) go through
    :func:`spreadsheet_text`, so no cell of the report is a formula.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "earned", "possible", "percent", "wrong", "slips"])
    for s, mine in report.by_student.items():
        wrong = [a for a in mine if not a.right]
        earned, possible = report.earned(s), report.possible(s)
        slips = "; ".join(f"{a.problem}/{a.figure}: {_slip_words(a)}" for a in wrong)
        w.writerow(
            [
                spreadsheet_text(s),
                f"{earned:g}",
                f"{possible:g}",
                f"{_percent(earned, possible):.1f}",
                len(wrong),
                spreadsheet_text(slips),
            ]
        )
    return buf.getvalue()


def summary(
    report: GradeReport, totals: dict[str, tuple[float, float]] | None = None
) -> dict[str, Any]:
    """Class summary: score distribution (percent bins) and the commonest slips per problem.

    ``skipped_rows`` counts rows with an answer skipped (a wide row may keep its other cells).
    ``totals`` is ``report.totals()`` when the caller has it already.
    """
    totals = report.totals() if totals is None else totals
    scores = [_percent(earned, possible) for earned, possible in totals.values()]
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
        "skipped_rows": len(report.skipped_rows),
        # with no student yet, what one would have: the largest variant of each template
        "possible": max(
            (possible for _, possible in totals.values()), default=sum(report.largest.values())
        ),
        # no student graded: no mean (None, null in JSON)
        "mean_percent": sum(scores) / len(scores) if scores else None,
        "distribution": {
            f"{i * 100 // BINS}-{(i + 1) * 100 // BINS}%": c for i, c in enumerate(bins)
        },
        "slips": {p: c.most_common(3) for p, c in sorted(slips.items())},
    }


#: Characters of a distribution line besides its bar: "   90-100% " and " 1000000".
BAR_MARGIN = 20
#: The shortest bar a narrow terminal gets (narrower ones wrap the line instead).
MIN_BAR_WIDTH = 10


def _bar(count: int, largest: int, width: int = BAR_WIDTH) -> int:
    """Marks of a distribution bar: one a student, scaled down so the largest is ``width``."""
    if largest <= width:
        return count
    return round(count * width / largest)


def _count(n: float, noun: str) -> str:
    """``1 student``, ``2 students``, ``1.5 points``: a count with its noun, a whole one in
    full (``:g`` wrote a million as 1e+06)."""
    text = str(int(n)) if float(n).is_integer() else f"{n:g}"
    return f"{text} {noun}" + ("" if n == 1 else "s")


def summary_text(report: GradeReport, width: int | None = None) -> str:
    """The summary as lines for the terminal; ``width``: its columns (COLUMNS=40 gets bars of
    at most 40 - BAR_MARGIN marks, never fewer than MIN_BAR_WIDTH, never more than BAR_WIDTH).
    """
    bar_width = (
        BAR_WIDTH if width is None else max(MIN_BAR_WIDTH, min(BAR_WIDTH, width - BAR_MARGIN))
    )
    s = summary(report)
    skipped = _count(s["skipped_rows"], "row")
    if not s["students"]:
        return f"0 students: no answer graded ({skipped} with answers skipped)"
    lines = [
        f"{_count(s['students'], 'student')}, {_count(s['answers'], 'answer')} graded, "
        f"{skipped} with answers skipped; mean {s['mean_percent']:.1f}% of "
        f"{_count(s['possible'], 'point')}",
        "score distribution:",
    ]
    largest = max(s["distribution"].values())
    for label, count in s["distribution"].items():
        lines.append(f"  {label:>8} {'#' * _bar(count, largest, bar_width)} {count}")
    if s["slips"]:
        lines.append("most common slips:")
        for prob, common in s["slips"].items():
            lines.append(f"  {prob}: " + ", ".join(f"{name} ({n})" for name, n in common))
    return "\n".join(lines)


#: One encoder for every line of the JSON report: compact (the C encoder; ``indent`` would
#: select the pure-Python one, about 10x slower) with a space after each comma and colon.
_LINE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ": "))


def _student_items(
    report: GradeReport, totals: dict[str, tuple[float, float]], warnings: list[str]
) -> Iterator[str]:
    """Each student as a line of totals ending ``"answers": [``, then a line an answer."""
    for i, (s, mine) in enumerate(report.by_student.items()):
        earned, possible = totals[s]
        mine_totals = {"student": s, "earned": earned, "possible": possible}
        mine_totals["percent"] = _percent(earned, possible)
        head = _LINE.encode(mine_totals)[:-1] + ', "answers": '
        answers = _answer_dicts(mine, f"students[{i}].answers", warnings)
        if not answers:
            yield head + "[]}"
        else:
            yield head + "[\n      " + ",\n      ".join(map(_LINE.encode, answers)) + "\n    ]}"


_ANSWER_FIELDS = tuple(f.name for f in fields(Answer))
_answer_values = operator.attrgetter(*_ANSWER_FIELDS)


def _answer_dicts(answers: list[Answer], prefix: str, warnings: list[str]) -> list[dict]:
    """``mark.json_marks`` for answers in slots (which have no ``vars``): each as a dict of
    its fields in order (one C call for all of them), an infinite float null, with a warning
    naming it (``render.json``'s rule: JSON has no infinity)."""
    from rnnloss_cli.teach.mark import null_infinities

    return [
        null_infinities(
            dict(zip(_ANSWER_FIELDS, _answer_values(a), strict=True)), f"{prefix}[{i}]", warnings
        )
        for i, a in enumerate(answers)
    ]


def _items(items: Iterator[str]) -> Iterator[str]:
    """A JSON list of already encoded ``items``, one a line, 4 spaces in (``[]`` if none),
    in pieces: an item at a time."""
    first = True
    for item in items:
        yield ("[\n    " if first else ",\n    ") + item
        first = False
    yield "[]" if first else "\n  ]"


def report_json(report: GradeReport) -> str:
    """:func:`report_json_pieces` as one string (a small class; the CLI streams the pieces)."""
    return "".join(report_json_pieces(report))


def report_json_pieces(report: GradeReport) -> Iterator[str]:
    """Every answer with its verdict and slip, per student, and the summary, as standard JSON:
    an infinite value is null, and ``warnings`` names it.

    Laid out to be read and to be written fast for a class of 100,000: a line per student
    (its totals) and a line per answer, a line per issue and warning, the summary indented.
    Yielded in pieces (a student at a time) so the CLI writes it as it is made: joined into
    one string, a million answers' report (277 MB) was held whole, twice, before the write.
    The warnings are written last, once every student's answers have been seen.
    """
    warnings: list[str] = []
    totals = report.totals()
    yield '{\n  "students": '
    yield from _items(_student_items(report, totals, warnings))
    whole = summary(report, totals)
    summary_block = json.dumps(whole, indent=2, ensure_ascii=False, allow_nan=False)
    yield f',\n  "summary": {summary_block.replace(chr(10), chr(10) + "  ")},\n  "issues": '
    yield from _items(map(_LINE.encode, report.issues))
    yield ',\n  "warnings": '
    yield from _items(map(_LINE.encode, warnings))
    yield "\n}"
