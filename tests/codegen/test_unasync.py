"""The blocking twins are produced from their async originals, and a stale twin is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codegen.paths import SDK_PACKAGE
from codegen.unasync import MODULES, UnasyncError, render_module, run, to_sync

SOURCE = '''\
class AsyncThing:
    """A thing on an `AsyncCodex` client (async API)."""

    async def go(self) -> AsyncIterator[int]:
        async for x in self._items():
            yield x
        await self._client.close()  # unasync: async-only
        # unasync: sync-only self._client.close_now()

    async def __aenter__(self) -> AsyncThing:
        return self


# <unasync: Thing from AsyncThing>
# </unasync>
'''


def test_the_rules_turn_async_code_into_its_blocking_twin() -> None:
    start = SOURCE.index("class AsyncThing")
    twin = to_sync(SOURCE[start : SOURCE.index("# <unasync")], {"AsyncThing": "Thing"})
    assert "class Thing:" in twin
    assert "A thing on a `Codex` client (blocking API)." in twin
    assert "def go(self) -> Iterator[int]:" in twin and "async" not in twin
    assert "for x in self._items():" in twin
    assert "self._client.close()" not in twin  # async-only
    assert "        self._client.close_now()" in twin  # sync-only, same indentation
    assert "def __enter__(self) -> Thing:" in twin


def test_a_cancelled_task_becomes_ctrl_c_and_a_shielded_cleanup_a_plain_call() -> None:
    source = """\
class AsyncWaiter:
    async def wait(self) -> None:
        \"\"\"Cancelling the task while it waits stops the work.\"\"\"
        try:
            message = await self._subscription.aget(1.0)
        except asyncio.CancelledError:
            await asyncio.shield(self._stop(reason=str(1)))
            raise
"""
    twin = to_sync(source, {"AsyncWaiter": "Waiter"})
    assert "Ctrl-C (KeyboardInterrupt) while it waits stops the work." in twin
    assert "message = self._subscription.get(1.0)" in twin
    assert "        except KeyboardInterrupt:" in twin
    assert "            self._stop(reason=str(1))\n" in twin  # the nested call stays whole
    assert "asyncio" not in twin and "await" not in twin


def test_a_method_marked_on_its_first_line_is_left_out_whole() -> None:
    source = """\
class AsyncThing:
    @classmethod  # unasync: async-only
    async def start(cls) -> AsyncThing:
        thing = cls()
        return thing

    async def close(self) -> None:
        pass
"""
    twin = to_sync(source, {"AsyncThing": "Thing"})
    assert "start" not in twin and "thing = cls()" not in twin and "@classmethod" not in twin
    assert "    def close(self) -> None:\n        pass" in twin


def test_a_marker_on_part_of_a_wrapped_statement_is_an_error() -> None:
    source = """\
class AsyncThing:
    async def go(self) -> None:
        raise RuntimeError(
            "not started"
        )  # unasync: async-only


# <unasync: Thing from AsyncThing>
# </unasync>
"""
    with pytest.raises(UnasyncError, match="Thing made from AsyncThing is not valid Python"):
        render_module(source)


def test_a_region_is_rewritten_from_its_async_class() -> None:
    rendered = render_module(SOURCE)
    assert rendered.count("class Thing:") == 1
    assert render_module(rendered) == rendered  # stable


def test_a_region_without_its_async_class_is_an_error() -> None:
    with pytest.raises(UnasyncError, match="no class AsyncThing"):
        render_module("# <unasync: Thing from AsyncThing>\n# </unasync>\n")


def test_the_committed_twins_are_current_and_an_edit_is_caught(tmp_path: Path) -> None:
    assert run(check=True) == []
    package = tmp_path / "codex_app_server"
    package.mkdir()
    for name in MODULES:
        shutil.copy(SDK_PACKAGE / name, package / name)
    thread = package / "thread.py"
    edited = thread.read_text().replace(
        'return f"Thread(id={self.id!r})"', 'return f"Thread(id={self.id})"'
    )
    assert edited != thread.read_text()
    thread.write_text(edited)
    assert run(package, check=True) == [thread]
    assert run(package) == [thread]  # rewritten
    assert run(package, check=True) == []
