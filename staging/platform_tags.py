"""From what the payload's native files are (binformat.BinaryInfo) to the wheel platform tag.

One explicit table per OS, never the host's own tags: the same files get the same tag wherever
they are staged. The codex binary decides the OS and CPU; every other native file (helper
programs, shared libraries) can only narrow what the tag promises: a glibc helper drops
musllinux and may raise the glibc floor, a dynamic musl helper drops manylinux, a Mach-O file
needing a newer macOS raises the macOS floor. An override tag is accepted only when it promises
nothing some file cannot keep (another OS, another CPU, another C library, an older OS).
"""

from __future__ import annotations

import platform
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from staging.errors import StagingError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from staging.binformat import Arch, BinaryInfo, MachOSlice, OperatingSystem

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
    """The tag a wheel holding only this binary should carry (several joined by dots)."""
    if info.os == "linux":
        return _linux_tag(info)
    if info.os == "macos":
        return _macos_tag(info)
    return _WINDOWS_TAG[info.arches[0]]


def _linux_tag(info: BinaryInfo) -> str:
    # No libc dependency: one wheel for both families; otherwise the one family it needs.
    return _linux_tag_text(_linux_floors(info), _LINUX_ARCH[info.arches[0]])


def _macos_tag(info: BinaryInfo) -> str:
    floor = _macos_floor(info)
    if floor is None:
        raise StagingError(
            "the x86_64 Mach-O slice records no minimum macOS version (no LC_BUILD_VERSION "
            "or LC_VERSION_MIN_MACOSX); pass --platform-tag, e.g. macosx_10_12_x86_64"
        )
    return _macos_tag_text(info.arches, floor)


def _macos_tag_text(arches: Iterable[Arch], floor: tuple[int, int]) -> str:
    wanted = set(arches)
    arch_name = "universal2" if wanted == {"x86_64", "aarch64"} else _MACOS_ARCH[wanted.pop()]
    return f"macosx_{floor[0]}_{floor[1]}_{arch_name}"


def _macos_floor(info: BinaryInfo, arches: Iterable[Arch] | None = None) -> tuple[int, int] | None:
    """The oldest macOS every slice (of `arches`, default all) runs on, spelled as pip spells
    it (11+ is `major_0`); None when an x86_64 slice does not record it.

    An arm64 slice asking for no more than 11.0 adds nothing beside an x86_64 slice: no arm64
    Mac runs less. So a universal2 binary with x86_64 >= 10.12 and arm64 >= 11.0 is
    `macosx_10_12_universal2`.
    """
    wanted = set(info.arches if arches is None else arches)
    slices: list[MachOSlice] = [item for item in info.slices if item.arch in wanted]
    has_x86_64 = any(item.arch == "x86_64" for item in slices)
    needed: list[tuple[int, int]] = []
    for item in slices:
        if item.arch == "aarch64":
            version = max(item.min_macos or ARM64_MACOS_FLOOR, ARM64_MACOS_FLOOR)
            if version > ARM64_MACOS_FLOOR or not has_x86_64:
                needed.append(version)
        elif item.min_macos is None:
            return None
        else:
            needed.append(item.min_macos)
    if not needed:
        return None
    major, minor = max(needed)
    return (major, 0) if major >= 11 else (major, minor)


# --- The whole payload ------------------------------------------------------------------------


@dataclass(frozen=True)
class NativeFile:
    """One native file of the payload: its path inside the wheel, where it was read, its headers."""

    name: str  # e.g. codex-path/rg
    source: str  # the file staging read, as the maintainer can find it
    info: BinaryInfo


@dataclass(frozen=True)
class Narrowing:
    """How some payload files made the tag promise less than the codex binary alone would."""

    files: tuple[str, ...]  # wheel paths of every file with this effect
    change: str  # "drops musllinux_1_1_aarch64", "manylinux_2_17_aarch64 -> manylinux_2_18_..."
    reason: str  # what those files need

    def describe(self) -> str:
        first, *others = self.files
        more = f" (and {len(others)} more)" if others else ""
        return f"{first}{more}: {self.change} ({self.reason})"


@dataclass(frozen=True)
class PayloadTag:
    """The tag every native file keeps, and which files narrowed it from the binary's own."""

    tag: str
    own_tag: str  # the codex binary's tag on its own
    narrowings: tuple[Narrowing, ...]
    warnings: tuple[str, ...]


def platform_mismatch(main: NativeFile, helper: NativeFile) -> str | None:
    """Why `helper` cannot ship beside the codex binary at all (another OS, no common CPU)."""
    if helper.info.os != main.info.os or not set(helper.info.arches) & set(main.info.arches):
        return (
            f"the runtime mixes platforms: {helper.source} is {helper.info.describe()}, "
            f"but the codex binary is {main.info.describe()}; stage one target's files only"
        )
    return None


def payload_platform_tag(main: NativeFile, helpers: Sequence[NativeFile]) -> PayloadTag:
    """The tag of a wheel holding `main` and `helpers`: the OS and CPU of `main`, narrowed by
    every helper to what all of them keep. Refused when no tag can hold them all."""
    for helper in helpers:
        problem = platform_mismatch(main, helper)
        if problem is not None:
            raise StagingError(problem)
        missing = set(main.info.arches) - set(helper.info.arches)
        if missing:
            raise StagingError(
                f"{helper.source} is {helper.info.describe()}, without the "
                f"{'+'.join(sorted(missing))} code the codex binary ({main.info.describe()}) "
                "has: a wheel for both would install it where it cannot run. Give a helper "
                "for every architecture, or pass --platform-tag for the one they share"
            )
    own = platform_tag_for(main.info)
    if main.info.os == "linux":
        tag, narrowings = _linux_payload(main.info, helpers)
        return PayloadTag(tag, own, narrowings, ())
    if main.info.os == "macos":
        return _macos_payload(main.info, helpers, own)
    return PayloadTag(own, own, (), ())


@dataclass(frozen=True)
class _LinuxFloors:
    """The Linux families a file (or the payload) can be promised to, each with its floor."""

    manylinux: tuple[int, int] | None
    musllinux: tuple[int, int] | None


def _linux_floors(info: BinaryInfo) -> _LinuxFloors:
    if info.libc is None:  # no libc dependency: runs on both families
        return _LinuxFloors(GLIBC_BASELINE, STATIC_MUSL_BASELINE)
    if info.libc == "musl":
        return _LinuxFloors(None, DYNAMIC_MUSL_BASELINE)
    return _LinuxFloors(max(GLIBC_BASELINE, info.glibc_needed or GLIBC_BASELINE), None)


def _linux_tag_text(floors: _LinuxFloors, arch: str) -> str:
    parts: list[str] = []
    if floors.manylinux is not None:
        parts.append(f"manylinux_{floors.manylinux[0]}_{floors.manylinux[1]}_{arch}")
    if floors.musllinux is not None:
        parts.append(f"musllinux_{floors.musllinux[0]}_{floors.musllinux[1]}_{arch}")
    return ".".join(parts)


def _linux_payload(
    main: BinaryInfo, helpers: Sequence[NativeFile]
) -> tuple[str, tuple[Narrowing, ...]]:
    arch = _LINUX_ARCH[main.arches[0]]
    own = _linux_floors(main)
    glibc = [item for item in helpers if item.info.libc == "glibc"]
    musl = [item for item in helpers if item.info.libc == "musl"]
    narrowings: list[Narrowing] = []

    manylinux, musllinux = own.manylinux, own.musllinux
    if musllinux is not None and glibc:
        narrowings.append(
            Narrowing(
                _names(glibc),
                f"drops {_linux_tag_text(_LinuxFloors(None, musllinux), arch)}",
                f"linked against glibc: {_glibc_evidence(glibc[0].info)}",
            )
        )
        musllinux = None
    if manylinux is not None and musl:
        narrowings.append(
            Narrowing(
                _names(musl),
                f"drops {_linux_tag_text(_LinuxFloors(manylinux, None), arch)}",
                f"linked against musl: {_musl_evidence(musl[0].info)}",
            )
        )
        manylinux = None
    if manylinux is None and musllinux is None:
        raise StagingError(_no_linux_tag_message(main, own, glibc, musl))

    if manylinux is not None and glibc:
        floors = {item.name: _linux_floors(item.info).manylinux or GLIBC_BASELINE for item in glibc}
        top = max(floors.values())
        if top > manylinux:
            narrowings.append(
                Narrowing(
                    tuple(name for name, floor in floors.items() if floor == top),
                    f"{_linux_tag_text(_LinuxFloors(manylinux, None), arch)} -> "
                    f"{_linux_tag_text(_LinuxFloors(top, None), arch)}",
                    f"needs GLIBC_{_dotted(top)}",
                )
            )
            manylinux = top
    if musllinux is not None and musl and musllinux < DYNAMIC_MUSL_BASELINE:
        narrowings.append(
            Narrowing(
                _names(musl),
                f"{_linux_tag_text(_LinuxFloors(None, musllinux), arch)} -> "
                f"{_linux_tag_text(_LinuxFloors(None, DYNAMIC_MUSL_BASELINE), arch)}",
                f"dynamically linked musl, built against musl {_dotted(DYNAMIC_MUSL_BASELINE)}+",
            )
        )
        musllinux = DYNAMIC_MUSL_BASELINE
    return _linux_tag_text(_LinuxFloors(manylinux, musllinux), arch), tuple(narrowings)


def _glibc_evidence(info: BinaryInfo) -> str:
    if info.interpreter is not None:
        return f"interpreter {info.interpreter}"
    if info.static:
        return "static glibc, which loads parts of glibc at run time"
    names = [name for name in info.needed if name in ("libc.so.6", "libm.so.6", "libpthread.so.0")]
    return f"needs {', '.join(names)}" if names else "needs GLIBC_ symbol versions"


def _musl_evidence(info: BinaryInfo) -> str:
    if info.interpreter is not None:
        return f"interpreter {info.interpreter}"
    names = [name for name in info.needed if name == "libc.so" or "musl" in name]
    return f"needs {', '.join(names)}"


def _no_linux_tag_message(
    main: BinaryInfo, own: _LinuxFloors, glibc: list[NativeFile], musl: list[NativeFile]
) -> str:
    """No Linux tag holds both a glibc file and a musl file: name one of each."""
    if own.manylinux is None:  # the codex binary is musl: the glibc helpers are the misfits
        misfit, wants = glibc[0], "glibc"
    elif own.musllinux is None:
        misfit, wants = musl[0], "musl"
    else:
        return (
            f"no wheel tag holds every file: {glibc[0].source} needs glibc "
            f"({_glibc_evidence(glibc[0].info)}) and {musl[0].source} needs musl "
            f"({_musl_evidence(musl[0].info)}); stage helpers built for one C library"
        )
    return (
        f"no wheel tag holds every file: {misfit.source} is {misfit.info.describe()}, "
        f"but the codex binary is {main.describe()}: a {wants} helper cannot run where "
        "the codex binary's wheel installs; stage helpers built for the codex binary's C library"
    )


def _macos_payload(main: BinaryInfo, helpers: Sequence[NativeFile], own: str) -> PayloadTag:
    floor = _macos_floor(main)
    if floor is None:
        raise StagingError(  # the same refusal as the binary alone, with the same advice
            "the x86_64 Mach-O slice records no minimum macOS version (no LC_BUILD_VERSION "
            "or LC_VERSION_MIN_MACOSX); pass --platform-tag, e.g. macosx_10_12_x86_64"
        )
    needs: dict[str, tuple[int, int]] = {}
    unknown: list[str] = []
    for item in helpers:
        needed = _macos_floor(item.info, main.arches)
        if needed is None:
            unknown.append(item.name)
        else:
            needs[item.name] = needed
    top = max([floor, *needs.values()])
    narrowings: tuple[Narrowing, ...] = ()
    if top > floor:
        narrowings = (
            Narrowing(
                tuple(name for name, needed in needs.items() if needed == top),
                f"{own} -> {_macos_tag_text(main.arches, top)}",
                f"needs macOS {_dotted(top)}",
            ),
        )
    warnings = tuple(
        f"{name} records no minimum macOS version for x86_64: the tag's macOS floor could not "
        "be checked against it"
        for name in unknown
    )
    return PayloadTag(_macos_tag_text(main.arches, top), own, narrowings, warnings)


def _names(files: Sequence[NativeFile]) -> tuple[str, ...]:
    return tuple(item.name for item in files)


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
    main = NativeFile(name=binary, source=binary, info=info)
    return check_payload_platform_tag(tag, main, ())


_MAX_CONTRADICTIONS_SHOWN = 3


def check_payload_platform_tag(tag: str, main: NativeFile, helpers: Sequence[NativeFile]) -> str:
    """Accept an override tag only if every native file keeps every promise it makes."""
    text = tag.strip()
    if text.count("-") >= 2:
        raise StagingError(
            f"--platform-tag {tag!r} looks like a whole wheel tag; give only the platform part, "
            "e.g. manylinux_2_17_x86_64"
        )
    contradictions: list[str] = []
    for item in (main, *helpers):
        problems = broken_promises(text, item.info)
        if problems:
            what = "the binary" if item is main else "it"
            contradictions.append(
                f"{item.source}: {'; '.join(problems)} ({what} is {item.info.describe()})"
            )
    if contradictions:
        shown = contradictions[:_MAX_CONTRADICTIONS_SHOWN]
        more = len(contradictions) - len(shown)
        rest = f"; and {more} more file{'s' if more > 1 else ''}" if more else ""
        raise StagingError(
            f"--platform-tag {tag!r} contradicts {'; '.join(shown)}{rest} "
            f"(the payload's own tag is {_own_tag_or_none(main, helpers)})"
        )
    return text


def broken_promises(tag: str, info: BinaryInfo) -> list[str]:
    """Each promise of `tag` (OS, CPU, C library, oldest OS) that a binary `info` breaks."""
    parts = [_parse_part(piece, tag) for piece in tag.split(".")]
    return [problem for part in parts if (problem := _broken_promise(part, info)) is not None]


def _own_tag_or_none(main: NativeFile, helpers: Sequence[NativeFile]) -> str:
    try:
        return payload_platform_tag(main, helpers).tag
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
    floor = _macos_floor(info, part.arches) if info.os == "macos" else None
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
