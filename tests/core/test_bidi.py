"""A person's words inside ClaudeMeter's own lines (core/bidi.py)."""

from __future__ import annotations

from claude_meter.core.bidi import FSI, LRM, PDI, isolated, left_to_right, plain


def test_a_name_is_isolated_and_a_line_kept_left_to_right() -> None:
    assert isolated("حساب") == f"{FSI}حساب{PDI}"
    assert left_to_right(f"{isolated('حساب')}: x") == f"{LRM}{FSI}حساب{PDI}: x"
    assert plain(left_to_right(f"{isolated('حساب')}: x")) == "حساب: x"
    assert plain("Work") == "Work"
