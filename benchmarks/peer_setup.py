"""The peers of ``benchmarks/peers.py``: what they are, where they are installed, and how
their process is pointed at the fake server.

What each peer is was found by installing it and reading its code (versions below):

- ``claude-usage-widget`` 0.13.5: a PySide6 on-screen overlay window (no tray icon) and a CLI
  (``claude-usage --json``). Reads ``~/.claude/.credentials.json`` (or
  ``CLAUDE_CODE_OAUTH_TOKEN``) and calls ``https://api.anthropic.com/api/oauth/usage`` with
  ``urllib`` and an SSL context built on certifi's bundle. It also checks GitHub for updates.
- ``claude-usage-tray`` 3.1.0: a ``pystray`` tray icon and a CLI (``claude-usage-tray --cli``).
  Same file, same endpoint, ``urllib`` with the default context; keeps the answer 60 s in
  ``~/.claude/usage-monitor-cache.json``. With pystray's plain X11 backend (``python-xlib``,
  what a virtual environment without PyGObject gets) it ends at start with a
  ``UnicodeEncodeError``: its title has an em dash that backend cannot write. So it runs with
  the system's PyGObject (Debian's ``python3-gi``, as on most Linux desktops; see
  :func:`link_system_gi`), where pystray uses a GTK status icon, an XEmbed icon that docks in
  trayer (``PYSTRAY_BACKEND=gtk``: its first choice, AppIndicator, needs a GIR this machine
  lacks, and pystray does not fall back).
- ``cc-cockpit`` 0.5.2: an AppIndicator tray (PyGObject, pycairo and libayatana-appindicator's
  GIR, from the system: Debian's ``python3-gi``, ``python3-cairo``,
  ``gir1.2-ayatanaappindicator3-0.1``; without them it says so and exits), a local dashboard
  and a CLI (``cc-cockpit json``). It reads Claude Code's transcripts and the credentials
  file's expiry; it calls no usage endpoint.
- ``claude-monitor-usage`` 2.7.0 (Python 3.12 or later): a Tk overlay window plus a ``pystray``
  icon, no CLI. Same file and endpoint through ``requests``; first fetch 0.5 s after its main
  loop starts; it refreshes an expired token itself (the credentials given here never expire
  during a run, so it does not).

None reads claude.ai cookies. Each runs in its own virtual environment under the user's cache
folder (``$XDG_CACHE_HOME/claude-meter-benchmarks/peers``), never in the repository, made once
and reused while the version is unchanged.

Pointing a peer at the fake server is done for its process only: a ``sitecustomize.py`` on its
``PYTHONPATH`` (see :func:`sitecustomize_source`) makes the names ``api.anthropic.com`` and
``claude.ai`` resolve to the fake server's loopback port, refuses every other outside name
(update checks, news feeds: written to a file, so the report can say what a peer tried), and
makes the ``ssl`` module's default contexts trust the fake server's certificate; requests
trusts it through ``REQUESTS_CA_BUNDLE``. The patches are applied when the peer itself first
imports ``socket`` or ``ssl``, so a peer pays nothing at start for modules it would not load.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

#: Names a peer may call; they are answered by the fake server.
SERVED_HOSTS = ("api.anthropic.com", "claude.ai")
#: Where Debian's Python packages are (PyGObject: ``python3-gi``).
SYSTEM_PACKAGES = Path("/usr/lib/python3/dist-packages")


@dataclass(frozen=True)
class Peer:
    """One program measured against ClaudeMeter."""

    name: str  # on PyPI
    version: str
    gui: tuple[str, ...]  # the tray/window program: a console script and its arguments
    cli: tuple[str, ...] | None  # its one-shot status command, if it has one
    shows: str  # what appears on the desktop when it has started
    requests: bool = True  # whether it asks the server at start
    min_python: tuple[int, int] = (3, 10)
    system_gi: bool = False  # uses the system's PyGObject (see SYSTEM_GI)
    env: tuple[tuple[str, str], ...] = ()  # set for its process

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


PEERS: tuple[Peer, ...] = (
    Peer(
        "claude-usage-widget",
        "0.13.5",
        ("claude-usage",),
        ("claude-usage", "--json"),
        "its overlay window (PySide6) mapped",
    ),
    Peer(
        "claude-usage-tray",
        "3.1.0",
        ("claude-usage-tray",),
        ("claude-usage-tray", "--cli"),
        "its pystray icon (GTK status icon, XEmbed) docked in trayer",
        system_gi=True,
        env=(("PYSTRAY_BACKEND", "gtk"),),
    ),
    Peer(
        "cc-cockpit",
        "0.5.2",
        ("cc-cockpit", "tray"),
        ("cc-cockpit", "json"),
        "its AppIndicator icon docked in trayer",
        requests=False,
        system_gi=True,
    ),
    Peer(
        "claude-monitor-usage",
        "2.7.0",
        ("claude-usage-monitor",),
        None,
        "its Tk overlay window mapped, or its pystray icon docked",
        min_python=(3, 12),
    ),
)


def with_versions(overrides: list[str]) -> tuple[Peer, ...]:
    """The peers with ``NAME==VERSION`` overrides applied (an unknown name is an error)."""
    versions = {}
    for text in overrides:
        name, sep, version = text.partition("==")
        if not sep or not version or name not in {p.name for p in PEERS}:
            raise SystemExit(f"--peer wants NAME==VERSION with one of the peers' names: {text!r}")
        versions[name] = version
    return tuple(replace(p, version=versions.get(p.name, p.version)) for p in PEERS)


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base, "claude-meter-benchmarks", "peers")


def python_for(peer: Peer) -> str | None:
    """An interpreter new enough for ``peer``: this one, the system's, or a pyenv version."""
    candidates: list[str] = [sys._base_executable]  # type: ignore[attr-defined]
    candidates += [shutil.which(f"python3.{minor}") or "" for minor in range(10, 16)]
    candidates += sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.*/bin/python3")))
    for candidate in filter(None, candidates):
        try:
            done = subprocess.run(
                [candidate, "-c", "import sys; print(*sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except OSError:
            continue
        if done.returncode == 0 and tuple(map(int, done.stdout.split())) >= peer.min_python:
            return candidate
    return None


def install(peer: Peer) -> tuple[Path | None, str]:
    """The peer's ``bin`` folder, made once; or None and why it could not be installed."""
    venv = cache_folder() / f"{peer.name}-{peer.version}"
    stamp = venv / "installed-by-benchmark"
    if stamp.exists():
        return venv / "bin", stamp.read_text()
    python = python_for(peer)
    if python is None:
        need = ".".join(map(str, peer.min_python))
        return None, f"needs Python {need} or later; none found"
    shutil.rmtree(venv, ignore_errors=True)
    make = [python, "-m", "venv", str(venv)]
    steps = (make, [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                    "--disable-pip-version-check", f"{peer.name}=={peer.version}"])  # fmt: skip
    for argv in steps:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            said = [line for line in done.stderr.splitlines() if "WARNING: Location" not in line]
            return None, f"install failed: {' '.join(said[-3:])[:300]}"
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stamp.write_text(f"Python {version}")
    return venv / "bin", stamp.read_text()


def link_system_gi(site: Path) -> None:
    """Put the system's PyGObject (and pycairo, when there) on a peer's path: a link to
    each package in ``site``. Debian builds them for its ``python3`` (3.11 on Debian 12); the
    peer's interpreter is this one, of the same minor version, with Tk (Debian's lacks
    ``python3-tk`` here, and claude-usage-tray imports Tk)."""
    for name in ("gi", "cairo"):
        package = SYSTEM_PACKAGES / name
        if package.is_dir():
            (site / name).symlink_to(package)


def sitecustomize_source(port: int, ca_file: str, refused_log: str) -> str:
    """A ``sitecustomize.py`` sending this process's calls to the served hosts to the fake
    server at ``127.0.0.1:port``, trusting ``ca_file``, and refusing other outside names."""
    return f'''"""Written by benchmarks/peers.py for one run; see benchmarks/peer_setup.py."""
import sys

_PORT = {port}
_SERVED = {SERVED_HOSTS!r}
_CA_FILE = {ca_file!r}
_REFUSED_LOG = {refused_log!r}
_LOCAL = ("", "localhost", "127.0.0.1", "::1", "0.0.0.0", "::")


def _patch_socket(socket):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name in _SERVED:
            return real("127.0.0.1", _PORT, *args, **kwargs)
        if name is None or name in _LOCAL or str(name).startswith("127."):
            return real(host, port, *args, **kwargs)
        with open(_REFUSED_LOG, "a", encoding="utf-8") as log:
            log.write(f"{{name}}\\n")
        raise socket.gaierror(socket.EAI_NONAME, "refused by the benchmark: " + str(name))

    socket.getaddrinfo = getaddrinfo


def _patch_ssl(ssl):
    real = ssl.create_default_context

    def create_default_context(*args, **kwargs):
        context = real(*args, **kwargs)
        context.load_verify_locations(cafile=_CA_FILE)
        return context

    ssl.create_default_context = create_default_context
    ssl._create_default_https_context = create_default_context


class _Patcher:
    """Patches ``socket`` and ``ssl`` right after their first import, whoever imports them."""

    patches = {{"socket": _patch_socket, "ssl": _patch_ssl}}

    def find_spec(self, name, path=None, target=None):
        if name not in self.patches:
            return None
        sys.meta_path.remove(self)
        try:
            import importlib.util

            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        patch, execute = self.patches.pop(name), spec.loader.exec_module

        def exec_module(module):
            execute(module)
            patch(module)

        spec.loader.exec_module = exec_module
        return spec


for _name in list(_Patcher.patches):
    if _name in sys.modules:
        _Patcher.patches.pop(_name)(sys.modules[_name])
if _Patcher.patches:
    sys.meta_path.insert(0, _Patcher())
'''


def credentials_json(token: str, now: float | None = None) -> str:
    """Claude Code's credentials file, valid for a day (nobody refreshes it)."""
    expires = int(((now if now is not None else time.time()) + 86400) * 1000)
    oauth = {
        "accessToken": token,
        "refreshToken": "sk-ant-ort01-benchmark-not-a-real-token",
        "expiresAt": expires,
        "scopes": ["user:inference", "user:profile", "user:sessions:claude_code"],
        "subscriptionType": "max",
        "rateLimitTier": "default_claude_max_5x",
    }
    return json.dumps({"claudeAiOauth": oauth})


def fresh_home(folder: Path, token: str) -> dict[str, str]:
    """A new home in ``folder`` with Claude Code's credentials; the XDG variables for it."""
    (folder / ".claude").mkdir(parents=True)
    (folder / ".claude" / ".credentials.json").write_text(credentials_json(token))
    (folder / ".claude" / ".credentials.json").chmod(0o600)
    (folder / "run").mkdir(mode=0o700)
    return {
        "HOME": str(folder),
        "XDG_CONFIG_HOME": f"{folder}/config",
        "XDG_DATA_HOME": f"{folder}/data",
        "XDG_STATE_HOME": f"{folder}/state",
        "XDG_CACHE_HOME": f"{folder}/cache",
        "XDG_RUNTIME_DIR": f"{folder}/run",
    }
