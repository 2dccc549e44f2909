"""Is a decoded JSON value JSON text? Python's ``json`` reads more than JSON allows:

- ``"\\ud800"`` decodes to a lone UTF-16 surrogate, a str that UTF-8 cannot encode (so it can be
  neither stored nor hashed);
- ``NaN``, ``Infinity`` and ``1e999`` decode to floats JSON has no spelling for (written back
  they are not JSON, and a record holding one would fail its own hash check when read back).

:func:`json_text_problem` names the first such value and where it is, so the API can refuse
it with 422 before anything is stored or hashed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["JsonTextProblem", "json_text_problem"]


@dataclass(frozen=True)
class JsonTextProblem:
    """``path``: where (``record.items[2].name``; empty for the value itself); ``reason``: what."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


def _printable(text: str) -> str:
    """``text`` with any lone surrogate spelled as ``\\udxxx``: safe to put in an answer."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _child(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    part = _printable(part)
    return f"{path}.{part}" if path else part


def _text_reason(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"a lone UTF-16 surrogate (U+{ord(text[exc.start]):04X}) is not Unicode text"
    return None


def _number_reason(number: float) -> str | None:
    if math.isfinite(number):
        return None
    spelled = "NaN" if math.isnan(number) else "Infinity" if number > 0 else "-Infinity"
    return f"{spelled} is not a JSON number (numbers must be finite)"


def _ignore(_value: Any) -> None:
    return None  # not a JSON type (a model instance, say): the model's own validation judges it


def json_text_problem(value: Any) -> JsonTextProblem | None:
    """None when every string in ``value`` (keys too) is Unicode text and every number is
    finite; else an offending item (keys of a dict before its values). Values of other types
    are left alone."""
    try:  # the common case, at C speed: nothing to find
        json.dumps(value, ensure_ascii=False, allow_nan=False, default=_ignore).encode("utf-8")
        return None
    except ValueError:  # NaN/Infinity, or a lone surrogate (UnicodeEncodeError): find where
        pass
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:  # iterative: a deeply nested value cannot exhaust the recursion limit
        path, v = stack.pop()
        reason = None
        if isinstance(v, str):
            reason = _text_reason(v)
        elif isinstance(v, float):
            reason = _number_reason(v)
        elif isinstance(v, dict):
            for k, item in reversed(list(v.items())):
                key_reason = _text_reason(k) if isinstance(k, str) else None
                if key_reason is not None:
                    return JsonTextProblem(_child(path, k), f"the key: {key_reason}")
                stack.append((_child(path, str(k)), item))
        elif isinstance(v, list | tuple):
            stack.extend((_child(path, i), item) for i, item in reversed(list(enumerate(v))))
        if reason is not None:
            return JsonTextProblem(path, reason)
    return None
