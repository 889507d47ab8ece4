"""write_codex_home and its small TOML writer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from codex_app_server.testing import dumps_toml, write_codex_home

tomllib = pytest.importorskip("tomllib") if sys.version_info >= (3, 11) else None


def load(path: Path) -> dict[str, object]:
    if tomllib is None:
        pytest.skip("tomllib needs Python 3.11")
    with path.open("rb") as f:
        return tomllib.load(f)


def test_writes_provider_config(tmp_path: Path) -> None:
    home = write_codex_home(
        tmp_path / "home",
        "http://127.0.0.1:4321/v1",
        approval_policy="on-request",
        sandbox_mode="workspace-write",
    )
    assert home.path == tmp_path / "home"
    assert home.config_path.is_file()
    config = load(home.config_path)
    assert config["model"] == "mock-model"
    assert config["model_provider"] == "mock"
    assert config["approval_policy"] == "on-request"
    assert config["sandbox_mode"] == "workspace-write"
    assert config["model_providers"] == {
        "mock": {
            "name": "Mock model (loopback)",
            "base_url": "http://127.0.0.1:4321/v1",
            "wire_api": "responses",
            "request_max_retries": 0,
            "stream_max_retries": 0,
            "stream_idle_timeout_ms": 30000,
        }
    }
    assert config["features"] == {"plugins": False, "remote_plugin": False, "apps": False}
    assert config == home.config


def test_extra_merges_tables_and_none_skips(tmp_path: Path) -> None:
    home = write_codex_home(
        tmp_path,
        "http://127.0.0.1:1/v1",
        approval_policy=None,
        extra={
            "model_providers": {"mock": {"stream_max_retries": 3}},
            "features": {"plugins": True},
            "shell_environment_policy": {"inherit": "all", "set": {"A B": 'x"y'}},
            "notify": ["a", "b"],
        },
    )
    config = load(home.config_path)
    assert "approval_policy" not in config
    assert config["model_providers"]["mock"]["stream_max_retries"] == 3  # type: ignore[index]
    assert config["model_providers"]["mock"]["wire_api"] == "responses"  # type: ignore[index]
    assert config["features"]["plugins"] is True  # type: ignore[index]
    assert config["shell_environment_policy"] == {"inherit": "all", "set": {"A B": 'x"y'}}
    assert config["notify"] == ["a", "b"]


def test_env(tmp_path: Path) -> None:
    home = write_codex_home(tmp_path / "h", "http://127.0.0.1:1/v1")
    assert home.env["CODEX_HOME"] == str(tmp_path / "h")
    assert home.env["HOME"] == str(tmp_path / "h" / "user-home")
    assert Path(home.env["HOME"]).is_dir()
    env = home.spawn_env({"PATH": "/bin", "OPENAI_API_KEY": "sk-real", "HOME": "/root"})
    assert env == {"PATH": "/bin", **home.env}
    plain = write_codex_home(tmp_path / "p", "http://127.0.0.1:1/v1", isolate_home=False)
    assert dict(plain.env) == {"CODEX_HOME": str(tmp_path / "p")}


def test_dumps_toml_values() -> None:
    out = dumps_toml(
        {"b": True, "i": 3, "f": 1.5, "s": "a\nb\\c\u0001", "l": [1, "x"], "t": {"k": {"z": 1}}}
    )
    assert out == (
        'b = true\ni = 3\nf = 1.5\ns = "a\\nb\\\\c\\u0001"\nl = [1, "x"]\n\n[t.k]\nz = 1\n'
    )
    with pytest.raises(TypeError):
        dumps_toml({"x": object()})
    if tomllib is not None:
        assert tomllib.loads(out)["s"] == "a\nb\\c\u0001"


def test_extra_settings_stay_in_their_own_home(tmp_path: Path) -> None:
    """`extra` merged into a nested table (features) once leaked into every later home."""
    first = write_codex_home(
        tmp_path / "first", "http://127.0.0.1:1/v1", extra={"features": {"extra_one": True}}
    )
    second = write_codex_home(tmp_path / "second", "http://127.0.0.1:1/v1")
    assert first.config["features"]["extra_one"] is True
    assert "extra_one" not in second.config["features"]
    assert "extra_one" not in load(second.config_path)["features"]
