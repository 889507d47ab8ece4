"""Fixtures: the repo's schema, and schemas emitted by an older and a newer codex runtime."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from codegen.generate import Generated, generate_package
from codegen.paths import DEFAULT_SCHEMA

FIXTURES = Path(__file__).parent / "fixtures"
# Emitted by `codex app-server generate-json-schema` of these runtimes (see fixtures/README.md).
OTHER_RUNTIMES = ("0.147.0", "0.169.0", "0.171.0")


def unpack_schema(version: str, into: Path) -> Path:
    target = into / f"schema-{version}"
    if not target.exists():
        with tarfile.open(FIXTURES / f"schema-{version}.tar.xz") as archive:
            archive.extractall(target, filter="data")
    return target


@pytest.fixture(scope="session")
def pinned_generation() -> Generated:
    return generate_package(DEFAULT_SCHEMA)


@pytest.fixture(scope="session")
def schemas_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schemas")
