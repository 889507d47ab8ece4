"""One module spells codex versions for both staging commands: the table, and the refusals."""

from __future__ import annotations

import pytest

from staging.errors import StagingError
from staging.versions import (
    normalize_runtime_version,
    normalize_sdk_version,
    parse_codex_version,
    version_from_cli_output,
)


@pytest.mark.parametrize(
    ("given", "pep440", "codex"),
    [
        ("0.163.0", "0.163.0", "0.163.0"),
        ("v0.163.0", "0.163.0", "0.163.0"),
        ("rust-v0.163.0", "0.163.0", "0.163.0"),
        (" 0.163.0\n", "0.163.0", "0.163.0"),
        ("0.164.0-alpha.2", "0.164.0a2", "0.164.0-alpha.2"),
        ("rust-v0.164.0-alpha.2", "0.164.0a2", "0.164.0-alpha.2"),
        ("0.164.0-beta.1", "0.164.0b1", "0.164.0-beta.1"),
        ("v0.164.0-rc.3", "0.164.0rc3", "0.164.0-rc.3"),
        ("0.164.0a2", "0.164.0a2", "0.164.0-alpha.2"),
        ("0.164.0rc10", "0.164.0rc10", "0.164.0-rc.10"),
        ("1.0.0", "1.0.0", "1.0.0"),
    ],
)
def test_codex_versions_normalize_both_ways(given: str, pep440: str, codex: str) -> None:
    version = parse_codex_version(given)
    assert version.pep440 == pep440
    assert version.codex == codex
    assert normalize_runtime_version(given) == pep440
    assert parse_codex_version(version.codex) == version  # the round trip is exact


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "0.163",
        "0.163.0.1",
        "latest",
        "0.163.0-linux-x64",  # an npm package version, not a runtime version
        "0.164.0-alpha",
        "0.164.0-dev.1",
        "00.163.0",
        "0.163.0.post1",
        "codex-cli 0.163.0",
    ],
)
def test_bad_versions_are_refused_with_the_accepted_forms(bad: str) -> None:
    with pytest.raises(StagingError) as refusal:
        parse_codex_version(bad)
    message = str(refusal.value)
    assert repr(bad) in message
    assert "rust-v0.163.0" in message
    assert "0.164.0-alpha.2" in message


def test_version_output_of_the_cli_is_read() -> None:
    assert version_from_cli_output("codex-cli 0.163.0\n").pep440 == "0.163.0"
    assert version_from_cli_output("codex-cli 0.164.0-alpha.2").pep440 == "0.164.0a2"


@pytest.mark.parametrize("output", ["", "codex-cli", "error: unknown flag"])
def test_unreadable_version_output_is_refused(output: str) -> None:
    with pytest.raises(StagingError, match="codex --version"):
        version_from_cli_output(output)


def test_sdk_versions_are_any_pep440_normalized() -> None:
    assert normalize_sdk_version("0.163.0.post1") == "0.163.0.post1"
    assert normalize_sdk_version("0.163.0-post1") == "0.163.0.post1"
    assert normalize_sdk_version("0.164.0-alpha.2") == "0.164.0a2"
    with pytest.raises(StagingError, match=r"not a PEP 440 version for the SDK: 'nope'"):
        normalize_sdk_version("nope")
