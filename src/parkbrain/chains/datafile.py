"""YAML data files (chains, targets) validated with pydantic, errors named by file and line.

>>> import tempfile, pydantic
>>> class Doc(pydantic.BaseModel):
...     id: str
...     size: int
>>> path = Path(tempfile.mkdtemp()) / "doc.yaml"
>>> _ = path.write_text("id: a\\nsize: big\\n", encoding="utf-8")
>>> try:
...     load_model(Doc, path)
... except DataFileError as exc:
...     print(str(exc).replace(str(path.parent), "…"))
…/doc.yaml:2: size: Input should be a valid integer, unable to parse string as an integer (got 'big')
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import pydantic
import yaml

Model = TypeVar("Model", bound=pydantic.BaseModel)
Lines = dict[tuple, int]


class DataFileError(ValueError):
    """A data file is malformed; each line of the message names the file, the line and the fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _node_lines(node: yaml.Node, path: tuple, out: Lines) -> None:
    """Record the 1-based line of every mapping key and sequence item under `node`."""
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[(*path, key.value)] = key.start_mark.line + 1
            _node_lines(value, (*path, key.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_lines(item, (*path, i), out)


def read_yaml(path: Path) -> tuple[object, Lines]:
    """The file's data and the line of each path in it; a YAML syntax error names its line."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 0
        raise DataFileError([f"{path}:{line}: not valid YAML: {exc.problem}"]) from None
    lines: Lines = {}
    if node is not None:
        _node_lines(node, (), lines)
    return data, lines


def line_of(lines: Lines, loc: tuple) -> int:
    """The line of the deepest part of `loc` the file has (1 when none)."""
    for end in range(len(loc), -1, -1):
        if tuple(loc[:end]) in lines:
            return lines[tuple(loc[:end])]
    return 1


def where(path: Path, lines: Lines, loc: tuple) -> str:
    """`file:line: a.b[2].c` for a location in the data."""
    dotted = ""
    for part in loc:
        dotted += f"[{part}]" if isinstance(part, int) else (f".{part}" if dotted else str(part))
    return f"{path}:{line_of(lines, loc)}: {dotted or '(top)'}"


def _message(error: dict) -> str:
    msg = error["msg"].removeprefix("Value error, ")
    if error["type"] in ("missing", "extra_forbidden"):
        return {"missing": "is required but missing", "extra_forbidden": "is not a known field; check its spelling"}[
            error["type"]]
    shown = error.get("input")
    return f"{msg} (got {shown!r})" if isinstance(shown, str | int | float) else msg


def load_model(model: type[Model], path: Path) -> Model:
    """Read and validate one data file, or raise a DataFileError listing every problem by line."""
    data, lines = read_yaml(path)
    if not isinstance(data, dict):
        raise DataFileError([f"{path}:1: the file must hold a mapping (key: value lines)"])
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = [f"{where(path, lines, tuple(e['loc']))}: {_message(e)}" for e in exc.errors()]
        raise DataFileError(problems) from None
