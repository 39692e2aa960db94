"""pytest plugin: the answer keys of a course's problem files become test items, opt-in.

Installing rnnloss registers this module under the ``pytest11`` entry point ``rnnloss``. It
collects **nothing** until a repository names its problem folders in the ini setting
``rnnloss_problems``, so ``pytest`` in a repository that does not use rnnloss runs exactly as
without it (Kubernetes manifests, Helm templates, any other YAML are never opened). The one
line an instructor adds::

    # pytest.ini / tox.ini: [pytest]   setup.cfg: [tool:pytest]
    rnnloss_problems = problems
    # pyproject.toml: [tool.pytest.ini_options]
    rnnloss_problems = ["problems"]

(several folders: space-separated in ini files, a list in pyproject.toml; relative to the
folder of the file holding the setting). ``pytest -o rnnloss_problems=problems`` sets it for
one run (relative to that ini file's folder, or to the current folder when there is none).

What it collects (the plugin *owns* these files):

- every ``*.yaml`` / ``*.yml`` file at any depth below a configured folder, whatever its
  content: a configured folder holds problem files only, so a file there that is not one fails
  (it is not passed over in silence);
- such a file when named on the command line (``pytest problems/hello.yaml``) or in a folder
  named there; a YAML file or folder named on the command line that is *not* below a configured
  folder is left to pytest as it would be without rnnloss;
- as ``rnnloss check``: a link in the folder to a file elsewhere is collected (as the folder's),
  a linked folder below it is passed over (a link back up would collect every file again).

What each owned file gives:

- one item per answer-key figure, ``file.yaml::loss``, ``file.yaml::sum``...; a file without a
  key gives one item, ``file.yaml::solves``, that passes when the problem solves;
- a mismatch fails with file, figure, expected, got and tolerance;
- a file that does not load or solve fails one item, ``file.yaml::load``, with the one-line
  error (file:line: field: message), never a traceback. Only bad input is reported that way
  (``ProblemError``, and ``EngineError`` from the engine's argument checks); anything else is
  an rnnloss bug and pytest reports it with its traceback.

Parse errors are therefore only ever reported for files the plugin owns. A configured folder
that does not exist is a usage error (exit 4), so a misspelt setting cannot silently check no
keys. Turn the plugin off with ``-p no:rnnloss``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

#: The ini setting naming the problem folders.
INI_NAME = "rnnloss_problems"
_FOLDERS = pytest.StashKey[tuple[Path, ...]]()
_SUFFIXES = (".yaml", ".yml")


class AnswerMismatch(Exception):
    """An answer-key figure disagrees with what the solver computed."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        INI_NAME,
        type="paths",
        default=[],
        help="rnnloss: folders of problem files (YAML) whose answer keys become tests.",
    )


def pytest_configure(config: pytest.Config) -> None:
    named = [Path(os.path.abspath(p)) for p in config.getini(INI_NAME)]
    for folder in named:
        if not folder.exists():
            where = config.inipath or "-o"
            raise pytest.UsageError(f"{INI_NAME} (in {where}): no such folder: {folder}")
    # each folder as named and as resolved: pytest walks the tree by either, as it was given
    both = [*named, *(f.resolve() for f in named)]
    config.stash[_FOLDERS] = tuple(dict.fromkeys(both))


def pytest_report_header(config: pytest.Config) -> str | None:
    folders = config.stash.get(_FOLDERS, ())
    if not folders:
        return None
    shown = [os.path.relpath(f, config.rootpath) for f in folders]
    return f"rnnloss: problem files in {', '.join(shown)}"


def _below(path: Path, folders: tuple[Path, ...]) -> bool:
    return any(path == f or f in path.parents for f in folders)


def owns(file_path: Path, folders: tuple[Path, ...]) -> bool:
    """True when ``file_path`` is a YAML file at or below one of the configured ``folders``,
    by the path it was found at (a link in the folder to a file elsewhere is the folder's, as
    ``rnnloss check`` checks it) or by the file it leads to (a folder named by another path)."""
    if file_path.suffix not in _SUFFIXES or not folders:
        return False
    found = Path(os.path.abspath(file_path))
    return _below(found, folders) or _below(file_path.resolve(), folders)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Pass over a linked folder below a configured folder, as ``rnnloss check`` does: a link
    back up (problems/up -> ..) made each figure dozens of items, a linked copy two."""
    folders = config.stash.get(_FOLDERS, ())
    if folders and collection_path.is_symlink() and collection_path.is_dir():
        found = Path(os.path.abspath(collection_path))
        if found not in folders and _below(found, folders):
            return True
    return None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if not owns(file_path, parent.config.stash.get(_FOLDERS, ())):
        return None
    return ProblemFile.from_parent(parent, path=file_path)


class ProblemFile(pytest.File):
    """One problem file: loaded and solved once, one item per answer-key figure."""

    def collect(self):
        from rnnloss_cli.engine.errors import EngineError
        from rnnloss_cli.errors import ProblemError
        from rnnloss_cli.problem import load_problem
        from rnnloss_cli.solve import solve

        # Name the file as the user would type it, relative to where pytest was started.
        shown = os.path.relpath(self.path, self.config.invocation_params.dir)
        try:
            result = solve(load_problem(shown if not shown.startswith("..") else str(self.path)))
        except (ProblemError, EngineError) as err:
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
