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
    source = msgspec_models()
    compile(source, "<msgspec models>", "exec")
    for model in ("Snapshot", "UsageWindow", "Settings", "AccountRef", "SavedState", "Hold"):
        assert f"class {model}(msgspec.Struct" in source
    assert "claude_meter." not in source
    assert "<class" not in source
