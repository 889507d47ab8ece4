"""Small truths: the version, the testing kit's docs and its command line say what is so."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import codex_app_server
from codex_app_server.testing import OfflineEnvironment, offline_environment


def test_the_package_has_its_distribution_version() -> None:
    assert codex_app_server.__version__ == importlib.metadata.version("codex-app-server-sdk")


def test_offline_environment_yields_what_its_docs_say() -> None:
    assert "`OfflineEnvironment`" in (offline_environment.__doc__ or "")
    with offline_environment() as env:
        assert isinstance(env, OfflineEnvironment)


def test_the_testing_command_names_itself_in_its_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "codex_app_server.testing", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("usage: python -m codex_app_server.testing ")
    assert "__main__" not in done.stdout
