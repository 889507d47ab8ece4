"""Find the codex binary and its helper files in what the maintainer points stage-runtime at.

Accepted: a bare binary, or a runtime directory laid out like codex's own packages:

    bin/codex[.exe]  (older: codex/codex, or codex at the top)   the entrypoint, plus siblings
    codex-path/      (older: path/)                               helpers put on PATH (rg)
    codex-resources/                                              helpers found beside codex
    codex-package.json                                            codex's own manifest

npm platform packages hold that directory as `package/vendor/<target-triple>/`, and the
openai-codex-cli-bin wheel as `codex_cli_bin/`; both are found from their top folders too.
Anything else in the directory (Python files, caches) is left behind and reported.

`codex-resources/voice/` (the voice host, GStreamer and its plugins) is left out unless asked
for: it needs more than codex itself (glibc 2.28 on Linux, macOS 14), so shipping it would
narrow the wheel's tag, and OpenAI's own runtime wheel leaves it out too.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import cast

from staging.errors import StagingError

ENTRYPOINTS = ("bin/codex", "bin/codex.exe", "codex/codex", "codex/codex.exe", "codex", "codex.exe")
PATH_DIRS = ("codex-path", "path")  # staged as codex-path/
RESOURCES_DIR = "codex-resources"
VOICE_DIR = PurePosixPath(RESOURCES_DIR, "voice")
MANIFEST = "codex-package.json"
STAGED_PATH_DIR = "codex-path"


@dataclass(frozen=True)
class PayloadFile:
    """One file to stage: where it is now, and where it goes inside the package."""

    source: Path
    destination: PurePosixPath
    size: int
    executable: bool


@dataclass(frozen=True)
class LeftOut:
    """A folder of the runtime deliberately not staged, and how much it holds."""

    destination: PurePosixPath  # where it would have gone inside the package
    files: int
    size: int


@dataclass(frozen=True)
class RuntimeSource:
    """A codex binary with everything that ships beside it."""

    root: Path | None  # the runtime directory; None for a bare binary
    entrypoint: PayloadFile
    helpers: tuple[PayloadFile, ...]
    path_dir: str | None
    resources_dir: str | None
    manifest: dict[str, object] | None
    ignored: tuple[Path, ...]
    voice_included: bool = False  # codex-resources/voice/ is among the helpers
    voice_left_out: LeftOut | None = None  # the runtime has voice, and it is not staged

    @property
    def files(self) -> tuple[PayloadFile, ...]:
        return (self.entrypoint, *self.helpers)

    @property
    def total_size(self) -> int:
        return sum(item.size for item in self.files)


def find_runtime(codex: Path, *, include_voice: bool = False) -> RuntimeSource:
    """Read `codex` (a binary or a runtime directory) into the files to stage; without
    `include_voice`, codex-resources/voice/ is left out."""
    if not codex.exists() and not codex.is_symlink():
        raise StagingError(
            f"codex binary not found: {codex}; give the codex executable or a runtime "
            "directory holding bin/codex"
        )
    given = codex.resolve()  # the maintainer's own argument may be a link; contents may not
    if given.is_file():
        return _bare_binary(given)
    if not given.is_dir():
        raise StagingError(f"{codex} is neither a file nor a directory: give the codex binary")
    return _runtime_directory(given, include_voice=include_voice)


def _bare_binary(binary: Path) -> RuntimeSource:
    with binary.open("rb") as file:
        is_windows = file.read(2) == b"MZ"  # a PE file: Windows wants the .exe suffix
    name = "codex.exe" if is_windows else "codex"
    entry = _payload_file(binary, PurePosixPath("bin", name), check_executable=True)
    return RuntimeSource(None, entry, (), None, None, None, ())


def _runtime_directory(given: Path, *, include_voice: bool) -> RuntimeSource:
    root, entry_relative = _find_root(given)
    entry_source = root / entry_relative
    _refuse_links_and_specials(entry_source)
    entry_name = "codex.exe" if entry_relative.endswith(".exe") else "codex"
    entrypoint = _payload_file(
        entry_source, PurePosixPath("bin", entry_name), check_executable=True
    )

    helpers: list[PayloadFile] = []
    used: set[str] = {entry_relative.split("/", 1)[0]}
    entry_folder = entry_source.parent
    if entry_folder != root:  # siblings in bin/ (codex-code-mode-host) travel with codex
        for sibling in _walk_files(entry_folder):
            if sibling != entry_source:
                helpers.append(
                    _payload_file(sibling, PurePosixPath("bin", *_parts(sibling, entry_folder)))
                )

    path_dir = None
    for name in PATH_DIRS:
        folder = root / name
        if _is_real_dir(folder):
            helpers.extend(_payload_tree(folder, STAGED_PATH_DIR))
            path_dir = STAGED_PATH_DIR
            used.add(name)
            break

    resources_dir = None
    voice_included = False
    voice_left_out = None
    if _is_real_dir(root / RESOURCES_DIR):
        voice = root.joinpath(*VOICE_DIR.parts)
        has_voice = voice.is_dir() or voice.is_symlink()
        skip: frozenset[Path] = frozenset({voice} if has_voice and not include_voice else ())
        helpers.extend(_payload_tree(root / RESOURCES_DIR, RESOURCES_DIR, skip=skip))
        if skip:  # not walked for staging: links or odd files in it are not refused
            files, size = _measure(voice)
            voice_left_out = LeftOut(VOICE_DIR, files, size)
        voice_included = has_voice and include_voice
        resources_dir = RESOURCES_DIR
        used.add(RESOURCES_DIR)

    manifest = None
    manifest_path = root / MANIFEST
    if manifest_path.exists() or manifest_path.is_symlink():
        helpers.append(_payload_file(manifest_path, PurePosixPath(MANIFEST)))
        manifest = _read_manifest(manifest_path)
        used.add(MANIFEST)

    ignored = tuple(sorted(child for child in root.iterdir() if child.name not in used))
    helpers.sort(key=lambda item: item.destination)
    return RuntimeSource(
        root,
        entrypoint,
        tuple(helpers),
        path_dir,
        resources_dir,
        manifest,
        ignored,
        voice_included=voice_included,
        voice_left_out=voice_left_out,
    )


def _find_root(given: Path) -> tuple[Path, str]:
    """The runtime root under `given` and its entrypoint; the error lists every place tried."""
    tried: list[Path] = []
    for root in _candidate_roots(given):
        for relative in ENTRYPOINTS:
            candidate = root / relative
            tried.append(candidate)
            if candidate.is_file() or candidate.is_symlink():
                return root, relative
    listing = "\n  ".join(str(path) for path in tried)
    raise StagingError(
        f"no codex binary in the runtime directory {given}; looked for:\n  {listing}\n"
        "give the codex executable itself, or the folder holding bin/codex"
    )


def _candidate_roots(given: Path) -> list[Path]:
    roots = [given, given / "codex_cli_bin"]
    for vendor in (given / "vendor", given / "package" / "vendor"):
        if _is_real_dir(vendor):
            targets = sorted(child for child in vendor.iterdir() if child.is_dir())
            if len(targets) > 1:
                names = ", ".join(child.name for child in targets)
                raise StagingError(
                    f"{vendor} holds several targets ({names}); give the one to stage, "
                    f"e.g. {targets[0]}"
                )
            roots.extend(targets)
    return roots


def _payload_tree(
    folder: Path, staged_name: str, *, skip: frozenset[Path] = frozenset()
) -> list[PayloadFile]:
    return [
        _payload_file(path, PurePosixPath(staged_name, *_parts(path, folder)))
        for path in _walk_files(folder, skip=skip)
    ]


def _walk_files(folder: Path, *, skip: frozenset[Path] = frozenset()) -> list[Path]:
    """Every regular file under `folder` but those under `skip`, refusing links and special
    files on the way."""
    _refuse_links_and_specials(folder)
    found: list[Path] = []
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda item: item.name):
            path = Path(entry.path)
            if path in skip:
                continue
            _refuse_links_and_specials(path)
            if entry.is_dir(follow_symlinks=False):
                found.extend(_walk_files(path, skip=skip))
            else:
                found.append(path)
    return found


def _measure(folder: Path) -> tuple[int, int]:
    """How many files, and bytes, are under `folder` (links counted, never followed)."""
    if not folder.is_dir() or folder.is_symlink():
        return 1, folder.lstat().st_size
    files = size = 0
    for parent, _, names in os.walk(folder):
        for name in names:
            files += 1
            size += os.lstat(os.path.join(parent, name)).st_size
    return files, size


def _refuse_links_and_specials(path: Path) -> None:
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        raise StagingError(
            f"the runtime directory holds a symbolic link: {path} -> {os.readlink(path)}; "
            "a wheel cannot carry links. Copy the runtime with links resolved (cp -rL) "
            "or remove the link"
        )
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise StagingError(
            f"the runtime directory holds a special file (not a regular file or folder): {path}; "
            "remove it from the runtime directory"
        )


def _payload_file(
    path: Path, destination: PurePosixPath, *, check_executable: bool = False
) -> PayloadFile:
    _refuse_links_and_specials(path)
    status = path.stat()
    mode = status.st_mode
    executable = bool(mode & stat.S_IXUSR)
    if check_executable and not executable and os.name != "nt":
        raise StagingError(
            f"the codex binary is not executable: {path} (mode {stat.S_IMODE(mode):04o}); "
            f"run `chmod +x {path}` or give the file that is the real binary"
        )
    return PayloadFile(path, destination, status.st_size, executable)


def _read_manifest(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise StagingError(f"cannot read codex's manifest {path}: {error}") from None
    if not isinstance(data, dict):
        raise StagingError(f"codex's manifest {path} is not a JSON object")
    return cast("dict[str, object]", data)


def _is_real_dir(path: Path) -> bool:
    """Whether `path` is a folder; a link in its place is refused, not followed."""
    if path.is_symlink():
        _refuse_links_and_specials(path)
    return path.is_dir()


def _parts(path: Path, base: Path) -> tuple[str, ...]:
    return path.relative_to(base).parts
