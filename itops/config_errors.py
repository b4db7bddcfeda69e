"""The one renderer of config errors: ``FILE: key.path: reason``, with the nearest key.

Every section, the core's and the features', is reported through here, so a typo reads
the same wherever it is: ``itops.toml: checks[0](www).intervall: unknown key (did you
mean "interval"?)``.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from itops.config_types import KindEntry
from itops.errors import ConfigProblem


def problems(
    exc: PydanticValidationError,
    data: dict[str, Any],
    file: str,
    root: type[BaseModel],
    prefix: tuple[int | str, ...] = (),
) -> list[ConfigProblem]:
    """One ``ConfigProblem`` per pydantic error; ``root`` is the model of the whole file."""
    out = []
    for error in exc.errors(include_url=False):
        loc = prefix + tuple(error["loc"])
        key = key_path(loc, data)
        reason = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            reason = "unknown key"
            hint = nearest_key(loc, data, root)
            if hint:
                reason += f' (did you mean "{hint}"?)'
        elif error["type"] == "missing":
            reason = "required key is missing"
        out.append(ConfigProblem(file, key or "(top level)", reason))
    return out


def key_path(loc: tuple[int | str, ...], data: Any) -> str:
    """``checks[0](www).interval``: indexes carry the entry's id or name when it has one."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node):
                node = node[item]
                name = node.get("id") or node.get("name") if isinstance(node, dict) else None
                if isinstance(name, str):
                    label = f"[{item}]({name})"
            parts.append(label)
            continue
        if item == "options" or str(item).startswith("function-"):
            continue
        if isinstance(node, dict):
            node = node.get(item)
        parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def nearest_key(loc: tuple[int | str, ...], data: Any, root: type[BaseModel]) -> str | None:
    """Suggest the closest known key for an unknown one, walking the models along ``loc``.

    A kind entry's known keys include its kind's options (``url`` of an http check).
    """
    model: Any = root
    node: Any = data
    for item in loc[:-1]:
        if isinstance(item, int):
            node = node[item] if isinstance(node, list) and item < len(node) else None
            continue
        field = model.model_fields.get(item) if model else None
        node = node.get(item) if isinstance(node, dict) else None
        model = model_of(field.annotation) if field else None
    if model is None:
        return None
    known = list(model.model_fields)
    if issubclass(model, KindEntry) and isinstance(node, dict):
        kind = model.kind_of(node)
        if kind is not None:
            known += list(model.options_model(kind).model_fields)
    matches = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    return matches[0] if matches else None


def model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (``X``, ``list[X]``, ``X | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = model_of(arg)
        if found:
            return found
    return None
