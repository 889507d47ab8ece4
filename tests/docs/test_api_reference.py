"""docs/api-reference.md is generated from the docstrings: complete, and never stale."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "gen_api_reference.py"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_api_reference", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_public_name_is_documented(generator: ModuleType) -> None:
    missing = generator.undocumented()
    assert not missing, (
        "public names without a docstring (or, for a constant, a `#:` comment or a mention "
        f"in its module docstring): {missing}"
    )


def test_the_reference_covers_every_public_name(generator: ModuleType) -> None:
    import codex_app_server
    import codex_app_server.handlers
    import codex_app_server.protocol
    import codex_app_server.testing

    text = (ROOT / "docs" / "api-reference.md").read_text(encoding="utf-8")
    modules = [
        codex_app_server,
        codex_app_server.testing,
        codex_app_server.handlers,
        codex_app_server.protocol,
    ]
    names = {name for module in modules for name in module.__all__}
    absent = sorted(name for name in names if f"`{name}`" not in text)
    assert not absent
    assert len(generator.public_entries()) >= len(names)


def test_the_reference_is_up_to_date(generator: ModuleType) -> None:
    current = (ROOT / "docs" / "api-reference.md").read_text(encoding="utf-8")
    assert current == generator.render(), (
        "docs/api-reference.md is stale: run `python docs/gen_api_reference.py`"
    )


def test_check_mode_passes_and_fails(tmp_path: Path) -> None:
    fresh = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert fresh.returncode == 0, fresh.stderr
    stale = tmp_path / "api-reference.md"
    stale.write_text("# outdated\n", encoding="utf-8")
    outdated = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--output", str(stale)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert outdated.returncode == 1
    assert "stale" in outdated.stderr


def test_an_undocumented_name_is_reported(
    generator: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    import codex_app_server

    def helper() -> None:
        pass

    monkeypatch.setattr(codex_app_server.Codex, "brand_new_method", helper, raising=False)
    assert "codex_app_server.Codex.brand_new_method" in generator.undocumented()
