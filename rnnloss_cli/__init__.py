"""rnnloss: worked-problem solver for RNN loss functions.

Python API (for notebooks and scripts; imports stay inside the functions, so ``import
rnnloss_cli`` costs nothing)::

    >>> import rnnloss_cli
    >>> r = rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")
    >>> round(r.loss, 3)
    0.531

A :class:`~rnnloss_cli.result.Result` shows itself in Jupyter: ``_repr_html_`` gives the HTML
page body (tables, steps, the CTC trellis as SVG), ``_repr_markdown_`` the markdown report.
Bad input raises :class:`rnnloss_cli.errors.ProblemError` naming the field and what was expected.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rnnloss_cli.result import Result

__version__ = "0.1.0"
__all__ = ["__version__", "solve_file", "solve_problem"]


def solve_file(path: str | bytes | os.PathLike) -> Result:
    """Read, validate and solve one problem file (YAML); returns its Result.

    ``path`` is a str, bytes or path-like object; ``"-"`` reads standard input.
    """
    from rnnloss_cli.errors import ProblemError
    from rnnloss_cli.problem import load_problem
    from rnnloss_cli.solve import solve

    try:
        name = os.fsdecode(path)  # str(b"p.yaml") was "b'p.yaml'", str(None) the file "None"
    except TypeError:
        raise ProblemError(
            f"expected a path (str, bytes or os.PathLike), got {type(path).__name__}",
            file=repr(path)[:60],
        ) from None
    return solve(load_problem(name))


def solve_problem(mapping: Mapping[str, Any], *, name: str = "<mapping>") -> Result:
    """Validate and solve a problem given as a mapping (the YAML file's content as a dict).

    ``name`` stands for the file in error messages, e.g. ``<mapping>: 'kind': ...``.
    """
    from rnnloss_cli.errors import ProblemError
    from rnnloss_cli.problem import parse_problem
    from rnnloss_cli.solve import solve

    if not isinstance(mapping, Mapping):
        raise ProblemError(
            f"expected a mapping (a dict with at least 'kind'), got {type(mapping).__name__}",
            file=name,
        )
    return solve(parse_problem(_plain(dict(mapping), name), {}, name))


#: Bytes a number takes in the lists a problem holds: a pointer and a float object.
_LIST_BYTES_PER_NUMBER = 32


def _plain(value: Any, name: str, path: tuple[Any, ...] = ()) -> Any:
    """numpy arrays and scalars as the lists and numbers a YAML file gives (an ndarray field
    was read as empty); mappings and lists walked through, everything else as it is.

    An array whose lists would take more than MAX_ARRAY_BYTES is refused first: 3·10^8 int8
    zeros (300 MB) grew to 10 GB of lists before the engine's own check refused them."""
    if isinstance(value, Mapping):
        return {k: _plain(v, name, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, name, (*path, i)) for i, v in enumerate(value)]
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if callable(tolist) and type(value).__module__ == "numpy":
        _check_list_size(value, name, path)
        return tolist()
    return value


def _check_list_size(array: Any, name: str, path: tuple[Any, ...]) -> None:
    from rnnloss_cli import limits
    from rnnloss_cli.errors import ProblemError
    from rnnloss_cli.problem._yaml import dotted

    size = int(getattr(array, "size", 1)) * _LIST_BYTES_PER_NUMBER
    if size > limits.MAX_ARRAY_BYTES:
        raise ProblemError(
            f"an array of shape {array.shape} would take {size / 2**30:.3g} GiB as the lists a "
            f"problem holds (about {_LIST_BYTES_PER_NUMBER} bytes a number), more than the "
            f"limit MAX_ARRAY_BYTES = {limits.MAX_ARRAY_BYTES / 2**30:g} GiB",
            file=name,
            field=dotted(path) or None,
        )
