"""What an executable or shared library is built for, read from its own headers (ELF, Mach-O, PE).

Only the facts a wheel tag needs: operating system, CPU architecture(s), and for Linux how it
links its C library (the program interpreter, the libraries it needs, the GLIBC symbol
versions); for macOS the minimum OS version of each architecture slice. Nothing here asks the
host: a darwin binary staged on Linux is still a darwin binary.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from staging.errors import StagingError

OperatingSystem = Literal["linux", "macos", "windows"]
Arch = Literal["x86_64", "aarch64"]
Libc = Literal["glibc", "musl"]


@dataclass(frozen=True)
class MachOSlice:
    """One architecture of a Mach-O file and the oldest macOS it runs on (None: not recorded)."""

    arch: Arch
    min_macos: tuple[int, int] | None


@dataclass(frozen=True)
class BinaryInfo:
    """What the headers say. Linux fields are None elsewhere; `slices` is for Mach-O only."""

    os: OperatingSystem
    arches: tuple[Arch, ...]
    # Linux: the C library the file depends on at load time. A static binary with no
    # glibc ABI note depends on none (None) and runs on glibc and musl systems alike.
    libc: Libc | None = None
    # Linux: nothing to load at start (no program interpreter, no DT_NEEDED library).
    static: bool = False
    interpreter: str | None = None
    # Linux, dynamic glibc: the newest GLIBC_x.y symbol version it needs, when recorded.
    glibc_needed: tuple[int, int] | None = None
    # Linux: the libraries the dynamic loader must find (DT_NEEDED), in file order.
    needed: tuple[str, ...] = ()
    slices: tuple[MachOSlice, ...] = ()

    def describe(self) -> str:
        """A short human phrase: 'linux x86_64 (static, no libc dependency)'."""
        arches = "+".join(self.arches)
        if self.os != "linux":
            return f"{self.os} {arches}"
        if self.static:
            linkage = "static glibc" if self.libc == "glibc" else "static, no libc dependency"
        elif self.interpreter is not None:
            linkage = f"dynamic {self.libc}, interpreter {self.interpreter}"
        elif self.libc is not None:  # a shared library: the program that loads it brings ld.so
            libc_names = [name for name in self.needed if _libc_of_soname(name) == self.libc]
            linkage = f"dynamic {self.libc}, needs {', '.join(libc_names) or 'GLIBC_ symbols'}"
        else:
            linkage = f"dynamic, no libc dependency of its own, needs {', '.join(self.needed)}"
        return f"linux {arches} ({linkage})"


class NotAnExecutableError(StagingError):
    """The file is no executable at all (a script, data that happens to start with `MZ`, a
    Java class file sharing the Mach-O universal magic), as opposed to an executable for a
    machine or format that codex-cli-bin wheels cannot carry."""


def read_binary_info(path: Path) -> BinaryInfo:
    """Read `path`'s headers; refuse, naming the path, when it is no executable we know."""
    try:
        with path.open("rb") as file:
            reader = _Reader(file, path)
            magic = reader.read(0, 4, what="file magic", allow_short=True)
            if magic == b"\x7fELF":
                return _read_elf(reader)
            if magic[:2] == b"MZ":
                return _read_pe(reader)
            if magic in _MACHO_THIN or magic in _MACHO_FAT:
                return _read_macho(reader, magic)
    except OSError as error:
        raise StagingError(f"cannot read {path}: {error.strerror or error}") from None
    raise NotAnExecutableError(
        f"{path} is not an ELF, Mach-O or PE executable (it starts with {magic!r}); "
        "give the codex binary itself, not a script, archive or wrapper"
    )


class _Reader:
    """Bounded reads at offsets, refusing a truncated file with its name."""

    def __init__(self, file: BinaryIO, path: Path) -> None:
        self.file = file
        self.path = path

    def read(self, offset: int, size: int, *, what: str, allow_short: bool = False) -> bytes:
        self.file.seek(offset)
        data = self.file.read(size)
        if len(data) != size and not allow_short:
            raise StagingError(
                f"{self.path} is truncated or corrupt: cannot read its {what} "
                f"({size} bytes at offset {offset})"
            )
        return data


# --- ELF ------------------------------------------------------------------------------------

_ELF_MACHINES: dict[int, Arch] = {62: "x86_64", 183: "aarch64"}
_PT_LOAD = 1
_PT_DYNAMIC = 2
_PT_INTERP = 3
_PT_NOTE = 4
_NT_GNU_ABI_TAG = 1
_SHT_GNU_VERNEED = 0x6FFFFFFE
_DT_NULL, _DT_NEEDED, _DT_STRTAB, _DT_STRSZ = 0, 1, 5, 10
# A dynamic section is a few dozen entries; a bound keeps a corrupt size from reading gigabytes.
_MAX_DYNAMIC_BYTES = 1 << 20
# Sonames that only glibc provides: musl folds libm, libpthread, libdl and librt into libc.so.
_GLIBC_SONAMES = (
    "libc.so.6",
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libutil.so.1",
    "libresolv.so.2",
    "libcrypt.so.1",
)


def _libc_of_soname(name: str) -> Libc | None:
    """Which C library a DT_NEEDED name belongs to, if it is one's (or its loader's)."""
    if name in _GLIBC_SONAMES or name.startswith("ld-linux"):
        return "glibc"
    if name == "libc.so" or name.startswith(("libc.musl-", "ld-musl-")):
        return "musl"
    return None


@dataclass(frozen=True)
class _ElfLayout:
    """Byte order: the one difference between the ELF flavours read here (64-bit only)."""

    endian: str

    def unpack(self, fmt: str, data: bytes, offset: int = 0) -> tuple[int, ...]:
        return struct.unpack_from(self.endian + fmt, data, offset)


def _read_elf(reader: _Reader) -> BinaryInfo:
    ident = reader.read(0, 16, what="ELF identification")
    elf_class, data_order = ident[4], ident[5]
    if elf_class != 2:
        raise StagingError(
            f"{reader.path} is a 32-bit ELF binary; codex ships 64-bit binaries only"
        )
    if data_order not in (1, 2):
        raise StagingError(f"{reader.path} has an unknown ELF byte order ({data_order})")
    layout = _ElfLayout(endian="<" if data_order == 1 else ">")
    header = reader.read(0, 64, what="ELF header")
    (machine,) = layout.unpack("H", header, 18)
    arch = _ELF_MACHINES.get(machine)
    if arch is None:
        raise StagingError(
            f"{reader.path} is an ELF binary for machine {machine:#x}; "
            "codex-cli-bin wheels are built for x86_64 and aarch64 only"
        )
    phoff, shoff = layout.unpack("QQ", header, 32)
    phentsize, phnum, shentsize, shnum = layout.unpack("HHHH", header, 54)

    interpreter: str | None = None
    has_glibc_abi_note = False
    table = reader.read(phoff, phentsize * phnum, what="program headers")
    segments = [_segment(layout, table, index * phentsize) for index in range(phnum)]
    for segment in segments:
        if segment.type == _PT_INTERP:
            raw = reader.read(segment.offset, segment.filesz, what="program interpreter")
            interpreter = raw.split(b"\0", 1)[0].decode("utf-8", "replace")
        elif segment.type == _PT_NOTE:
            notes = reader.read(segment.offset, segment.filesz, what="notes")
            align = 8 if segment.align == 8 else 4
            has_glibc_abi_note |= _has_gnu_abi_tag(notes, layout, align=align)
    needed = _needed_libraries(reader, layout, segments)
    glibc_needed = _newest_glibc_needed(reader, layout, shoff, shentsize, shnum)

    if interpreter is None and not needed:
        # Static (a static-PIE has a dynamic section, but needs no library). glibc's start
        # files leave an ABI-tag note; musl's and Go's do not. A static glibc binary still
        # loads parts of glibc at run time (NSS, iconv), so it stays glibc.
        libc: Libc | None = "glibc" if has_glibc_abi_note else None
        return BinaryInfo(os="linux", arches=(arch,), libc=libc, static=True)
    if interpreter is not None:
        libc = "musl" if "musl" in Path(interpreter).name else "glibc"
    else:
        # A shared library (or a program without an interpreter): its C library is the one
        # it names in DT_NEEDED, or glibc when it asks for GLIBC_ symbol versions anyway.
        libcs = {_libc_of_soname(name) for name in needed} - {None}
        if "glibc" in libcs or glibc_needed is not None:
            libc = "glibc"
        elif "musl" in libcs:
            libc = "musl"
        else:
            libc = None
    return BinaryInfo(
        os="linux",
        arches=(arch,),
        libc=libc,
        static=False,
        interpreter=interpreter,
        glibc_needed=glibc_needed if libc == "glibc" else None,
        needed=needed,
    )


@dataclass(frozen=True)
class _Segment:
    """The fields of one Elf64_Phdr read here."""

    type: int
    offset: int
    vaddr: int
    filesz: int
    align: int


def _segment(layout: _ElfLayout, table: bytes, at: int) -> _Segment:
    (p_type,) = layout.unpack("I", table, at)
    p_offset, p_vaddr = layout.unpack("QQ", table, at + 8)
    p_filesz, _, p_align = layout.unpack("QQQ", table, at + 32)
    return _Segment(p_type, p_offset, p_vaddr, p_filesz, p_align)


def _needed_libraries(
    reader: _Reader, layout: _ElfLayout, segments: list[_Segment]
) -> tuple[str, ...]:
    """The DT_NEEDED names of the dynamic section, read the way the loader reads them: through
    the program headers (section headers may be stripped), the string table found by address."""
    dynamic = next((item for item in segments if item.type == _PT_DYNAMIC), None)
    if dynamic is None or dynamic.filesz == 0:
        return ()
    raw = reader.read(
        dynamic.offset, min(dynamic.filesz, _MAX_DYNAMIC_BYTES), what="dynamic section"
    )
    name_offsets: list[int] = []
    strtab_address = strtab_size = None
    for at in range(0, len(raw) - 15, 16):
        tag, value = layout.unpack("qQ", raw, at)
        if tag == _DT_NULL:
            break
        if tag == _DT_NEEDED:
            name_offsets.append(value)
        elif tag == _DT_STRTAB:
            strtab_address = value
        elif tag == _DT_STRSZ:
            strtab_size = value
    if not name_offsets:
        return ()
    strtab_offset = _file_offset(segments, strtab_address)
    if strtab_offset is None or strtab_size is None:
        raise StagingError(
            f"{reader.path} is truncated or corrupt: its dynamic section names libraries "
            "but no readable string table"
        )
    strings = reader.read(
        strtab_offset, min(strtab_size, _MAX_DYNAMIC_BYTES), what="dynamic strings"
    )
    return tuple(
        strings[offset:].split(b"\0", 1)[0].decode("utf-8", "replace")
        for offset in name_offsets
        if offset < len(strings)
    )


def _file_offset(segments: list[_Segment], address: int | None) -> int | None:
    """Where the loadable segment holding `address` keeps it in the file."""
    if address is None:
        return None
    for item in segments:
        if item.type == _PT_LOAD and item.vaddr <= address < item.vaddr + item.filesz:
            return item.offset + (address - item.vaddr)
    return None


def _has_gnu_abi_tag(notes: bytes, layout: _ElfLayout, *, align: int) -> bool:
    offset = 0
    while offset + 12 <= len(notes):
        namesz, descsz, note_type = layout.unpack("III", notes, offset)
        name_start = offset + 12
        name = notes[name_start : name_start + namesz].rstrip(b"\0")
        if name == b"GNU" and note_type == _NT_GNU_ABI_TAG:
            return True
        desc_start = name_start + _align_up(namesz, align)
        offset = desc_start + _align_up(descsz, align)
    return False


def _newest_glibc_needed(
    reader: _Reader, layout: _ElfLayout, shoff: int, shentsize: int, shnum: int
) -> tuple[int, int] | None:
    """The highest `GLIBC_x.y` in the version-needs section; None when there is none."""
    if shoff == 0 or shnum == 0:
        return None
    table = reader.read(shoff, shentsize * shnum, what="section headers")
    sections = [_section(layout, table, index * shentsize) for index in range(shnum)]
    newest: tuple[int, int] | None = None
    for sh_type, offset, size, link in sections:
        if sh_type != _SHT_GNU_VERNEED or link >= len(sections):
            continue
        _, str_offset, str_size, _ = sections[link]
        strings = reader.read(str_offset, str_size, what="version strings")
        needs = reader.read(offset, size, what="version needs")
        for name in _vernaux_names(needs, layout, strings):
            version = _glibc_version(name)
            if version is not None and (newest is None or version > newest):
                newest = version
    return newest


def _section(layout: _ElfLayout, table: bytes, at: int) -> tuple[int, int, int, int]:
    """(sh_type, sh_offset, sh_size, sh_link) of one Elf64_Shdr."""
    (sh_type,) = layout.unpack("I", table, at + 4)
    offset, size = layout.unpack("QQ", table, at + 24)
    (link,) = layout.unpack("I", table, at + 40)
    return sh_type, offset, size, link


def _vernaux_names(needs: bytes, layout: _ElfLayout, strings: bytes) -> list[str]:
    names: list[str] = []
    need_at = 0
    while need_at + 16 <= len(needs):
        _, count, _, aux_offset, next_need = layout.unpack("HHIII", needs, need_at)
        aux_at = need_at + aux_offset
        for _ in range(count):
            if aux_at + 16 > len(needs):
                break
            _, _, _, name_offset, next_aux = layout.unpack("IHHII", needs, aux_at)
            names.append(strings[name_offset:].split(b"\0", 1)[0].decode("ascii", "replace"))
            if next_aux == 0:
                break
            aux_at += next_aux
        if next_need == 0:
            break
        need_at += next_need
    return names


def _glibc_version(name: str) -> tuple[int, int] | None:
    prefix = "GLIBC_"
    if not name.startswith(prefix):
        return None
    parts = name[len(prefix) :].split(".")
    if len(parts) < 2 or not all(part.isdigit() for part in parts[:2]):
        return None  # e.g. GLIBC_PRIVATE
    return int(parts[0]), int(parts[1])


def _align_up(value: int, align: int) -> int:
    return (value + align - 1) // align * align


# --- Mach-O ---------------------------------------------------------------------------------

_MACHO_THIN = {
    b"\xcf\xfa\xed\xfe": "<",  # MH_MAGIC_64, little-endian (every current Mac)
    b"\xce\xfa\xed\xfe": "<",  # MH_MAGIC, 32-bit
}
_MACHO_FAT = {b"\xca\xfe\xba\xbe": False, b"\xca\xfe\xba\xbf": True}  # value: 64-bit offsets
_MACHO_CPUS: dict[int, Arch] = {0x01000007: "x86_64", 0x0100000C: "aarch64"}
_LC_VERSION_MIN_MACOSX = 0x24
_LC_BUILD_VERSION = 0x32
_PLATFORM_MACOS = 1
# Java class files share the fat magic; a real fat header lists a handful of slices.
_MAX_FAT_SLICES = 16


def _read_macho(reader: _Reader, magic: bytes) -> BinaryInfo:
    if magic in _MACHO_THIN:
        slices = (_read_macho_slice(reader, 0),)
    else:
        slices = _read_fat_slices(reader, wide=_MACHO_FAT[magic])
    arches: tuple[Arch, ...] = tuple(dict.fromkeys(item.arch for item in slices))
    return BinaryInfo(os="macos", arches=arches, slices=slices)


def _read_fat_slices(reader: _Reader, *, wide: bool) -> tuple[MachOSlice, ...]:
    (count,) = struct.unpack(">I", reader.read(4, 4, what="fat header"))
    if not 0 < count <= _MAX_FAT_SLICES:
        raise NotAnExecutableError(
            f"{reader.path} is not a Mach-O universal binary ({count} slices?)"
        )
    entry_size, fmt = (32, ">IIQQII") if wide else (20, ">IIIII")
    table = reader.read(8, entry_size * count, what="fat architecture table")
    slices: list[MachOSlice] = []
    for index in range(count):
        cputype, _, offset, *_ = struct.unpack_from(fmt, table, index * entry_size)
        if cputype in _MACHO_CPUS:  # other slices (i386, ppc) never carry a wheel's arch
            slices.append(_read_macho_slice(reader, offset))
    if not slices:
        raise StagingError(
            f"{reader.path} is a Mach-O universal binary with neither an x86_64 nor an arm64 slice"
        )
    return tuple(slices)


def _read_macho_slice(reader: _Reader, base: int) -> MachOSlice:
    magic = reader.read(base, 4, what="Mach-O header")
    if magic not in _MACHO_THIN:
        raise StagingError(f"{reader.path} has a Mach-O slice at offset {base} with bad magic")
    is64 = magic == b"\xcf\xfa\xed\xfe"
    header = reader.read(base, 32 if is64 else 28, what="Mach-O header")
    cputype, _, _, ncmds, sizeofcmds = struct.unpack_from("<IIIII", header, 4)
    arch = _MACHO_CPUS.get(cputype)
    if arch is None:
        raise StagingError(
            f"{reader.path} is a Mach-O binary for CPU type {cputype:#x}; "
            "codex-cli-bin wheels are built for x86_64 and arm64 only"
        )
    commands = reader.read(base + len(header), sizeofcmds, what="Mach-O load commands")
    return MachOSlice(arch=arch, min_macos=_min_macos(reader, commands, ncmds))


def _min_macos(reader: _Reader, commands: bytes, ncmds: int) -> tuple[int, int] | None:
    offset = 0
    for _ in range(ncmds):
        if offset + 8 > len(commands):
            break
        cmd, size = struct.unpack_from("<II", commands, offset)
        if cmd == _LC_BUILD_VERSION:
            platform, minos = struct.unpack_from("<II", commands, offset + 8)
            if platform != _PLATFORM_MACOS:
                raise StagingError(
                    f"{reader.path} is a Mach-O binary for Apple platform {platform}, not macOS"
                )
            return _unpack_macos_version(minos)
        if cmd == _LC_VERSION_MIN_MACOSX:
            (version,) = struct.unpack_from("<I", commands, offset + 8)
            return _unpack_macos_version(version)
        if size < 8:
            break  # a corrupt command size would loop forever
        offset += size
    return None


def _unpack_macos_version(packed: int) -> tuple[int, int]:
    """Mach-O packs X.Y.Z as xxxx.yy.zz in one 32-bit word; wheels only need X and Y."""
    return packed >> 16, (packed >> 8) & 0xFF


# --- PE -------------------------------------------------------------------------------------

_PE_MACHINES: dict[int, Arch] = {0x8664: "x86_64", 0xAA64: "aarch64"}


def _read_pe(reader: _Reader) -> BinaryInfo:
    # Plain text or data can start with "MZ": without a whole DOS header pointing at a PE
    # signature, the file is no executable at all (not a truncated one).
    dos_header = reader.read(0, 64, what="DOS header", allow_short=True)
    (pe_offset,) = struct.unpack_from("<I", dos_header, 0x3C) if len(dos_header) == 64 else (0,)
    signature = reader.read(pe_offset, 6, what="PE header", allow_short=True) if pe_offset else b""
    if len(signature) != 6 or signature[:4] != b"PE\0\0":
        raise NotAnExecutableError(f"{reader.path} starts like a DOS program but has no PE header")
    (machine,) = struct.unpack_from("<H", signature, 4)
    arch = _PE_MACHINES.get(machine)
    if arch is None:
        raise StagingError(
            f"{reader.path} is a Windows binary for machine {machine:#x}; "
            "codex-cli-bin wheels are built for amd64 and arm64 only"
        )
    return BinaryInfo(os="windows", arches=(arch,))
