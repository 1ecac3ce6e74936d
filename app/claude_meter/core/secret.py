"""A wrapper that keeps secrets out of logs, tracebacks and ``repr`` output.

Cookies and tokens travel through the code as :class:`Secret` so that an accidental
``print``, f-string, log call or exception message shows ``'***'`` instead of the value.
Only the code that puts the value on the wire calls :meth:`Secret.reveal`.
"""

from __future__ import annotations

from typing import Final, final

_MASK: Final = "***"


@final
class Secret:
    """An opaque secret string whose text form never shows the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value itself: call only where it goes onto the wire or into the keyring."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({_MASK!r})"

    def __str__(self) -> str:
        return _MASK

    def __format__(self, format_spec: str) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not picklable")
