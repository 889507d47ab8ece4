"""Wheel tags read from synthetic ELF, Mach-O and PE headers, never from the host."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from staging.binformat import read_binary_info
from staging.errors import StagingError
from staging.platform_tags import check_platform_tag, platform_tag_for, target_triple_for
from tests.staging.binaries import (
    CPU_ARM64,
    CPU_X86_64,
    EM_AARCH64,
    EM_RISCV,
    EM_X86_64,
    PE_AMD64,
    PE_ARM64,
    PE_I386,
    elf,
    fat,
    macho,
    pe,
    write_executable,
)

if TYPE_CHECKING:
    from pathlib import Path

MUSL_X86 = "/lib/ld-musl-x86_64.so.1"
GLIBC_X86 = "/lib64/ld-linux-x86-64.so.2"
GLIBC_ARM = "/lib/ld-linux-aarch64.so.1"


@pytest.mark.parametrize(
    ("content", "tag", "triple"),
    [
        pytest.param(
            elf(EM_X86_64),
            "manylinux_2_17_x86_64.musllinux_1_1_x86_64",
            "x86_64-unknown-linux-musl",
            id="elf-x86_64-static-musl",
        ),
        pytest.param(
            elf(EM_AARCH64),
            "manylinux_2_17_aarch64.musllinux_1_1_aarch64",
            "aarch64-unknown-linux-musl",
            id="elf-aarch64-static-musl",
        ),
        pytest.param(
            elf(EM_X86_64, glibc_abi_note=True),
            "manylinux_2_17_x86_64",
            "x86_64-unknown-linux-gnu",
            id="elf-x86_64-static-glibc",
        ),
        pytest.param(
            elf(EM_X86_64, interpreter=GLIBC_X86),
            "manylinux_2_17_x86_64",
            "x86_64-unknown-linux-gnu",
            id="elf-x86_64-dynamic-glibc",
        ),
        pytest.param(
            elf(
                EM_AARCH64,
                interpreter=GLIBC_ARM,
                glibc_versions=("GLIBC_2.17", "GLIBC_2.28", "GLIBC_2.18"),
            ),
            "manylinux_2_28_aarch64",
            "aarch64-unknown-linux-gnu",
            id="elf-aarch64-dynamic-glibc-2.28",
        ),
        pytest.param(
            elf(EM_X86_64, interpreter=GLIBC_X86, glibc_versions=("GLIBC_2.2.5", "GLIBC_PRIVATE")),
            "manylinux_2_17_x86_64",
            "x86_64-unknown-linux-gnu",
            id="elf-x86_64-dynamic-glibc-old-symbols",
        ),
        pytest.param(
            elf(EM_X86_64, interpreter=MUSL_X86),
            "musllinux_1_2_x86_64",
            "x86_64-unknown-linux-musl",
            id="elf-x86_64-dynamic-musl",
        ),
        pytest.param(
            macho(CPU_X86_64, build_version=(10, 12, 0)),
            "macosx_10_12_x86_64",
            "x86_64-apple-darwin",
            id="macho-x86_64",
        ),
        pytest.param(
            macho(CPU_X86_64, build_version=None, version_min=(10, 9, 0)),
            "macosx_10_9_x86_64",
            "x86_64-apple-darwin",
            id="macho-x86_64-version-min",
        ),
        pytest.param(
            macho(CPU_ARM64, build_version=(11, 0, 0)),
            "macosx_11_0_arm64",
            "aarch64-apple-darwin",
            id="macho-arm64",
        ),
        pytest.param(
            macho(CPU_ARM64, build_version=(13, 3, 1)),
            "macosx_13_0_arm64",
            "aarch64-apple-darwin",
            id="macho-arm64-13.3",
        ),
        pytest.param(
            macho(CPU_ARM64, build_version=None),
            "macosx_11_0_arm64",
            "aarch64-apple-darwin",
            id="macho-arm64-unversioned",
        ),
        pytest.param(
            fat(
                macho(CPU_X86_64, build_version=(10, 12, 0)),
                macho(CPU_ARM64, build_version=(11, 0, 0)),
            ),
            "macosx_10_12_universal2",
            "universal2-apple-darwin",
            id="macho-fat-universal2",
        ),
        pytest.param(
            fat(
                macho(CPU_X86_64, build_version=(10, 12, 0)),
                macho(CPU_ARM64, build_version=(12, 0, 0)),
            ),
            "macosx_12_0_universal2",
            "universal2-apple-darwin",
            id="macho-fat-arm64-needs-more",
        ),
        pytest.param(
            fat(macho(CPU_ARM64, build_version=(11, 0, 0))),
            "macosx_11_0_arm64",
            "aarch64-apple-darwin",
            id="macho-fat-one-slice",
        ),
        pytest.param(pe(PE_AMD64), "win_amd64", "x86_64-pc-windows-msvc", id="pe-amd64"),
        pytest.param(pe(PE_ARM64), "win_arm64", "aarch64-pc-windows-msvc", id="pe-arm64"),
    ],
)
def test_tag_comes_from_the_headers(tmp_path: Path, content: bytes, tag: str, triple: str) -> None:
    assert len(content) < 1024  # synthetic, tiny
    binary = write_executable(tmp_path / "codex", content)
    info = read_binary_info(binary)
    assert platform_tag_for(info) == tag
    assert target_triple_for(info) == triple


def test_static_and_dynamic_are_told_apart(tmp_path: Path) -> None:
    static = read_binary_info(write_executable(tmp_path / "static", elf(EM_X86_64)))
    dynamic = read_binary_info(
        write_executable(tmp_path / "dynamic", elf(EM_X86_64, interpreter=MUSL_X86))
    )
    assert (static.static, static.libc, static.interpreter) == (True, None, None)
    assert (dynamic.static, dynamic.libc, dynamic.interpreter) == (False, "musl", MUSL_X86)
    assert "static, no libc dependency" in static.describe()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            b"#!/bin/sh\necho codex-cli 0.163.0\n",
            "is not an ELF, Mach-O or PE executable",
            id="script",
        ),
        pytest.param(b"", "is not an ELF, Mach-O or PE executable", id="empty"),
        pytest.param(
            elf(EM_RISCV),
            "machine 0xf3; codex-cli-bin wheels are built for x86_64 and aarch64",
            id="riscv",
        ),
        pytest.param(elf(EM_X86_64, elf_class=1), "32-bit ELF", id="elf32"),
        pytest.param(elf(EM_X86_64)[:40], "truncated or corrupt", id="truncated-elf"),
        pytest.param(
            pe(PE_I386),
            "machine 0x14c; codex-cli-bin wheels are built for amd64 and arm64",
            id="pe-i386",
        ),
        pytest.param(b"MZ" + bytes(100), "no PE header", id="dos-only"),
        pytest.param(macho(0x00000007), "CPU type 0x7", id="macho-i386"),
        pytest.param(
            macho(CPU_ARM64, apple_platform=2), "Apple platform 2, not macOS", id="macho-ios"
        ),
        pytest.param(
            b"\xca\xfe\xba\xbe\x00\x00\x00\x37" + bytes(64),
            "is not a Mach-O universal binary (55 slices?)",
            id="java-class",
        ),
    ],
)
def test_unknown_binaries_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    binary = write_executable(tmp_path / "codex", content)
    with pytest.raises(StagingError) as refusal:
        read_binary_info(binary)
    assert message in str(refusal.value)
    assert str(binary) in str(refusal.value)


def test_x86_64_mach_o_without_a_version_asks_for_an_override(tmp_path: Path) -> None:
    info = read_binary_info(
        write_executable(tmp_path / "codex", macho(CPU_X86_64, build_version=None))
    )
    with pytest.raises(StagingError, match=r"pass --platform-tag, e\.g\. macosx_10_12_x86_64"):
        platform_tag_for(info)
    assert check_platform_tag("macosx_10_15_x86_64", info, "codex") == "macosx_10_15_x86_64"


@pytest.mark.parametrize(
    ("content", "override"),
    [
        (elf(EM_X86_64), "manylinux_2_28_x86_64"),
        (elf(EM_X86_64), "musllinux_1_2_x86_64"),
        (elf(EM_X86_64), "manylinux2014_x86_64.musllinux_1_1_x86_64"),
        (
            elf(EM_AARCH64, interpreter=GLIBC_ARM, glibc_versions=("GLIBC_2.28",)),
            "manylinux_2_31_aarch64",
        ),
        (macho(CPU_ARM64, build_version=(11, 0, 0)), "macosx_14_0_arm64"),
        (fat(macho(CPU_X86_64, build_version=(10, 12, 0)), macho(CPU_ARM64)), "macosx_11_0_arm64"),
        (pe(PE_ARM64), "win_arm64"),
    ],
)
def test_overrides_that_keep_the_binarys_promises_are_accepted(
    tmp_path: Path, content: bytes, override: str
) -> None:
    info = read_binary_info(write_executable(tmp_path / "codex", content))
    assert check_platform_tag(override, info, "codex") == override


@pytest.mark.parametrize(
    ("content", "override", "message"),
    [
        pytest.param(
            elf(EM_X86_64),
            "manylinux_2_17_aarch64",
            "needs aarch64, the binary has x86_64",
            id="arch",
        ),
        pytest.param(
            elf(EM_X86_64), "macosx_11_0_x86_64", "is for macos, the binary is for linux", id="os"
        ),
        pytest.param(
            elf(EM_X86_64), "win_amd64", "is for windows, the binary is for linux", id="os-windows"
        ),
        pytest.param(
            elf(EM_X86_64, interpreter=GLIBC_X86),
            "musllinux_1_2_x86_64",
            "promises musl systems, the binary needs glibc",
            id="musl-for-glibc",
        ),
        pytest.param(
            elf(EM_X86_64, interpreter=MUSL_X86),
            "manylinux_2_17_x86_64",
            "promises glibc systems, the binary needs musl",
            id="glibc-for-musl",
        ),
        pytest.param(
            elf(EM_X86_64, glibc_abi_note=True),
            "musllinux_1_1_x86_64",
            "promises musl systems, the binary needs glibc",
            id="musl-for-static-glibc",
        ),
        pytest.param(
            elf(EM_AARCH64, interpreter=GLIBC_ARM, glibc_versions=("GLIBC_2.28",)),
            "manylinux_2_17_aarch64",
            "promises glibc 2.17, the binary needs GLIBC_2.28",
            id="glibc-too-old",
        ),
        pytest.param(
            macho(CPU_ARM64, build_version=(13, 0, 0)),
            "macosx_11_0_arm64",
            "promises macOS 11.0, the binary needs 13.0",
            id="macos-too-old",
        ),
        pytest.param(
            macho(CPU_ARM64),
            "macosx_11_0_universal2",
            "needs x86_64, the binary has aarch64",
            id="universal2-for-thin",
        ),
        pytest.param(
            pe(PE_AMD64), "win_arm64", "needs aarch64, the binary has x86_64", id="windows-arch"
        ),
    ],
)
def test_overrides_that_contradict_the_binary_are_refused(
    tmp_path: Path, content: bytes, override: str, message: str
) -> None:
    binary = write_executable(tmp_path / "codex", content)
    info = read_binary_info(binary)
    with pytest.raises(StagingError) as refusal:
        check_platform_tag(override, info, str(binary))
    text = str(refusal.value)
    assert f"--platform-tag {override!r} contradicts {binary}" in text
    assert message in text


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "py3-none-manylinux_2_17_x86_64",
            "looks like a whole wheel tag; give only the platform part",
        ),
        ("linux_x86_64", "package indexes reject linux_* tags"),
        ("any", "is not a platform tag this wheel can carry"),
        (
            "manylinux_2_17_arm64",
            "names architecture 'arm64'; manylinux tags here take x86_64, aarch64",
        ),
    ],
)
def test_malformed_overrides_are_refused(tmp_path: Path, override: str, message: str) -> None:
    info = read_binary_info(write_executable(tmp_path / "codex", elf(EM_X86_64)))
    with pytest.raises(StagingError, match="--platform-tag") as refusal:
        check_platform_tag(override, info, "codex")
    assert message in str(refusal.value)
