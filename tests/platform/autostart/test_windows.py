"""The Run registry value (:mod:`claude_meter.platform.autostart.windows`); the registry is a
fake here (it needs Windows), the real one is refused."""

from __future__ import annotations

import pytest

from claude_meter.platform.autostart.windows import RUN_KEY, RunValue, run_value


class FakeRunKey:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


@pytest.mark.parametrize(
    ("argv", "value"),
    [
        (
            [r"C:\Program Files\ClaudeMeter\ClaudeMeter.exe"],
            r'"C:\Program Files\ClaudeMeter\ClaudeMeter.exe"',
        ),
        ([r"C:\Py\pythonw.exe", "-m", "claude_meter"], r"C:\Py\pythonw.exe -m claude_meter"),
    ],
)
def test_run_value(argv: list[str], value: str) -> None:
    assert run_value(argv) == value


def test_run_value_backend_with_a_fake_registry() -> None:
    key = FakeRunKey()
    backend = RunValue(key)
    assert not backend.status().enabled
    status = backend.enable([r"C:\Program Files\ClaudeMeter\ClaudeMeter.exe"])
    assert key.values == {"ClaudeMeter": r'"C:\Program Files\ClaudeMeter\ClaudeMeter.exe"'}
    assert status.enabled
    assert status.where == f"HKEY_CURRENT_USER\\{RUN_KEY}\\ClaudeMeter"
    assert not backend.disable().enabled
    assert key.values == {}


def test_the_real_registry_is_refused_off_windows() -> None:
    from claude_meter.platform.autostart.windows import WinregRunKey

    with pytest.raises(OSError, match="only on Windows"):
        WinregRunKey().get("ClaudeMeter")
