"""The lighter-library chain of benchmarks/import_costs.py: ClaudeMeter's models translated."""

from __future__ import annotations

import msgspec
from benchmarks.import_costs import _short, msgspec_models

from claude_meter.core import accounts, models, oauth_hold, settings, state


def test_annotations_become_source_that_names_the_stand_ins() -> None:
    names = {"claude_meter.core.models.Money": "Money"}
    assert _short("<class 'str'>", names) == "str"
    assert _short("datetime.datetime | None", names) == "datetime | None"
    assert _short("claude_meter.core.models.Money | None", names) == "Money | None"
    assert (
        _short("typing.Optional[typing.Literal['web', 'demo']]", names)
        == "Optional[Literal['web', 'demo']]"
    )


def test_every_model_the_tray_reads_at_start_is_translated() -> None:
    """Each model still on pydantic; one already moved to msgspec (issue 19) is measured as
    it is, in the first chain."""
    source = msgspec_models()
    compile(source, "<msgspec models>", "exec")
    read_at_start: tuple[type, ...] = (
        models.Snapshot,
        models.UsageWindow,
        settings.Settings,
        accounts.AccountRef,
        state.SavedState,
        oauth_hold.Hold,
    )
    for model in read_at_start:
        moved = issubclass(model, msgspec.Struct)
        assert (f"class {model.__name__}(msgspec.Struct" in source) is not moved
    assert "claude_meter." not in source
    assert "<class" not in source
