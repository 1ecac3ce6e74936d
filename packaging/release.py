"""Release helpers for .github/workflows/release.yml; plain Python so a test can run them.

    python packaging/release.py version [--tag v0.1.0]
        print the package's version; with --tag, fail unless the tag names that version
    python packaging/release.py fill --version 0.1.0 --repository owner/name \\
            --artifact macos-arm64=ClaudeMeter-0.1.0-macos-arm64.zip \\
            --artifact windows-x64=ClaudeMeter-0.1.0-windows-x64.zip --out manifests/
        write the Homebrew cask and the winget manifests with this release's version, URLs and
        SHA-256 checksums (computed from the artifact files) into --out

Templates (``packaging/homebrew/*.rb``, ``packaging/winget/*.yaml``) hold ``@NAME@``
placeholders: ``@VERSION@``, ``@REPOSITORY@`` and ``@SHA256_<ARTIFACT>@`` (the artifact's key
upper-cased, ``-`` as ``_``). Filling fails when a placeholder has no value, so a template
and the workflow cannot drift apart silently.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = (ROOT / "packaging" / "homebrew", ROOT / "packaging" / "winget")
PLACEHOLDER = re.compile(r"@([A-Z0-9_]+)@")


def package_version(root: Path = ROOT) -> str:
    text = (root / "app" / "claude_meter" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if found is None:
        raise SystemExit("no __version__ in app/claude_meter/__init__.py")
    return found.group(1)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every ``@NAME@`` replaced; ValueError names any left without a value."""
    missing = placeholders(text) - set(values)
    if missing:
        raise ValueError(f"no value for {', '.join(sorted(missing))}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def release_values(version: str, repository: str, checksums: Mapping[str, str]) -> dict[str, str]:
    values = {"VERSION": version, "REPOSITORY": repository}
    for key, digest in checksums.items():
        values["SHA256_" + key.upper().replace("-", "_")] = digest
    return values


def templates() -> list[Path]:
    return sorted(
        p for folder in TEMPLATES for p in folder.iterdir() if p.suffix in (".rb", ".yaml")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Release helpers for the release workflow.")
    commands = parser.add_subparsers(dest="command", required=True)
    version = commands.add_parser("version", help="print the package version")
    version.add_argument("--tag", help="fail unless this tag (v1.2.3) names the version")
    filling = commands.add_parser("fill", help="write the cask and winget manifests")
    filling.add_argument("--version", required=True)
    filling.add_argument("--repository", required=True, help="owner/name on GitHub")
    filling.add_argument("--artifact", action="append", default=[], metavar="KEY=FILE")
    filling.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "version":
        found = package_version()
        if args.tag and args.tag.removeprefix("v") != found:
            print(f"tag {args.tag} does not match the package version {found}", file=sys.stderr)
            return 1
        print(found)
        return 0

    checksums = {}
    for item in args.artifact:
        key, _, file = item.partition("=")
        checksums[key] = sha256_of(Path(file))
    values = release_values(args.version, args.repository, checksums)
    args.out.mkdir(parents=True, exist_ok=True)
    for template in templates():
        try:
            filled = fill(template.read_text(encoding="utf-8"), values)
        except ValueError as error:
            print(f"{template.relative_to(ROOT)}: {error}", file=sys.stderr)
            return 1
        (args.out / template.name).write_text(filled, encoding="utf-8")
        print(args.out / template.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
