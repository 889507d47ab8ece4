"""Fetch codex's per-platform npm packages (`npm pack`) and unpack them into a cache.

The npm packages `@openai/codex@<version>-<platform>` are where each platform's release
binary is published; the release workflow and the all-platforms check both start here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from staging.errors import StagingError
from staging.versions import CodexVersion, parse_codex_version

NPM_PLATFORMS = (
    "linux-x64",
    "linux-arm64",
    "darwin-x64",
    "darwin-arm64",
    "win32-x64",
    "win32-arm64",
)
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "codex-staging"
_UNPACKED_MARK = ".unpacked"


def npm_package_spec(version: CodexVersion, platform: str) -> str:
    """`@openai/codex@0.164.0-alpha.2-linux-x64`: codex's spelling, then the platform."""
    if platform not in NPM_PLATFORMS:
        raise StagingError(f"unknown npm platform {platform!r}; one of {', '.join(NPM_PLATFORMS)}")
    return f"@openai/codex@{version.codex}-{platform}"


def fetch_npm_runtime(version: CodexVersion, platform: str, cache: Path = DEFAULT_CACHE) -> Path:
    """The unpacked `package/` folder of one platform package, downloaded once per cache."""
    spec = npm_package_spec(version, platform)
    tarball = cache / "npm" / f"openai-codex-{version.codex}-{platform}.tgz"
    unpacked = cache / "unpacked" / f"{version.codex}-{platform}"
    if (unpacked / _UNPACKED_MARK).is_file():
        return unpacked / "package"
    if not tarball.is_file():
        _npm_pack(spec, tarball.parent)
        if not tarball.is_file():
            raise StagingError(f"npm pack {spec} did not leave {tarball}")
    if not hasattr(tarfile, "data_filter"):
        raise StagingError("unpacking safely needs tarfile's data filter: Python 3.10.12 or newer")
    shutil.rmtree(unpacked, ignore_errors=True)
    unpacked.mkdir(parents=True)
    try:
        with tarfile.open(tarball) as archive:
            # The data filter refuses links out of the tree and absolute paths; keeps exec bits.
            archive.extractall(unpacked, filter="data")
    except tarfile.TarError as error:  # a filtered-out member, or a corrupt download
        shutil.rmtree(unpacked, ignore_errors=True)
        raise StagingError(
            f"cannot unpack {tarball} safely: {error}; delete it to fetch the package again"
        ) from None
    (unpacked / _UNPACKED_MARK).write_text(spec + "\n", encoding="utf-8")
    return unpacked / "package"


def _npm_pack(spec: str, destination: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise StagingError("npm is not on PATH; it is needed to fetch codex's platform packages")
    destination.mkdir(parents=True, exist_ok=True)
    print(f"npm pack {spec}", file=sys.stderr)
    result = subprocess.run(
        [npm, "pack", spec, "--pack-destination", str(destination), "--silent"],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise StagingError(f"npm pack {spec} failed:\n{(result.stderr or result.stdout).strip()}")


def main(argv: list[str] | None = None) -> int:
    """`python -m staging.npm_runtime --platform P --runtime-version V`: print the unpacked path."""
    parser = argparse.ArgumentParser(description="fetch and unpack one codex npm platform package")
    parser.add_argument("--platform", required=True, choices=NPM_PLATFORMS)
    parser.add_argument("--runtime-version", required=True, metavar="V")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    try:
        print(
            fetch_npm_runtime(parse_codex_version(args.runtime_version), args.platform, args.cache)
        )
    except StagingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
