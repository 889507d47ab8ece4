"""Downloads (run with `pytest -m network tests/staging`): npm platform packages, the PyPI wheel.

Each npm platform package is ~150 MB; the staged wheels are checked the way the release
workflow checks them (tag, contents, exec bits, twine, check-wheel-contents).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from staging.all_platforms import check_platform
from staging.npm_runtime import DEFAULT_CACHE, NPM_PLATFORMS
from staging.pypi_runtime import fetch_pypi_runtime
from staging.versions import parse_codex_version

pytestmark = [pytest.mark.network, pytest.mark.timeout(1800)]


@pytest.mark.parametrize("npm_platform", NPM_PLATFORMS)
def test_each_npm_platform_stages_into_a_checked_wheel(npm_platform: str, tmp_path: Path) -> None:
    result = check_platform(
        npm_platform, "0.163.0", cache=DEFAULT_CACHE, work=tmp_path, rebuild=False
    )
    assert result.wheel.path.is_file()
    assert result.wheel.name == "codex-cli-bin"
    assert result.wheel.root_is_purelib is False


def test_openai_runtime_wheel_is_fetched_and_unpacked_with_exec_bits(tmp_path: Path) -> None:
    runtime = fetch_pypi_runtime(parse_codex_version("0.163.0"), tmp_path / "cache")
    codex = runtime / "bin" / ("codex.exe" if os.name == "nt" else "codex")
    assert codex.is_file()
    assert os.access(codex, os.X_OK)
