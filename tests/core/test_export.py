"""The columns of an exported reading (:mod:`claude_meter.core.export`): the ones the README
promises, and the ones ``history --csv`` writes first."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from claude_meter.cli import main
from claude_meter.core.export import EXPORT_COLUMNS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_documents_these_columns() -> None:
    """``history``'s: the export's, then ``account_id``."""
    assert f"`{','.join(EXPORT_COLUMNS)}`" in README.read_text(encoding="utf-8")


def test_history_csv_starts_with_them() -> None:
    out = io.StringIO()
    assert main(["history", "--csv"], stdout=out) == 0
    header = next(csv.reader(io.StringIO(out.getvalue())))
    assert header == list(EXPORT_COLUMNS)
    assert header[-2:] == ["account", "account_id"]  # added at the end, in that order
