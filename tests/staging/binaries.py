"""Tiny synthetic executables (a few hundred bytes): just the headers tag detection reads.

Each builder lays out the real on-disk structures (ELF64 header, program headers, notes,
dynamic section and its string table, version-needs section; Mach-O header and load commands,
fat header; DOS + PE header), so the parser meets the same bytes it meets in a real binary,
without a real binary's size.
"""

from __future__ import annotations

import platform
import struct
from pathlib import Path

EM_X86_64 = 62
EM_AARCH64 = 183
EM_RISCV = 243

CPU_X86_64 = 0x01000007
CPU_ARM64 = 0x0100000C

PE_AMD64 = 0x8664
PE_ARM64 = 0xAA64
PE_I386 = 0x014C

_PT_LOAD, _PT_DYNAMIC, _PT_INTERP, _PT_NOTE = 1, 2, 3, 4
_SHT_STRTAB, _SHT_GNU_VERNEED = 3, 0x6FFFFFFE
_DT_NULL, _DT_NEEDED, _DT_STRTAB, _DT_STRSZ = 0, 1, 5, 10


def elf(
    machine: int = EM_X86_64,
    *,
    interpreter: str | None = None,
    glibc_abi_note: bool = False,
    glibc_versions: tuple[str, ...] = (),
    needed: tuple[str, ...] | None = None,
    elf_class: int = 2,
) -> bytes:
    """A 64-bit little-endian ELF executable (or shared library) header set.

    No `interpreter`: static, or a shared library when `needed` names libraries.
    `glibc_abi_note`: the NT_GNU_ABI_TAG note glibc's start files add. `glibc_versions`:
    GLIBC_x.y names in a version-needs section. `needed`: a dynamic section with these
    DT_NEEDED names (an empty tuple: a dynamic section without any, as a static-PIE has).
    """
    segments: list[tuple[int, bytes, int]] = [(_PT_LOAD, b"", 0x1000)]
    if interpreter is not None:
        segments.append((_PT_INTERP, interpreter.encode() + b"\0", 1))
    if glibc_abi_note:
        desc = struct.pack("<IIII", 0, 3, 2, 0)  # Linux, kernel 3.2.0
        segments.append((_PT_NOTE, struct.pack("<III", 4, len(desc), 1) + b"GNU\0" + desc, 4))

    header_size, phentsize, shentsize = 64, 56, 64
    if needed is not None:
        # The string table goes in a loadable segment (found by address, as the loader finds
        # it), then the dynamic section that points at it.
        count = len(segments) + 2
        strtab_at = header_size + phentsize * count + sum(len(blob) for _, blob, _ in segments)
        dynstr, dynamic = _dynamic_section(needed, strtab_at)
        segments += [(_PT_LOAD, dynstr, 0x1000), (_PT_DYNAMIC, dynamic, 8)]

    data_start = header_size + phentsize * len(segments)
    blobs = bytearray()
    program_headers = bytearray()
    for p_type, blob, align in segments:
        offset = data_start + len(blobs)
        # Mapped at its own file offset: virtual address == offset keeps the layout simple.
        program_headers += struct.pack(
            "<IIQQQQQQ", p_type, 4, offset, offset, offset, len(blob), len(blob), align
        )
        blobs += blob

    sections = b""
    shoff = shnum = 0
    if glibc_versions:
        strings, needs = _version_needs(glibc_versions)
        strtab_offset = data_start + len(blobs)
        blobs += strings
        needs_offset = data_start + len(blobs)
        blobs += needs
        shoff = data_start + len(blobs)
        null = bytes(shentsize)
        strtab = struct.pack(
            "<IIQQQQIIQQ", 0, _SHT_STRTAB, 0, 0, strtab_offset, len(strings), 0, 0, 1, 0
        )
        verneed = struct.pack(
            "<IIQQQQIIQQ", 0, _SHT_GNU_VERNEED, 0, 0, needs_offset, len(needs), 1, 1, 8, 0
        )
        sections = null + strtab + verneed
        shnum = 3

    ident = b"\x7fELF" + bytes([elf_class, 1, 1, 0]) + bytes(8)
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH",
        3,  # ET_DYN, as position-independent executables are
        machine,
        1,
        0,
        header_size,
        shoff,
        0,
        header_size,
        phentsize,
        len(segments),
        shentsize,
        shnum,
        0,
    )
    return bytes(header + program_headers + blobs + sections)


def _dynamic_section(needed: tuple[str, ...], strtab_address: int) -> tuple[bytes, bytes]:
    """A dynamic string table and the Elf64_Dyn entries naming `needed` from it."""
    strings = bytearray(b"\0")
    entries = bytearray()
    for name in needed:
        entries += struct.pack("<qQ", _DT_NEEDED, len(strings))
        strings += name.encode() + b"\0"
    entries += struct.pack("<qQ", _DT_STRTAB, strtab_address)
    entries += struct.pack("<qQ", _DT_STRSZ, len(strings))
    entries += struct.pack("<qQ", _DT_NULL, 0)
    return bytes(strings), bytes(entries)


def _version_needs(versions: tuple[str, ...]) -> tuple[bytes, bytes]:
    """A string table and one Elf64_Verneed ("libc.so.6") with a Vernaux per version."""
    strings = bytearray(b"\0libc.so.6\0")
    name_offsets: list[int] = []
    for version in versions:
        name_offsets.append(len(strings))
        strings += version.encode() + b"\0"
    needs = bytearray(struct.pack("<HHIII", 1, len(versions), 1, 16, 0))
    for index, name_offset in enumerate(name_offsets):
        last = index == len(name_offsets) - 1
        needs += struct.pack("<IHHII", 0, 0, index + 2, name_offset, 0 if last else 16)
    return bytes(strings), bytes(needs)


def macho(
    cputype: int = CPU_ARM64,
    *,
    build_version: tuple[int, int, int] | None = (11, 0, 0),
    version_min: tuple[int, int, int] | None = None,
    apple_platform: int = 1,
) -> bytes:
    """A thin 64-bit Mach-O executable: LC_UUID, then LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX."""
    commands = struct.pack("<II16s", 0x1B, 24, bytes(16))  # LC_UUID, skipped by the parser
    if build_version is not None:
        commands += struct.pack("<IIIIII", 0x32, 24, apple_platform, _packed(build_version), 0, 0)
    if version_min is not None:
        commands += struct.pack("<IIII", 0x24, 16, _packed(version_min), 0)
    ncmds = 1 + (build_version is not None) + (version_min is not None)
    header = struct.pack("<IIIIIIII", 0xFEEDFACF, cputype, 0, 2, ncmds, len(commands), 0, 0)
    return header + commands


def fat(*slices: bytes) -> bytes:
    """A universal binary: big-endian fat header, then each thin slice at a 16-byte boundary."""
    header_size = 8 + 20 * len(slices)
    offset = _align(header_size, 16)
    table = bytearray(struct.pack(">II", 0xCAFEBABE, len(slices)))
    body = bytearray()
    for item in slices:
        (cputype,) = struct.unpack_from("<I", item, 4)
        padding = _align(offset + len(body), 16) - (offset + len(body))
        body += bytes(padding)
        table += struct.pack(">IIIII", cputype, 0, offset + len(body), len(item), 4)
        body += item
    return bytes(table) + bytes(offset - header_size) + bytes(body)


def pe(machine: int = PE_AMD64) -> bytes:
    """A DOS stub pointing at a PE signature and COFF header."""
    dos = bytearray(64)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 64)
    coff = struct.pack("<HHIIIHH", machine, 1, 0, 0, 0, 0, 0x22)
    return bytes(dos) + b"PE\0\0" + coff


def write_executable(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    path.chmod(0o755)
    return path


def foreign_linux_machine() -> tuple[int, str]:
    """An ELF machine this host cannot run (so staging does not try `--version`), and its name."""
    if platform.machine().lower() in ("aarch64", "arm64"):
        return EM_X86_64, "x86_64"
    return EM_AARCH64, "aarch64"


def _packed(version: tuple[int, int, int]) -> int:
    major, minor, patch = version
    return (major << 16) | (minor << 8) | patch


def _align(value: int, align: int) -> int:
    return (value + align - 1) // align * align
