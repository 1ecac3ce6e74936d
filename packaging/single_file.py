"""Make the Linux single file from the folder bundle: a shell script with the bundle appended.

    .venv/bin/python packaging/single_file.py dist/claude-meter dist/claude-meter-linux-x86_64

The file is ``packaging/single-file-stub.sh`` (the placeholders filled in) followed by the
folder as a tar archive compressed with xz. Run, the script unpacks the archive once per build
into ``$XDG_CACHE_HOME/claude-meter/<version>-<hash>/`` and from then on only starts the
program there; the script's comments say how (checked, atomic, races, fallback, clean-up).

Why not PyInstaller's own single file: it unpacks everything (139 MB) into a new temporary
folder at every start and deletes it at exit, which costs about a second a start; PyInstaller
does not keep the copy (its maintainers decline to: pyinstaller/pyinstaller#7907).

The archive: members sorted, owner root, modes kept, times from ``SOURCE_DATE_EPOCH`` when set,
and a last member ``.complete`` the script looks for, so an archive cut short is never taken
for a whole one. xz with the x86 branch filter and LZMA2 preset 6 in 24 MiB blocks: 41 MB
where gzip gives 59 MB (too near the 60 MB budget); the blocks let xz 5.4 or later unpack with
several threads. The folder name's hash is the first 16 hex digits of the archive's SHA-256.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
STUB = HERE / "single-file-stub.sh"
VERSION_FILE = HERE.parent / "app" / "claude_meter" / "__init__.py"
#: What the script looks for last: only an archive unpacked to its end has it.
MARKER = ".complete"
XZ_ARGS = ("--x86", "--lzma2=preset=6", "--block-size=24MiB", "--threads=2")
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


@dataclass(frozen=True)
class SingleFile:
    path: Path
    key: str  # the cache folder's name: <version>-<16 hex digits>
    sha256: str  # of the payload (the compressed archive)
    payload_size: int
    header_size: int

    @property
    def size(self) -> int:
        return self.header_size + self.payload_size


def app_version() -> str:
    match = re.search(r'^__version__ = "([^"]+)"', VERSION_FILE.read_text(), re.MULTILINE)
    if not match:
        raise SystemExit(f"no __version__ in {VERSION_FILE}")
    return match.group(1)


def write_archive(folder: Path, out: IO[bytes], mtime: int | None = None) -> None:
    """``folder`` (and everything in it, sorted, links kept as links) as a tar stream into
    ``out``, then the marker."""

    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        if mtime is not None:
            info.mtime = min(int(info.mtime), mtime)
        return info

    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as archive:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            here = Path(root)
            name = here.relative_to(folder.parent).as_posix()
            archive.add(here, arcname=name, recursive=False, filter=normalise)
            for entry in sorted(files) + [d for d in dirs if (here / d).is_symlink()]:
                archive.add(here / entry, arcname=f"{name}/{entry}", filter=normalise)
        marker = tarfile.TarInfo(MARKER)
        data = f"{folder.name}\n".encode()
        marker.size = len(data)
        marker.mode = 0o644
        marker.mtime = mtime if mtime is not None else int(folder.stat().st_mtime)
        marker.uname = marker.gname = "root"
        archive.addfile(marker, io.BytesIO(data))


def compress(folder: Path, payload: Path, mtime: int | None = None) -> None:
    xz = shutil.which("xz")
    if xz is None:
        raise SystemExit("packaging/single_file.py needs xz (Debian: apt-get install xz-utils)")
    with payload.open("wb") as sink:
        process = subprocess.Popen([xz, "-zc", *XZ_ARGS], stdin=subprocess.PIPE, stdout=sink)
        assert process.stdin is not None
        try:
            write_archive(folder, process.stdin, mtime)
        finally:
            process.stdin.close()
        if process.wait() != 0:
            raise SystemExit(f"xz failed with status {process.returncode}")


def header(*, version: str, key: str, sha256: str, size: int, program: str) -> bytes:
    for what, value in (("version", version), ("program", program)):
        if not all(_SAFE.fullmatch(part) for part in value.split("/")):
            raise ValueError(f"unsafe {what} for the script: {value!r}")
    text = STUB.read_text()
    for name, value in (
        ("VERSION", version),
        ("KEY", key),
        ("SHA256", sha256),
        ("SIZE", str(size)),
        ("PROGRAM", program),
    ):
        text = text.replace(f"@{name}@", value)
    left = re.findall(r"@[A-Z0-9]+@", text)
    if left:
        raise ValueError(f"placeholders left in the script: {left}")
    # The shell reads no further than the last command, which always exits: the archive follows
    # on the next line.
    return text.encode() if text.endswith("\n") else (text + "\n").encode()


def build(
    folder: Path,
    output: Path,
    *,
    version: str | None = None,
    program: str | None = None,
    mtime: int | None = None,
) -> SingleFile:
    """Write ``output`` from the folder bundle ``folder`` (whose program is
    ``folder/<folder name>`` unless ``program`` says otherwise) and describe it."""
    folder = folder.resolve()
    version = version or app_version()
    program = program or f"{folder.name}/{folder.name}"
    if not (folder.parent / program).is_file():
        raise SystemExit(f"no program {program} in {folder.parent}")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".single-file-") as work:
        payload = Path(work) / "payload.tar.xz"
        compress(folder, payload, mtime)
        digest = hashlib.sha256()
        with payload.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        sha256 = digest.hexdigest()
        key = f"{version}-{sha256[:16]}"
        size = payload.stat().st_size
        head = header(version=version, key=key, sha256=sha256, size=size, program=program)
        partial = Path(work) / "single-file"
        with partial.open("wb") as sink, payload.open("rb") as source:
            sink.write(head)
            shutil.copyfileobj(source, sink, 1 << 20)
        partial.chmod(0o755)
        partial.replace(output)
    return SingleFile(output, key, sha256, size, len(head))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the folder bundle (dist/claude-meter)")
    parser.add_argument("output", type=Path, help="the single file to write")
    parser.add_argument("--version", help="default: app/claude_meter/__init__.py's")
    args = parser.parse_args()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    mtime = int(epoch) if epoch else None
    made = build(args.folder, args.output, version=args.version, mtime=mtime)
    print(
        f"{made.path}: {made.size / 1e6:.1f} MB ({made.header_size} bytes of script, "
        f"{made.payload_size / 1e6:.1f} MB of tar.xz); unpacks into "
        f"$XDG_CACHE_HOME/claude-meter/{made.key}/"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
