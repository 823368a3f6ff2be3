"""Dataclass <-> JSON-ready dict conversion for the result model.

One generic codec instead of a hand-written ``to_dict``/``from_dict`` per class, so a field
added to the model cannot be forgotten by one of the two directions. It understands exactly
the types the model uses: dataclasses, ``StrEnum``, ``list[...]``, ``dict[str, ...]``,
``X | None`` and JSON scalars.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from typing import Any, TypeVar, get_args, get_origin

T = TypeVar("T")


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: to_jsonable(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_jsonable(cls: type[T], data: Any) -> T:
    return typing.cast(T, _decode(cls, data, cls.__name__))


def _decode(annotation: Any, data: Any, where: str) -> Any:
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in get_args(annotation) if option is not type(None)]
        if data is None:
            return None
        if len(options) == 1:
            return _decode(options[0], data, where)
        for option in options:
            try:
                return _decode(option, data, where)
            except (TypeError, ValueError):
                continue
        raise ValueError(f"{where}: {data!r} matches none of {annotation}")
    if origin is list:
        (item_type,) = get_args(annotation)
        if not isinstance(data, list):
            raise TypeError(f"{where}: expected a list, got {type(data).__name__}")
        return [_decode(item_type, item, f"{where}[{index}]") for index, item in enumerate(data)]
    if origin is dict:
        _, value_type = get_args(annotation)
        if not isinstance(data, dict):
            raise TypeError(f"{where}: expected an object, got {type(data).__name__}")
        return {key: _decode(value_type, item, f"{where}.{key}") for key, item in data.items()}
    if annotation is Any:
        return data
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation(data)
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        if not isinstance(data, dict):
            raise TypeError(f"{where}: expected an object, got {type(data).__name__}")
        hints = _hints(annotation)
        kwargs = {}
        for field in dataclasses.fields(annotation):
            if field.name in data:
                kwargs[field.name] = _decode(
                    hints[field.name], data[field.name], f"{where}.{field.name}"
                )
            elif (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            ):
                raise ValueError(f"{where}: missing field {field.name!r}")
        return annotation(**kwargs)
    if annotation is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    if isinstance(annotation, type) and not isinstance(data, annotation):
        raise TypeError(f"{where}: expected {annotation.__name__}, got {type(data).__name__}")
    return data
