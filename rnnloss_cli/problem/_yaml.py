"""Read YAML with ``yaml.safe_load`` and keep the line of every mapping key and item.

``safe_load`` gives the data; ``yaml.compose`` (the same safe loader) gives the node tree
whose marks we walk to map each path, e.g. ``("probs", "H")`` or ``("y", 2)``, to a line.
"""

from __future__ import annotations

from typing import Any

import yaml

from rnnloss_cli.errors import ProblemError

Path = tuple[Any, ...]


def _key_value(node: yaml.Node) -> Any:
    # Keys are scalars in every problem file; fall back to the raw text otherwise.
    if isinstance(node, yaml.ScalarNode):
        return yaml.safe_load(node.value) if node.tag.endswith(":int") else node.value
    return str(node)


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int], file: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = _key_value(key_node)
            if key in seen:
                raise ProblemError(
                    "duplicate key (each field may appear once)",
                    file=file,
                    line=key_node.start_mark.line + 1,
                    field=".".join(str(p) for p in (*path, key)),
                )
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, file)


def load_yaml(text: str, file: str) -> tuple[Any, dict[Path, int]]:
    """Parse ``text`` safely; return (data, {path: line}). Errors become ProblemError."""
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if "python/" in str(exc) or "could not determine a constructor" in problem:
            problem = (
                f"{problem.strip()}; only plain YAML is accepted "
                "(no !!python tags: files are read with yaml.safe_load)"
            )
        raise ProblemError(
            f"not valid YAML: {problem.strip()}",
            file=file,
            line=mark.line + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise ProblemError(f"not valid YAML: {exc}", file=file) from None
    lines: dict[Path, int] = {}
    if node is not None:
        _walk(node, (), lines, file)
    return data, lines
