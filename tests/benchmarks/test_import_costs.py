"""The lighter-library chain of benchmarks/import_costs.py: ClaudeMeter's models translated."""

from __future__ import annotations

from benchmarks.import_costs import _short, msgspec_models


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
    """Those still on pydantic: the ones moved already (issue 19) need no stand-in."""
    from claude_meter.core import accounts, models, oauth_hold, settings, state

    source = msgspec_models()
    compile(source, "<msgspec models>", "exec")
    tray_reads = (
        models.Snapshot,
        models.UsageWindow,
        settings.Settings,
        accounts.AccountRef,
        state.SavedState,
        oauth_hold.Hold,
    )
    for model in (m for m in tray_reads if hasattr(m, "model_fields")):
        assert f"class {model.__name__}(msgspec.Struct" in source
    assert "claude_meter." not in source
    assert "<class" not in source
