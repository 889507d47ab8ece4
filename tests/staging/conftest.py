"""Fixtures for the staging tests: synthetic runtimes, the real pinned runtime, the CLI."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from scripts.update_sdk_artifacts import main as front_door
from staging.venv_install import venv_python
from tests.staging.binaries import elf, foreign_linux_machine, write_executable

REPO_ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Network tests download hundreds of MB: they run only when asked, with `-m network`."""
    if "network" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="downloads runtimes; run with -m network")
    for item in items:
        if "network" in item.keywords and Path(str(item.path)).is_relative_to(
            Path(__file__).parent
        ):
            item.add_marker(skip)


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):
    """Run scripts/update_sdk_artifacts.py in-process; return exit code and output."""

    def run(*args: str | Path) -> CliResult:
        code = front_door([str(arg) for arg in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def foreign_runtime(tmp_path: Path) -> Path:
    """An npm-style runtime folder whose codex this host cannot run (no --version attempt)."""
    machine, arch = foreign_linux_machine()
    root = tmp_path / "package" / "vendor" / f"{arch}-unknown-linux-musl"
    # Distinct bytes per file: identical files would be flagged as duplicates in the wheel.
    write_executable(root / "bin" / "codex", elf(machine) + b"codex")
    write_executable(root / "bin" / "codex-code-mode-host", elf(machine) + b"code-mode-host")
    write_executable(root / "codex-path" / "rg", elf(machine) + b"rg")
    write_executable(root / "codex-resources" / "bwrap", elf(machine) + b"bwrap")
    (root / "codex-resources" / "notes.txt").write_text("helper data\n")
    manifest = {
        "version": "0.163.0",
        "target": f"{arch}-unknown-linux-musl",
        "entrypoint": "bin/codex",
    }
    (root / "codex-package.json").write_text(json.dumps(manifest))
    return tmp_path / "package"


@pytest.fixture(scope="session")
def real_runtime_dir() -> Path:
    """The folder of the installed pinned runtime (openai-codex-cli-bin's codex_cli_bin/)."""
    try:
        import codex_cli_bin
    except ImportError as exc:  # fail, not skip: a broken install must not pass silently
        pytest.fail(f"openai-codex-cli-bin is not installed (nox -s tests installs it): {exc}")
    binary = Path(codex_cli_bin.bundled_codex_path())
    return binary.parent.parent


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The interpreter of a venv made `--without-pip`: no pip, no twine, no SDK, no runtime."""
    venv = tmp_path_factory.mktemp("bare-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv_python(venv)


def load_staged_package(package_dir: Path, name: str = "staged_codex_runtime") -> ModuleType:
    """Import a staged runtime package under another name (the real one may be installed too)."""
    spec = importlib.util.spec_from_file_location(name, package_dir / "__init__.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
