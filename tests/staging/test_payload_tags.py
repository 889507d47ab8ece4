"""The wheel tag from every native file of the payload, and voice left out by default.

The codex binary decides OS and CPU; helper programs and shared libraries can only narrow the
tag (drop a libc family, raise a glibc or macOS floor), and each narrowing names its files.
Linux runtimes here are for a CPU this host cannot run, so staging never tries `--version`.
"""

from __future__ import annotations

import json
import zipfile
from typing import TYPE_CHECKING

import pytest

from staging.binformat import BinaryInfo, read_binary_info
from staging.errors import StagingError
from staging.stage_runtime import build_runtime_wheel, stage_runtime
from tests.staging.binaries import (
    CPU_ARM64,
    CPU_X86_64,
    EM_AARCH64,
    EM_X86_64,
    PE_AMD64,
    PE_ARM64,
    elf,
    fat,
    foreign_linux_machine,
    macho,
    pe,
    write_executable,
)
from tests.staging.conftest import load_staged_package

if TYPE_CHECKING:
    from pathlib import Path

V = "0.163.0"
MACHINE, ARCH = foreign_linux_machine()
LOADER = {EM_X86_64: "/lib64/ld-linux-x86-64.so.2", EM_AARCH64: "/lib/ld-linux-aarch64.so.1"}[
    MACHINE
]
MUSL_LOADER = f"/lib/ld-musl-{ARCH}.so.1"
BOTH = f"manylinux_2_17_{ARCH}.musllinux_1_1_{ARCH}"


def _runtime(tmp_path: Path, codex: bytes, helpers: dict[str, bytes]) -> Path:
    """A runtime folder: bin/codex plus each helper at its path (distinct bytes per file)."""
    root = tmp_path / "runtime"
    write_executable(root / "bin" / "codex", codex + b"codex")
    for name, content in helpers.items():
        write_executable(root / name, content + name.encode())
    return root


def _glibc_program(*versions: str) -> bytes:
    return elf(MACHINE, interpreter=LOADER, needed=("libc.so.6",), glibc_versions=versions)


def _glibc_library(*versions: str) -> bytes:
    """A shared library: no interpreter, libc.so.6 in DT_NEEDED, GLIBC_ symbol versions."""
    return elf(MACHINE, needed=("libpthread.so.0", "libc.so.6"), glibc_versions=versions)


def _without_helper_warnings(warnings: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(text for text in warnings if not text.startswith("staged without a helper"))


def _stage(tmp_path: Path, root: Path, **options: object):
    # These runtimes hold only the files a test is about: their missing helpers are allowed.
    options.setdefault("allow_missing_helpers", True)
    return stage_runtime(tmp_path / "out", root, runtime_version=V, **options)  # type: ignore[arg-type]


# --- reading shared libraries ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "libc", "static", "glibc_needed"),
    [
        pytest.param(elf(EM_X86_64, needed=()), None, True, None, id="static-pie"),
        pytest.param(
            elf(EM_X86_64, needed=("libc.so.6",), glibc_versions=("GLIBC_2.28",)),
            "glibc",
            False,
            (2, 28),
            id="glibc-library",
        ),
        pytest.param(
            elf(EM_X86_64, needed=("libm.so.6",)), "glibc", False, None, id="glibc-libm-only"
        ),
        pytest.param(
            elf(EM_X86_64, needed=("libfoo.so.1",), glibc_versions=("GLIBC_2.18",)),
            "glibc",
            False,
            (2, 18),
            id="glibc-by-symbol-versions",
        ),
        pytest.param(
            elf(EM_X86_64, needed=("libc.musl-x86_64.so.1",)), "musl", False, None, id="alpine"
        ),
        pytest.param(elf(EM_X86_64, needed=("libc.so",)), "musl", False, None, id="musl-libc.so"),
        pytest.param(
            elf(EM_X86_64, needed=("libgstbase-1.0.so.0",)),
            None,
            False,
            None,
            id="needs-bundled-only",
        ),
    ],
)
def test_shared_libraries_are_read_by_what_they_need(
    tmp_path: Path,
    content: bytes,
    libc: str | None,
    static: bool,
    glibc_needed: tuple[int, int] | None,
) -> None:
    info = read_binary_info(write_executable(tmp_path / "lib.so", content))
    assert (info.libc, info.static, info.interpreter, info.glibc_needed) == (
        libc,
        static,
        None,
        glibc_needed,
    )


def test_describe_names_a_librarys_libc() -> None:
    library = BinaryInfo("linux", ("x86_64",), libc="glibc", needed=("libz.so.1", "libc.so.6"))
    assert library.describe() == "linux x86_64 (dynamic glibc, needs libc.so.6)"
    bundled = BinaryInfo("linux", ("x86_64",), needed=("libz.so.1",))
    assert (
        bundled.describe()
        == "linux x86_64 (dynamic, no libc dependency of its own, needs libz.so.1)"
    )


# --- Linux narrowing -------------------------------------------------------------------------


def test_static_helpers_keep_the_binarys_tag(tmp_path: Path, run_cli) -> None:
    root = _runtime(
        tmp_path,
        elf(MACHINE),
        {"codex-path/rg": elf(MACHINE), "codex-resources/bwrap": elf(MACHINE, needed=())},
    )
    staged = _stage(tmp_path, root)
    assert staged.platform_tag == BOTH
    assert staged.narrowings == ()
    assert staged.native_files == 3
    result = run_cli(
        "stage-runtime", "--allow-missing-helpers", tmp_path / "cli", root, "--runtime-version", V
    )
    assert f"tag        {BOTH} (from the headers of 3 native files)" in result.out
    assert "narrowed" not in result.out


def test_glibc_helper_drops_musllinux_and_raises_the_floor(tmp_path: Path, run_cli) -> None:
    # Seen in the real linux-arm64 npm package: codex is static, codex-path/rg needs GLIBC_2.18.
    root = _runtime(
        tmp_path, elf(MACHINE), {"codex-path/rg": _glibc_program("GLIBC_2.17", "GLIBC_2.18")}
    )
    staged = _stage(tmp_path, root)
    assert staged.platform_tag == f"manylinux_2_18_{ARCH}"
    assert [item.describe() for item in staged.narrowings] == [
        f"codex-path/rg: drops musllinux_1_1_{ARCH} (linked against glibc: interpreter {LOADER})",
        f"codex-path/rg: manylinux_2_17_{ARCH} -> manylinux_2_18_{ARCH} (needs GLIBC_2.18)",
    ]
    assert _without_helper_warnings(staged.warnings) == ()

    result = run_cli(
        "stage-runtime",
        "--allow-missing-helpers",
        tmp_path / "cli",
        root,
        "--runtime-version",
        V,
        "--build",
    )
    assert result.code == 0, result.err
    assert f"tag        manylinux_2_18_{ARCH} (from the headers of 2 native files)" in result.out
    assert f"narrowed   codex-path/rg: drops musllinux_1_1_{ARCH}" in result.out
    assert f"narrowed   codex-path/rg: manylinux_2_17_{ARCH} -> manylinux_2_18_{ARCH}" in result.out
    (wheel,) = (tmp_path / "cli" / "dist").glob("*.whl")
    assert wheel.name == f"codex_cli_bin-0.163.0-py3-none-manylinux_2_18_{ARCH}.whl"


def test_glibc_floor_is_never_below_2_17(tmp_path: Path) -> None:
    root = _runtime(tmp_path, elf(MACHINE), {"codex-path/rg": _glibc_program("GLIBC_2.2.5")})
    staged = _stage(tmp_path, root)
    assert staged.platform_tag == f"manylinux_2_17_{ARCH}"
    assert [item.change for item in staged.narrowings] == [f"drops musllinux_1_1_{ARCH}"]


def test_the_file_needing_the_newest_glibc_is_named(tmp_path: Path) -> None:
    root = _runtime(
        tmp_path,
        elf(MACHINE),
        {
            "codex-path/rg": _glibc_program("GLIBC_2.18"),
            "codex-resources/lib/libold.so.1": _glibc_library("GLIBC_2.14"),
            "codex-resources/lib/libnew.so.2": _glibc_library("GLIBC_2.28"),
            "codex-resources/lib/libnewer.so.3": _glibc_library("GLIBC_2.17", "GLIBC_2.28"),
        },
    )
    staged = _stage(tmp_path, root)
    assert staged.platform_tag == f"manylinux_2_28_{ARCH}"
    dropped, raised = staged.narrowings
    assert dropped.files == (
        "codex-path/rg",
        "codex-resources/lib/libnew.so.2",
        "codex-resources/lib/libnewer.so.3",
        "codex-resources/lib/libold.so.1",
    )
    assert dropped.describe().startswith(f"codex-path/rg (and 3 more): drops musllinux_1_1_{ARCH}")
    assert raised.files == ("codex-resources/lib/libnew.so.2", "codex-resources/lib/libnewer.so.3")
    assert raised.describe() == (
        f"codex-resources/lib/libnew.so.2 (and 1 more): manylinux_2_17_{ARCH} -> "
        f"manylinux_2_28_{ARCH} (needs GLIBC_2.28)"
    )


def test_a_glibc_shared_library_alone_narrows_the_tag(tmp_path: Path) -> None:
    root = _runtime(
        tmp_path,
        elf(MACHINE),
        {"codex-resources/lib/libglib-2.0.so.0": _glibc_library("GLIBC_2.28")},
    )
    staged = _stage(tmp_path, root)
    assert staged.platform_tag == f"manylinux_2_28_{ARCH}"
    assert "linked against glibc: needs libpthread.so.0, libc.so.6" in staged.narrowings[0].reason


def test_static_glibc_helper_drops_musllinux(tmp_path: Path) -> None:
    root = _runtime(tmp_path, elf(MACHINE), {"codex-path/rg": elf(MACHINE, glibc_abi_note=True)})
    staged = _stage(tmp_path, root)
    assert staged.platform_tag == f"manylinux_2_17_{ARCH}"
    assert "static glibc" in staged.narrowings[0].reason


def test_helper_needing_only_bundled_libraries_narrows_nothing(tmp_path: Path) -> None:
    root = _runtime(
        tmp_path,
        elf(MACHINE),
        {"codex-resources/lib/libplugin.so": elf(MACHINE, needed=("libbundled.so.1",))},
    )
    assert _stage(tmp_path, root).platform_tag == BOTH


def test_dynamic_musl_helper_drops_manylinux(tmp_path: Path) -> None:
    root = _runtime(
        tmp_path, elf(MACHINE), {"codex-path/rg": elf(MACHINE, interpreter=MUSL_LOADER)}
    )
    staged = _stage(tmp_path, root)
    assert staged.platform_tag == f"musllinux_1_2_{ARCH}"
    assert [item.describe() for item in staged.narrowings] == [
        f"codex-path/rg: drops manylinux_2_17_{ARCH} (linked against musl: interpreter {MUSL_LOADER})",
        f"codex-path/rg: musllinux_1_1_{ARCH} -> musllinux_1_2_{ARCH} "
        "(dynamically linked musl, built against musl 1.2+)",
    ]


def test_glibc_binary_with_a_newer_glibc_helper(tmp_path: Path) -> None:
    root = _runtime(
        tmp_path, _glibc_program("GLIBC_2.17"), {"codex-path/rg": _glibc_program("GLIBC_2.31")}
    )
    staged = _stage(tmp_path, root)
    assert staged.platform_tag == f"manylinux_2_31_{ARCH}"
    assert [item.change for item in staged.narrowings] == [
        f"manylinux_2_17_{ARCH} -> manylinux_2_31_{ARCH}"
    ]


@pytest.mark.parametrize(
    ("codex", "helpers", "message"),
    [
        pytest.param(
            elf(MACHINE),
            {
                "codex-path/rg": _glibc_program("GLIBC_2.18"),
                "codex-resources/helper": elf(MACHINE, interpreter=MUSL_LOADER),
            },
            "codex-path/rg needs glibc (interpreter {loader}) and {root}/codex-resources/helper "
            "needs musl (interpreter {musl})",
            id="static-codex-glibc-and-musl-helpers",
        ),
        pytest.param(
            elf(MACHINE, interpreter=MUSL_LOADER),
            {"codex-path/rg": _glibc_program("GLIBC_2.18")},
            "{root}/codex-path/rg is linux {arch} (dynamic glibc, interpreter {loader}), but the "
            "codex binary is linux {arch} (dynamic musl, interpreter {musl}): a glibc helper",
            id="musl-codex-glibc-helper",
        ),
        pytest.param(
            _glibc_program("GLIBC_2.17"),
            {"codex-path/rg": elf(MACHINE, interpreter=MUSL_LOADER)},
            "{root}/codex-path/rg is linux {arch} (dynamic musl, interpreter {musl}), but the "
            "codex binary is linux {arch} (dynamic glibc, interpreter {loader}): a musl helper",
            id="glibc-codex-musl-helper",
        ),
    ],
)
def test_no_tag_holds_both_c_libraries(
    tmp_path: Path, run_cli, codex: bytes, helpers: dict[str, bytes], message: str
) -> None:
    root = _runtime(tmp_path, codex, helpers)
    result = run_cli(
        "stage-runtime", "--allow-missing-helpers", tmp_path / "out", root, "--runtime-version", V
    )
    assert result.code == 2
    assert "error: no wheel tag holds every file: " in result.err
    expected = message.format(root=root, loader=LOADER, musl=MUSL_LOADER, arch=ARCH)
    assert expected in " ".join(result.err.split())
    assert not (tmp_path / "out").exists()


# --- platforms the codex binary decides ------------------------------------------------------


@pytest.mark.parametrize(
    ("helper", "described"),
    [
        pytest.param(elf(EM_X86_64 if MACHINE == EM_AARCH64 else EM_AARCH64), "linux", id="cpu"),
        pytest.param(pe(PE_AMD64), "windows x86_64", id="os"),
        pytest.param(macho(CPU_ARM64), "macos aarch64", id="os-macho"),
    ],
)
def test_helper_for_another_platform_is_refused(
    tmp_path: Path, run_cli, helper: bytes, described: str
) -> None:
    root = _runtime(tmp_path, elf(MACHINE), {"codex-resources/lib/libx.so": helper})
    result = run_cli(
        "stage-runtime", "--allow-missing-helpers", tmp_path / "out", root, "--runtime-version", V
    )
    assert result.code == 2
    assert f"the runtime mixes platforms: {root}/codex-resources/lib/libx.so is {described}" in (
        result.err
    )


@pytest.mark.parametrize(
    ("helper", "message"),
    [
        pytest.param(elf(MACHINE, elf_class=1), "32-bit ELF", id="elf32"),
        pytest.param(elf(243), "machine 0xf3", id="riscv"),
        pytest.param(elf(MACHINE)[:40], "truncated or corrupt", id="truncated"),
    ],
)
def test_native_file_no_tag_can_describe_is_refused(
    tmp_path: Path, run_cli, helper: bytes, message: str
) -> None:
    root = tmp_path / "runtime"
    write_executable(root / "bin" / "codex", elf(MACHINE))
    write_executable(root / "codex-resources" / "odd", helper)
    result = run_cli(
        "stage-runtime", "--allow-missing-helpers", tmp_path / "out", root, "--runtime-version", V
    )
    assert result.code == 2
    assert "error: the runtime holds a native file no codex-cli-bin wheel tag can describe" in (
        result.err
    )
    assert str(root / "codex-resources" / "odd") in result.err
    assert message in result.err


def test_files_that_only_look_native_are_noted_not_counted(tmp_path: Path) -> None:
    root = tmp_path / "runtime"
    write_executable(root / "bin" / "codex", elf(MACHINE))
    (root / "codex-resources").mkdir()
    (root / "codex-resources" / "MZ-notes.txt").write_text("MZ is how this note starts\n")
    java_class = b"\xca\xfe\xba\xbe\x00\x00\x00\x37" + bytes(64)
    (root / "codex-resources" / "Tool.class").write_bytes(java_class)
    staged = _stage(tmp_path, root)
    assert staged.platform_tag == BOTH
    assert staged.native_files == 1
    warnings = _without_helper_warnings(staged.warnings)
    assert len(warnings) == 2
    assert "codex-resources/MZ-notes.txt: not counted as a native file" in warnings[0]
    assert "codex-resources/Tool.class: not counted as a native file" in warnings[1]


def test_windows_helpers_of_the_same_cpu(tmp_path: Path) -> None:
    root = tmp_path / "runtime"
    write_executable(root / "bin" / "codex.exe", pe(PE_ARM64) + b"codex")
    write_executable(root / "codex-resources" / "runner.exe", pe(PE_ARM64) + b"runner")
    write_executable(root / "codex-resources" / "z.dll", pe(PE_ARM64) + b"z")
    staged = _stage(tmp_path, root)
    assert (staged.platform_tag, staged.narrowings, staged.native_files) == ("win_arm64", (), 3)
    write_executable(root / "codex-resources" / "x64.dll", pe(PE_AMD64))
    with pytest.raises(StagingError, match=r"mixes platforms: .*x64\.dll is windows x86_64"):
        _stage(tmp_path, root, force=True)


# --- macOS narrowing -------------------------------------------------------------------------


def test_mach_o_helper_needing_a_newer_macos_raises_the_floor(tmp_path: Path, run_cli) -> None:
    # Seen in the real darwin npm packages: the voice host and its dylibs need macOS 14.
    root = _runtime(
        tmp_path,
        macho(CPU_ARM64, build_version=(11, 0, 0)),
        {
            "codex-path/rg": macho(CPU_ARM64, build_version=(11, 0, 0)),
            "codex-resources/lib/libglib.dylib": macho(CPU_ARM64, build_version=(14, 0, 0)),
            "codex-resources/lib/libz.dylib": macho(CPU_ARM64, build_version=(13, 5, 0)),
        },
    )
    staged = _stage(tmp_path, root)
    assert staged.platform_tag == "macosx_14_0_arm64"
    assert [item.describe() for item in staged.narrowings] == [
        "codex-resources/lib/libglib.dylib: macosx_11_0_arm64 -> macosx_14_0_arm64 "
        "(needs macOS 14.0)"
    ]
    result = run_cli(
        "stage-runtime", "--allow-missing-helpers", tmp_path / "cli", root, "--runtime-version", V
    )
    assert (
        "narrowed   codex-resources/lib/libglib.dylib: macosx_11_0_arm64 -> macosx_14_0_arm64"
        in (result.out)
    )


def test_universal2_floor_follows_every_slice(tmp_path: Path) -> None:
    root = _runtime(
        tmp_path,
        fat(macho(CPU_X86_64, build_version=(10, 12, 0)), macho(CPU_ARM64)),
        {
            "codex-path/rg": fat(
                macho(CPU_X86_64, build_version=(10, 15, 0)),
                macho(CPU_ARM64, build_version=(11, 0, 0)),
            )
        },
    )
    staged = _stage(tmp_path, root)
    assert staged.platform_tag == "macosx_10_15_universal2"
    assert staged.narrowings[0].change == "macosx_10_12_universal2 -> macosx_10_15_universal2"


def test_only_the_wheels_architectures_of_a_fat_helper_count(tmp_path: Path) -> None:
    root = _runtime(
        tmp_path,
        macho(CPU_ARM64, build_version=(11, 0, 0)),
        {
            "codex-path/rg": fat(
                macho(CPU_X86_64, build_version=(15, 0, 0)),
                macho(CPU_ARM64, build_version=(11, 0, 0)),
            )
        },
    )
    staged = _stage(tmp_path, root)
    assert (staged.platform_tag, staged.narrowings) == ("macosx_11_0_arm64", ())


def test_thin_helper_beside_a_universal_binary_is_refused_unless_the_tag_is_thin(
    tmp_path: Path,
) -> None:
    root = _runtime(
        tmp_path,
        fat(macho(CPU_X86_64, build_version=(10, 12, 0)), macho(CPU_ARM64)),
        {"codex-path/rg": macho(CPU_ARM64, build_version=(12, 0, 0))},
    )
    with pytest.raises(StagingError) as refusal:
        _stage(tmp_path, root)
    text = str(refusal.value)
    assert f"{root}/codex-path/rg is macos aarch64, without the x86_64 code" in text
    assert "pass --platform-tag for the one they share" in text
    staged = _stage(tmp_path, root, platform_tag="macosx_12_0_arm64")
    assert staged.platform_tag == "macosx_12_0_arm64"
    with pytest.raises(StagingError, match=r"promises macOS 11\.0, the binary needs 12\.0"):
        _stage(tmp_path, root, platform_tag="macosx_11_0_arm64", force=True)


def test_helper_without_a_minimum_macos_is_a_warning(tmp_path: Path) -> None:
    root = _runtime(
        tmp_path,
        macho(CPU_X86_64, build_version=(10, 12, 0)),
        {"codex-path/rg": macho(CPU_X86_64, build_version=None)},
    )
    staged = _stage(tmp_path, root)
    assert staged.platform_tag == "macosx_10_12_x86_64"
    assert staged.warnings == (
        "codex-path/rg records no minimum macOS version for x86_64: the tag's macOS floor "
        "could not be checked against it",
    )


# --- --platform-tag against every file -------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        pytest.param(
            BOTH,
            f"musllinux_1_1_{ARCH} promises musl systems, the binary needs glibc",
            id="musllinux-for-a-glibc-helper",
        ),
        pytest.param(
            f"manylinux_2_17_{ARCH}",
            f"manylinux_2_17_{ARCH} promises glibc 2.17, the binary needs GLIBC_2.18",
            id="glibc-floor-below-a-helpers",
        ),
    ],
)
def test_override_contradicting_a_helper_is_refused(
    tmp_path: Path, run_cli, override: str, message: str
) -> None:
    root = _runtime(tmp_path, elf(MACHINE), {"codex-path/rg": _glibc_program("GLIBC_2.18")})
    result = run_cli(
        "stage-runtime",
        "--allow-missing-helpers",
        tmp_path / "out",
        root,
        "--runtime-version",
        V,
        "--platform-tag",
        override,
    )
    assert result.code == 2
    assert f"--platform-tag {override!r} contradicts {root}/codex-path/rg: " in result.err
    assert message in result.err
    assert f"the payload's own tag is manylinux_2_18_{ARCH}" in result.err
    assert not (tmp_path / "out").exists()


def test_override_keeping_every_promise_is_used_and_shown(tmp_path: Path, run_cli) -> None:
    root = _runtime(tmp_path, elf(MACHINE), {"codex-path/rg": _glibc_program("GLIBC_2.18")})
    override = f"manylinux_2_28_{ARCH}"
    result = run_cli(
        "stage-runtime",
        "--allow-missing-helpers",
        tmp_path / "out",
        root,
        "--runtime-version",
        V,
        "--platform-tag",
        override,
    )
    assert result.code == 0, result.err
    assert (
        f"tag        {override} (--platform-tag; the headers of 2 native files give "
        f"manylinux_2_18_{ARCH})"
    ) in result.out
    record = json.loads(
        (tmp_path / "out" / "codex_app_server_runtime" / "runtime-info.json").read_text()
    )
    assert record["platform_tag"] == override


def test_override_refusal_lists_a_few_files_and_counts_the_rest(tmp_path: Path) -> None:
    helpers = {
        f"codex-resources/lib/lib{index}.so": _glibc_library("GLIBC_2.28") for index in range(5)
    }
    root = _runtime(tmp_path, elf(MACHINE), helpers)
    with pytest.raises(StagingError) as refusal:
        _stage(tmp_path, root, platform_tag=f"manylinux_2_17_{ARCH}")
    text = str(refusal.value)
    assert text.count("promises glibc 2.17, the binary needs GLIBC_2.28") == 3
    assert "; and 2 more files (the payload's own tag is" in text


def test_macos_override_below_a_helpers_floor_is_refused(tmp_path: Path) -> None:
    root = _runtime(
        tmp_path,
        macho(CPU_ARM64, build_version=(11, 0, 0)),
        {"codex-resources/voice/bin/codex-voice-host": macho(CPU_ARM64, build_version=(14, 0, 0))},
    )
    with pytest.raises(StagingError) as refusal:
        _stage(tmp_path, root, platform_tag="macosx_11_0_arm64", include_voice=True)
    assert "macosx_11_0_arm64 promises macOS 11.0, the binary needs 14.0" in str(refusal.value)
    # Left out (the default), the voice host no longer binds the tag.
    assert _stage(tmp_path, root, platform_tag="macosx_11_0_arm64").platform_tag == (
        "macosx_11_0_arm64"
    )


# --- codex-resources/voice -------------------------------------------------------------------


def _voice_runtime(tmp_path: Path) -> Path:
    """codex is static; the voice host and a GStreamer library need glibc 2.28 (as in 0.163.0)."""
    return _runtime(
        tmp_path,
        elf(MACHINE),
        {
            "codex-path/rg": elf(MACHINE),
            "codex-resources/bwrap": elf(MACHINE),
            "codex-resources/voice/bin/codex-voice-host": _glibc_program("GLIBC_2.28"),
            "codex-resources/voice/lib/libglib-2.0.so.0": _glibc_library("GLIBC_2.28"),
            "codex-resources/voice/NOTICE.md": b"# notices\n",
        },
    )


def test_voice_is_left_out_by_default(tmp_path: Path, run_cli) -> None:
    root = _voice_runtime(tmp_path)
    result = run_cli(
        "stage-runtime",
        "--allow-missing-helpers",
        tmp_path / "out",
        root,
        "--runtime-version",
        V,
        "--build",
    )
    assert result.code == 0, result.err
    assert f"tag        {BOTH} (from the headers of 3 native files)" in result.out
    assert "narrowed" not in result.out
    assert "voice      left out: codex-resources/voice/ (3 files, 0.0 MB); --include-voice" in (
        result.out
    )
    (wheel,) = (tmp_path / "out" / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        record = json.loads(archive.read("codex_app_server_runtime/runtime-info.json"))
    assert not [name for name in names if "/voice/" in name]
    assert "codex_app_server_runtime/codex-resources/bwrap" in names
    assert record["voice_included"] is False
    assert record["platform_tag"] == BOTH


def test_include_voice_stages_it_and_narrows_the_tag(tmp_path: Path, run_cli) -> None:
    root = _voice_runtime(tmp_path)
    result = run_cli(
        "stage-runtime",
        "--allow-missing-helpers",
        tmp_path / "out",
        root,
        "--runtime-version",
        V,
        "--include-voice",
    )
    assert result.code == 0, result.err
    assert f"tag        manylinux_2_28_{ARCH} (from the headers of 5 native files)" in result.out
    assert (
        f"narrowed   codex-resources/voice/bin/codex-voice-host (and 1 more): drops "
        f"musllinux_1_1_{ARCH}"
    ) in result.out
    assert "voice      included (--include-voice)" in result.out
    package_dir = tmp_path / "out" / "codex_app_server_runtime"
    assert (package_dir / "codex-resources" / "voice" / "bin" / "codex-voice-host").is_file()
    package = load_staged_package(package_dir, "staged_with_voice")
    assert package.runtime_info().voice_included is True


def test_a_link_inside_the_left_out_voice_folder_is_not_refused(tmp_path: Path) -> None:
    root = _voice_runtime(tmp_path)
    (root / "codex-resources" / "voice" / "lib" / "libglib-2.0.so").symlink_to("libglib-2.0.so.0")
    staged = _stage(tmp_path, root)
    assert staged.voice_left_out is not None
    assert staged.voice_left_out.files == 4  # the link is counted, never followed
    with pytest.raises(StagingError, match="holds a symbolic link"):
        _stage(tmp_path, root, include_voice=True, force=True)


def test_runtime_without_voice_says_nothing_about_it(tmp_path: Path, run_cli) -> None:
    root = _runtime(tmp_path, elf(MACHINE), {"codex-path/rg": elf(MACHINE)})
    result = run_cli(
        "stage-runtime", "--allow-missing-helpers", tmp_path / "out", root, "--runtime-version", V
    )
    assert result.code == 0, result.err
    assert "  voice " not in result.out
    record = json.loads(
        (tmp_path / "out" / "codex_app_server_runtime" / "runtime-info.json").read_text()
    )
    assert record["voice_included"] is False
    staged = load_staged_package(
        tmp_path / "out" / "codex_app_server_runtime", "staged_without_voice"
    )
    assert staged.runtime_info().voice_included is False


def test_help_explains_voice_and_tags(run_cli, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_cli("stage-runtime", "--help")
    text = " ".join(capsys.readouterr().out.split())
    assert "--include-voice" in text
    assert "codex-resources/voice/ is left out unless --include-voice is given" in text
    assert "refused if any native file contradicts it" in text
    assert "helpers and shared libraries can only narrow it" in text


def test_older_runtime_info_without_the_voice_key_reads_as_not_included(tmp_path: Path) -> None:
    root = _runtime(tmp_path, elf(MACHINE), {})
    staged = _stage(tmp_path, root)
    info_path = staged.package_dir / "runtime-info.json"
    record = json.loads(info_path.read_text())
    del record["voice_included"]
    info_path.write_text(json.dumps(record))
    package = load_staged_package(staged.package_dir, "staged_old_record")
    assert package.runtime_info().voice_included is False
    build_runtime_wheel(staged.directory)  # the build hook does not need the key either
