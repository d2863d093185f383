"""YAML loading that remembers line numbers, so every content problem can be reported as file:line."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass
class Located:
    """A parsed YAML value with the 1-based line of each mapping key (for mappings)."""

    value: Any
    line: int
    key_lines: dict[str, int]
    children: dict[Any, "Located"] | list["Located"] | None


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlProblem(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def _to_located(node: yaml.Node, loader: yaml.SafeLoader) -> Located:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        children: dict[Any, Located] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in children:
                raise YamlProblem(key_node.start_mark.line + 1, f"key '{key}' appears twice in the same entry")
            children[key] = _to_located(value_node, loader)
            key_lines[str(key)] = key_node.start_mark.line + 1
        value = {k: v.value for k, v in children.items()}
        return Located(value, line, key_lines, children)
    if isinstance(node, yaml.SequenceNode):
        items = [_to_located(item, loader) for item in node.value]
        return Located([i.value for i in items], line, {}, items)
    return Located(loader.construct_object(node, deep=True), line, {}, None)


def load_located(path: Path) -> Located | None:
    """Parse one YAML file. Raises YamlProblem with the line of a syntax error."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlProblem(1, f"cannot read file: {exc.strerror}") from exc
    if b"\x00" in raw:
        raise YamlProblem(1, "this is not a text file (it contains binary data)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(line, "this file is not UTF-8 text; save it as UTF-8") from exc
    # libyaml's parser when PyYAML was built with it: the same nodes and line marks, many times faster,
    # which keeps a live reload of every FAQ file inside the 2 seconds editors are promised.
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _to_located(node, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlProblem(line, f"YAML syntax error: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"YAML error: {exc}") from exc
    finally:
        loader.dispose()
