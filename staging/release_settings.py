"""The names and addresses a release is published under: each one setting, here.

The SDK's distribution name is not settled: on the package index `codex-app-server-sdk`
belongs to an unrelated project (see docs/maintainers.md), so `stage-sdk --distribution-name`
can stage the SDK under another name without editing sdk/. The import name stays
`codex_app_server` whatever the distribution is called.
"""

from __future__ import annotations

import re

from staging.errors import StagingError

SDK_DISTRIBUTION = "codex-app-server-sdk"  # sdk/pyproject.toml's name; stage-sdk can change it
RUNTIME_DISTRIBUTION = "codex-cli-bin"
RUNTIME_PACKAGE = "codex_app_server_runtime"  # the runtime wheel's import package

# PEP 508 names: letters, digits, and . _ - inside.
_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


def check_distribution_name(name: str) -> str:
    """Refuse a name that is not a valid distribution name; return it unchanged."""
    if not _NAME.match(name):
        raise StagingError(
            f"--distribution-name {name!r} is not a valid distribution name: use letters, "
            "digits and . _ - (not at either end), e.g. codex-app-server-sdk"
        )
    return name


def project_urls(repository: str) -> dict[str, str]:
    """The Project-URLs of both distributions, from the repository's web address."""
    if not re.match(r"^https://[^\s/]+/\S+$", repository):
        raise StagingError(
            f"--repository-url {repository!r} is not an https address of a repository, "
            "e.g. https://github.com/OWNER/REPO"
        )
    base = repository.rstrip("/")
    return {
        "Source": base,
        "Issues": f"{base}/issues",
        "Changelog": f"{base}/blob/main/CHANGELOG.md",
        "Documentation": f"{base}#readme",
    }
