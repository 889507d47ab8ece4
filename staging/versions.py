"""Codex version strings, read once and spelled two ways: PEP 440 (wheels) and codex's own.

Codex tags releases `rust-v0.163.0` and pre-releases `rust-v0.164.0-alpha.2`; its npm packages
say `0.164.0-alpha.2`; `codex --version` prints `codex-cli 0.163.0`. Python packaging needs
`0.164.0a2`. Both staging commands go through this module so the spellings never drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from packaging.version import InvalidVersion, Version

from staging.errors import StagingError

PreKind = Literal["alpha", "beta", "rc"]

_PEP440_PRE = {"alpha": "a", "beta": "b", "rc": "rc"}
# Both spellings of a pre-release kind, codex's and PEP 440's, read to codex's.
_PRE_KINDS: dict[str, PreKind] = {
    "alpha": "alpha",
    "beta": "beta",
    "rc": "rc",
    "a": "alpha",
    "b": "beta",
}

_NUMBER = r"(?:0|[1-9][0-9]*)"  # no leading zeros: they would not survive a round trip
_CODEX_FORM = re.compile(
    rf"(?:rust-)?v?(?P<release>{_NUMBER}\.{_NUMBER}\.{_NUMBER})"
    rf"(?:-(?P<kind>alpha|beta|rc)\.(?P<n>{_NUMBER}))?"
)
_PEP440_FORM = re.compile(
    rf"(?P<release>{_NUMBER}\.{_NUMBER}\.{_NUMBER})(?:(?P<kind>a|b|rc)(?P<n>{_NUMBER}))?"
)

ACCEPTED_FORMS = (
    "0.163.0, v0.163.0, rust-v0.163.0, or a pre-release such as 0.164.0-alpha.2, "
    "0.164.0-beta.1, 0.164.0-rc.1 (or its PEP 440 spelling 0.164.0a2)"
)


@dataclass(frozen=True)
class CodexVersion:
    """One codex release: `major.minor.patch` and an optional alpha/beta/rc number."""

    release: tuple[int, int, int]
    pre: tuple[PreKind, int] | None = None

    @property
    def pep440(self) -> str:
        """The wheel's version: `0.164.0a2`."""
        base = ".".join(map(str, self.release))
        if self.pre is None:
            return base
        kind, number = self.pre
        return f"{base}{_PEP440_PRE[kind]}{number}"

    @property
    def codex(self) -> str:
        """How codex and its npm packages spell it: `0.164.0-alpha.2`."""
        base = ".".join(map(str, self.release))
        if self.pre is None:
            return base
        kind, number = self.pre
        return f"{base}-{kind}.{number}"

    def __str__(self) -> str:
        return self.pep440


def parse_codex_version(text: str) -> CodexVersion:
    """Read any accepted spelling of a codex version; refuse anything else, saying what fits."""
    candidate = text.strip()
    match = _CODEX_FORM.fullmatch(candidate) or _PEP440_FORM.fullmatch(candidate)
    if match is not None:
        major, minor, patch = (int(part) for part in match["release"].split("."))
        kind = match["kind"]
        pre = None if kind is None else (_PRE_KINDS[kind], int(match["n"]))
        return CodexVersion((major, minor, patch), pre)
    raise StagingError(f"not a codex version: {text!r}; accepted forms: {ACCEPTED_FORMS}")


def normalize_runtime_version(text: str) -> str:
    """The PEP 440 spelling of a codex version (`rust-v0.164.0-alpha.2` -> `0.164.0a2`)."""
    return parse_codex_version(text).pep440


def version_from_cli_output(output: str) -> CodexVersion:
    """The version in `codex --version` output, which reads `codex-cli 0.163.0`."""
    words = output.split()
    if not words:
        raise StagingError("`codex --version` printed nothing; expected e.g. 'codex-cli 0.163.0'")
    try:
        return parse_codex_version(words[-1])
    except StagingError:
        raise StagingError(
            f"cannot read a version in `codex --version` output {output.strip()!r}; "
            "expected e.g. 'codex-cli 0.163.0'"
        ) from None


def normalize_sdk_version(text: str) -> str:
    """The SDK's own version: any PEP 440 version, in its normalized spelling."""
    try:
        return str(Version(text.strip()))
    except InvalidVersion:
        raise StagingError(
            f"not a PEP 440 version for the SDK: {text!r}; e.g. 0.163.0, 0.163.0.post1, 0.164.0a2"
        ) from None
