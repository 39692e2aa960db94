"""pytest plugin: every problem file's answer key becomes a test item.

Installing rnnloss registers this module under the ``pytest11`` entry point ``rnnloss``, so in
a course repository ``pytest problems/`` solves each problem file and checks its key:

- a ``*.yaml`` / ``*.yml`` file is a problem file when it is a YAML mapping whose ``kind`` is a
  known problem kind (or close to one, or the file has an ``answer``); other YAML (CI configs,
  Kubernetes manifests) is ignored;
- one item per answer-key figure, ``file.yaml::loss``, ``file.yaml::sum``...; a file without a
  key gives one item, ``file.yaml::solves``, that passes when the problem solves;
- a mismatch fails with file, figure, expected, got and tolerance; a malformed file fails with
  the one-line ProblemError (file:line: field: message), never a traceback;
- files below a ``tests`` / ``test`` folder are left alone (the test suite's own fixtures) unless
  the file, or the folder holding it, is named on the command line.

Turn it off with ``-p no:rnnloss``.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any

import pytest

#: Folders whose YAML belongs to a test suite: skipped unless named on the command line.
TEST_FOLDERS = frozenset({"tests", "test"})
_KIND_LINE = re.compile(r"^kind\s*:", re.MULTILINE)


class AnswerMismatch(Exception):
    """An answer-key figure disagrees with what the solver computed."""


def _known_kinds() -> list[str]:
    from rnnloss_cli.problem import PARSERS

    return list(PARSERS)


def looks_like_problem(path: Path) -> bool:
    """True when the YAML at ``path`` is (or is meant to be) an rnnloss problem file."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        # Broken YAML: still ours if it declares a kind, so the author sees the error.
        return bool(_KIND_LINE.search(text))
    if not isinstance(data, dict) or "kind" not in data:
        return False
    kind = data["kind"]
    if not isinstance(kind, str):
        return "answer" in data
    kinds = _known_kinds()
    return kind in kinds or "answer" in data or bool(difflib.get_close_matches(kind, kinds, n=1))


def _explicit_paths(config: pytest.Config) -> list[Path]:
    """The paths named on the command line (not those from testpaths or the invocation dir)."""
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        return []
    out = []
    for arg in config.args:
        p = Path(arg.split("::")[0])
        out.append((config.invocation_params.dir / p).resolve())
    return out


def _in_test_folder(file_path: Path, config: pytest.Config) -> bool:
    """True when the file sits below a tests/ folder and was not pointed at directly."""
    resolved = file_path.resolve()
    explicit = _explicit_paths(config)
    if resolved in explicit or resolved.parent in explicit:
        return False
    try:
        rel = resolved.relative_to(config.rootpath.resolve())
    except ValueError:
        rel = resolved
    return any(part in TEST_FOLDERS for part in rel.parts[:-1])


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    if _in_test_folder(file_path, parent.config) or not looks_like_problem(file_path):
        return None
    return ProblemFile.from_parent(parent, path=file_path)


class ProblemFile(pytest.File):
    """One problem file: loaded and solved once, one item per answer-key figure."""

    def collect(self):
        from rnnloss_cli.errors import ProblemError
        from rnnloss_cli.problem import load_problem
        from rnnloss_cli.solve import solve

        # Name the file as the user would type it, relative to where pytest was started.
        shown = os.path.relpath(self.path, self.config.invocation_params.dir)
        try:
            result = solve(load_problem(shown if not shown.startswith("..") else str(self.path)))
        except (ProblemError, ValueError) as err:
            yield BrokenProblemItem.from_parent(self, name="load", error=err)
            return
        if not result.checks:
            yield SolvedItem.from_parent(self, name="solves", loss=result.loss)
            return
        for check in result.checks:
            yield AnswerItem.from_parent(self, name=check.figure, check=check)


class _ProblemItem(pytest.Item):
    def reportinfo(self) -> tuple[Path, int | None, str]:
        # The failure header reads "wrong.yaml: loss" (a domain ending the node id would have
        # its dots turned into "::" by the terminal reporter).
        return self.path, None, f"{self.path.name}: {self.name}"

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> Any:
        if isinstance(excinfo.value, AnswerMismatch):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)


class AnswerItem(_ProblemItem):
    """One figure of the key, e.g. ``loss``: passes when |got - expected| <= tolerance."""

    def __init__(self, *, check: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.check_file = os.path.relpath(self.path, self.config.invocation_params.dir)

    def runtest(self) -> None:
        from rnnloss_cli.render.text import fmt_number

        c = self.check
        if c.ok:
            return
        got = "-" if c.got is None else fmt_number(c.got, 6)
        diff = "" if c.got is None else f" (off by {fmt_number(abs(c.got - c.expected), 6)})"
        raise AnswerMismatch(
            f"{self.check_file}: answer key figure '{c.figure}' disagrees:\n"
            f"  expected  {fmt_number(c.expected, 6)}\n"
            f"  got       {got}{diff}\n"
            f"  tolerance {c.tolerance:g}"
        )


class SolvedItem(_ProblemItem):
    """A problem without a key: passes when it solves (the loss is computed)."""

    def __init__(self, *, loss: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loss = loss

    def runtest(self) -> None:
        return None


class BrokenProblemItem(_ProblemItem):
    """A file that does not load or solve: fails with the one-line error."""

    def __init__(self, *, error: Exception, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise AnswerMismatch(f"bad problem file: {self.error}")
