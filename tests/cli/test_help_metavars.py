"""Every argument and option says in the help what goes there: an upper-case metavar.

Typer's own were ``{paths}...`` in the usage line and ``<str>`` (``<path>``, ``<int>``,
``<float>``) beside every option: ``rnnloss reinforce --gamma <str>`` told a student nothing.
"""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from rnnloss_cli.cli import app
from tests.cli.test_help_narrow import _paths

runner = CliRunner()

#: Typer's bare type names; ``<int range> [x>=1]`` (integer_metavar's) is not one of them.
TYPE_NAMES = re.compile(r"<(?:str|float|path|int)>")
MAX_METAVAR = 14


def _help(path: list[str]) -> str:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def _usage(text: str) -> str:
    return next(line for line in text.splitlines() if "Usage:" in line).strip()


@pytest.mark.parametrize("path", _paths(), ids=lambda p: " ".join(p) or "rnnloss")
def test_help_shows_no_bare_type_name(path):
    text = _help(path)
    assert not TYPE_NAMES.findall(text), text
    assert not re.search(r"[{}]", _usage(text)), _usage(text)  # {paths}: typer's required


@pytest.mark.parametrize(
    ("path", "usage"),
    [
        (["solve"], "Usage: rnnloss solve [OPTIONS] PATHS..."),
        (["check"], "Usage: rnnloss check [OPTIONS] [PATHS...]"),
        (["list"], "Usage: rnnloss list [OPTIONS] [FOLDER]"),
        (["new"], "Usage: rnnloss new [OPTIONS] KIND"),
        (["mark"], "Usage: rnnloss mark [OPTIONS] FILE"),
        (["ctc", "paths"], "Usage: rnnloss ctc paths [OPTIONS] TARGET"),
    ],
)
def test_usage_line_names_the_arguments(path, usage):
    assert _usage(_help(path)) == usage


def _params() -> list:
    """Every argument and option taking a value, of every command and subcommand."""
    root = typer.main.get_command(app)
    out = []
    for path in _paths()[1:]:
        command = root
        for word in path:
            command = command.commands[word]
        out += [
            pytest.param(p, id=f"{' '.join(path)} {p.name}")
            for p in command.params
            if not getattr(p, "is_flag", False)
        ]
    return out


@pytest.mark.parametrize("param", _params())
def test_every_value_has_a_short_upper_case_metavar(param):
    """An explicit metavar (not typer's) starting upper-case, at most 14 characters (the
    options panel stays readable at 60 columns); integer ranges and short choice lists,
    which the help already spells, are left as typer writes them."""
    if param.metavar is None and (
        getattr(param.type, "choices", None) or "range" in param.type.name
    ):
        return  # typer's <a4|letter> (the choices) or <int range> [x>=1] (integer_metavar's)
    assert param.metavar, param.name
    if param.metavar.startswith("<int range>"):
        return
    assert re.match(r"[A-Z]", param.metavar), param.metavar
    assert len(param.metavar) <= MAX_METAVAR, param.metavar
