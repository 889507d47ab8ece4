"""From what a binary is (binformat.BinaryInfo) to the wheel platform tag that promises it.

One explicit table per OS, never the host's own tags: the same binary gets the same tag
wherever it is staged. An override tag is accepted only when it promises nothing the binary
cannot keep (another OS, another CPU, another C library, an older OS than it needs).
"""

from __future__ import annotations

import platform
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from staging.errors import StagingError

if TYPE_CHECKING:
    from staging.binformat import Arch, BinaryInfo, OperatingSystem

# The oldest policies worth naming: manylinux2014 (glibc 2.17) is the first to cover aarch64,
# and musllinux_1_1 the first musllinux. A binary with no libc dependency runs on both.
GLIBC_BASELINE = (2, 17)
STATIC_MUSL_BASELINE = (1, 1)
# A dynamically linked musl binary was built against a current musl: 1.2 is today's floor.
DYNAMIC_MUSL_BASELINE = (1, 2)
# Apple silicon Macs start at macOS 11, so an arm64 slice never needs less.
ARM64_MACOS_FLOOR = (11, 0)

_LINUX_ARCH: dict[Arch, str] = {"x86_64": "x86_64", "aarch64": "aarch64"}
_MACOS_ARCH: dict[Arch, str] = {"x86_64": "x86_64", "aarch64": "arm64"}
_WINDOWS_TAG: dict[Arch, str] = {"x86_64": "win_amd64", "aarch64": "win_arm64"}


def platform_tag_for(info: BinaryInfo) -> str:
    """The tag a wheel holding this binary should carry (several joined by dots)."""
    if info.os == "linux":
        return _linux_tag(info)
    if info.os == "macos":
        return _macos_tag(info)
    return _WINDOWS_TAG[info.arches[0]]


def _linux_tag(info: BinaryInfo) -> str:
    arch = _LINUX_ARCH[info.arches[0]]
    if info.libc is None:  # static with no libc dependency: one wheel for both families
        many, musl = GLIBC_BASELINE, STATIC_MUSL_BASELINE
        return f"manylinux_{many[0]}_{many[1]}_{arch}.musllinux_{musl[0]}_{musl[1]}_{arch}"
    if info.libc == "musl":
        major, minor = DYNAMIC_MUSL_BASELINE
        return f"musllinux_{major}_{minor}_{arch}"
    major, minor = max(GLIBC_BASELINE, info.glibc_needed or GLIBC_BASELINE)
    return f"manylinux_{major}_{minor}_{arch}"


def _macos_tag(info: BinaryInfo) -> str:
    universal = set(info.arches) == {"x86_64", "aarch64"}
    arch_name = "universal2" if universal else _MACOS_ARCH[info.arches[0]]
    floor = _macos_floor(info)
    if floor is None:
        raise StagingError(
            "the x86_64 Mach-O slice records no minimum macOS version (no LC_BUILD_VERSION "
            "or LC_VERSION_MIN_MACOSX); pass --platform-tag, e.g. macosx_10_12_x86_64"
        )
    return f"macosx_{floor[0]}_{floor[1]}_{arch_name}"


def _macos_floor(info: BinaryInfo) -> tuple[int, int] | None:
    """The oldest macOS every slice runs on, spelled as pip spells it (11+ is `major_0`);
    None when an x86_64 slice does not record it.

    An arm64 slice asking for no more than 11.0 adds nothing: no arm64 Mac runs less. So a
    universal2 binary with x86_64 >= 10.12 and arm64 >= 11.0 is `macosx_10_12_universal2`.
    """
    needed: list[tuple[int, int]] = []
    for item in info.slices:
        if item.arch == "aarch64":
            version = max(item.min_macos or ARM64_MACOS_FLOOR, ARM64_MACOS_FLOOR)
            if version > ARM64_MACOS_FLOOR or len(info.slices) == 1:
                needed.append(version)
        elif item.min_macos is None:
            return None
        else:
            needed.append(item.min_macos)
    major, minor = max(needed)
    return (major, 0) if major >= 11 else (major, minor)


# --- Overrides ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TagPart:
    """One dot-separated part of a platform tag, read back into what it promises."""

    text: str
    os: OperatingSystem
    arches: frozenset[Arch]
    family: str  # "manylinux", "musllinux", "macosx" or "win"
    version: tuple[int, int] | None


_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_TAG_ARCHES: dict[str, frozenset[Arch]] = {
    "x86_64": frozenset({"x86_64"}),
    "aarch64": frozenset({"aarch64"}),
    "arm64": frozenset({"aarch64"}),
    "amd64": frozenset({"x86_64"}),
    "universal2": frozenset({"x86_64", "aarch64"}),
}
_FAMILY_ARCHES = {
    "manylinux": ("x86_64", "aarch64"),
    "musllinux": ("x86_64", "aarch64"),
    "macosx": ("x86_64", "arm64", "universal2"),
    "win": ("amd64", "arm64"),
}
_VERSIONED = re.compile(
    r"(?P<family>manylinux|musllinux|macosx)_(?P<x>\d+)_(?P<y>\d+)_(?P<arch>\w+)"
)
_LEGACY = re.compile(r"(?P<family>manylinux1|manylinux2010|manylinux2014)_(?P<arch>\w+)")
_WINDOWS = re.compile(r"win_(?P<arch>amd64|arm64)")
_OS_OF_FAMILY: dict[str, OperatingSystem] = {
    "manylinux": "linux",
    "musllinux": "linux",
    "macosx": "macos",
    "win": "windows",
}
TAG_FORMS = (
    "manylinux_X_Y_ARCH, musllinux_X_Y_ARCH, macosx_X_Y_ARCH (x86_64, arm64, universal2), "
    "win_amd64 or win_arm64, several joined by dots"
)


def check_platform_tag(tag: str, info: BinaryInfo, binary: str) -> str:
    """Accept an override tag only if the binary keeps every promise it makes; return it."""
    text = tag.strip()
    if text.count("-") >= 2:
        raise StagingError(
            f"--platform-tag {tag!r} looks like a whole wheel tag; give only the platform part, "
            "e.g. manylinux_2_17_x86_64"
        )
    problems = broken_promises(text, info)
    if problems:
        raise StagingError(
            f"--platform-tag {tag!r} contradicts {binary}: {'; '.join(problems)} "
            f"(the binary is {info.describe()}; its own tag is {_own_tag_or_none(info)})"
        )
    return text


def broken_promises(tag: str, info: BinaryInfo) -> list[str]:
    """Each promise of `tag` (OS, CPU, C library, oldest OS) that a binary `info` breaks."""
    parts = [_parse_part(piece, tag) for piece in tag.split(".")]
    return [problem for part in parts if (problem := _broken_promise(part, info)) is not None]


def _own_tag_or_none(info: BinaryInfo) -> str:
    try:
        return platform_tag_for(info)
    except StagingError:
        return "unknown"


def _parse_part(piece: str, whole: str) -> _TagPart:
    if (match := _VERSIONED.fullmatch(piece)) is not None:
        family, arch = match["family"], match["arch"]
        version: tuple[int, int] | None = (int(match["x"]), int(match["y"]))
    elif (match := _LEGACY.fullmatch(piece)) is not None:
        family, arch = "manylinux", match["arch"]
        version = _LEGACY_MANYLINUX[match["family"]]
    elif (match := _WINDOWS.fullmatch(piece)) is not None:
        family, arch, version = "win", match["arch"], None
    else:
        hint = " (package indexes reject linux_* tags)" if piece.startswith("linux_") else ""
        raise StagingError(
            f"--platform-tag {whole!r}: {piece!r} is not a platform tag this wheel can carry"
            f"{hint}; accepted forms: {TAG_FORMS}"
        )
    if arch not in _FAMILY_ARCHES[family]:
        known = ", ".join(_FAMILY_ARCHES[family])
        raise StagingError(
            f"--platform-tag {whole!r}: {piece!r} names architecture {arch!r}; {family} tags "
            f"here take {known}"
        )
    return _TagPart(piece, _OS_OF_FAMILY[family], _TAG_ARCHES[arch], family, version)


def _broken_promise(part: _TagPart, info: BinaryInfo) -> str | None:
    if part.os != info.os:
        return f"{part.text} is for {part.os}, the binary is for {info.os}"
    missing = part.arches - set(info.arches)
    if missing:
        return (
            f"{part.text} needs {'+'.join(sorted(missing))}, the binary has {'+'.join(info.arches)}"
        )
    if part.family == "manylinux" and info.libc == "musl":
        return f"{part.text} promises glibc systems, the binary needs musl ({info.interpreter})"
    if part.family == "musllinux" and info.libc == "glibc":
        return f"{part.text} promises musl systems, the binary needs glibc"
    glibc = info.glibc_needed
    if part.family == "manylinux" and glibc and part.version and part.version < glibc:
        return f"{part.text} promises glibc {_dotted(part.version)}, the binary needs GLIBC_{_dotted(glibc)}"
    floor = _macos_floor(info) if info.os == "macos" else None
    if part.family == "macosx" and part.version and floor and part.version < floor:
        return (
            f"{part.text} promises macOS {_dotted(part.version)}, the binary needs {_dotted(floor)}"
        )
    return None


def _dotted(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


# --- Target triples and the host --------------------------------------------------------------


def target_triple_for(info: BinaryInfo) -> str:
    """Rust's name for the build target, as codex names its vendor folders."""
    if info.os == "linux":
        return f"{info.arches[0]}-unknown-linux-{'gnu' if info.libc == 'glibc' else 'musl'}"
    if info.os == "macos":
        universal = set(info.arches) == {"x86_64", "aarch64"}
        arch = "universal2" if universal else info.arches[0]
        return f"{arch}-apple-darwin"
    return f"{info.arches[0]}-pc-windows-msvc"


def triple_contradiction(triple: str, info: BinaryInfo) -> str | None:
    """Why a target triple (e.g. from codex-package.json) cannot describe this binary, if so."""
    os_words: dict[OperatingSystem, str] = {
        "linux": "-linux",
        "macos": "-apple-darwin",
        "windows": "-windows",
    }
    if os_words[info.os] not in triple:
        return f"target {triple!r} is not for {info.os}"
    arch = triple.split("-", 1)[0]
    if arch not in info.arches and not (arch == "universal2" and len(info.arches) > 1):
        return f"target {triple!r} is not for {'+'.join(info.arches)}"
    return None


def runs_on_this_host(info: BinaryInfo) -> bool:
    """Whether this machine's OS and CPU match the binary (so `codex --version` can be asked)."""
    host_os: dict[str, OperatingSystem] = {"linux": "linux", "darwin": "macos", "win32": "windows"}
    host_arch: dict[str, Arch] = {
        "x86_64": "x86_64",
        "amd64": "x86_64",
        "aarch64": "aarch64",
        "arm64": "aarch64",
    }
    os_name = host_os.get(sys.platform)
    arch = host_arch.get(platform.machine().lower())
    return os_name == info.os and arch in info.arches
