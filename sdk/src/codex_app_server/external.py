"""Content from another agent, a tool or an application, sent with tool-level authority.

Text you did not write (a web page, another agent's report, a ticket body) can carry
instructions. Sent as user text, those instructions speak with the user's authority: a
prompt-injection door. An `ExternalMessage` is sent as `turn/start`'s `toolOutput` instead:
the model receives it as the output of the named tool (a `function_call_output`), below the
user's and the developer's instructions, and it grants no approval.

    thread.run(ExternalMessage("web_fetch", page_text))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from codex_app_server.inputs import Input, InvalidInputError, to_wire_items

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = ["ExternalMessage", "RunInput", "turn_input_params"]


@dataclass(frozen=True)
class ExternalMessage:
    """Untrusted content delivered by a tool (`tool_name`, optionally in a `namespace`).

    Pass it as the whole input of `thread.run()` / `thread.turn()`. `content` is text, or a
    list of function-output content items (dicts such as `{"type": "input_text", "text":
    ...}` or `{"type": "input_image", "image_url": ...}`, or the generated models). The
    model sees it as that tool's output, with tool-level authority: it does not act as a user
    instruction and does not authorize anything.
    """

    tool_name: str
    content: str | Sequence[Mapping[str, Any] | Any]
    namespace: str | None = None

    def tool_output(self) -> dict[str, Any]:
        """The `toolOutput` object of `turn/start`, validated (`InvalidInputError` if not)."""
        name: Any = self.tool_name  # checked at run time: callers may not be type-checked
        if not isinstance(name, str) or not name.strip():
            raise InvalidInputError("ExternalMessage.tool_name must be a non-empty str")
        namespace: Any = self.namespace
        if namespace is not None and not isinstance(namespace, str):
            raise InvalidInputError(
                f"ExternalMessage.namespace must be a str or None, not {type(namespace).__name__}"
            )
        wire: dict[str, Any] = {"name": self.tool_name, "output": _output(self.content)}
        if self.namespace is not None:
            wire["namespace"] = self.namespace
        return wire


#: What `Thread.run()` / `turn()` take: user input (see `Input`) or one `ExternalMessage`.
RunInput: TypeAlias = Input | ExternalMessage


def turn_input_params(input: RunInput) -> dict[str, Any]:
    """The `input` (and, for an `ExternalMessage`, `tool_output`) params of `turn/start`."""
    if isinstance(input, ExternalMessage):
        return {"input": [], "tool_output": input.tool_output()}
    return {"input": to_wire_items(input)}


def _output(content: Any) -> Any:
    """The `output` body: a str as is, or the content items validated one by one."""
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping) or not isinstance(content, Sequence):
        kind = type(cast("object", content)).__name__
        raise InvalidInputError(
            f"ExternalMessage.content must be a str or a list of content items, not {kind}"
        )
    items: list[Any] = list(cast("Sequence[Any]", content))
    if not items:
        raise InvalidInputError("ExternalMessage.content is an empty list")
    return [_content_item(item, index) for index, item in enumerate(items)]


def _content_item(item: Any, index: int) -> dict[str, Any]:
    from pydantic import ValidationError

    dump = getattr(item, "model_dump", None)
    raw: Any = dump(by_alias=True, exclude_none=True, mode="json") if callable(dump) else item
    if not isinstance(raw, Mapping):
        raise InvalidInputError(
            f"ExternalMessage.content item {index} is a {type(item).__name__}; "
            "pass a dict such as {'type': 'input_text', 'text': ...}"
        )
    fields = dict(cast("Mapping[str, Any]", raw))
    adapters = _adapters()
    tag = fields.get("type")
    if tag not in adapters:
        raise InvalidInputError(
            f"ExternalMessage.content item {index}: unknown type {tag!r}; known types: "
            f"{', '.join(adapters)}"
        )
    try:
        model = adapters[str(tag)].validate_python(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if "ContentItem" not in str(part))
        raise InvalidInputError(
            f"ExternalMessage.content item {index} (type {tag!r}): field {where or '?'!r}: "
            f"{first['msg']}"
        ) from exc
    return cast("dict[str, Any]", model.model_dump(by_alias=True, exclude_none=True, mode="json"))


@cache
def _adapters() -> dict[str, TypeAdapter[Any]]:
    """The function-output content item models by their `type` tag."""
    from pydantic import TypeAdapter

    from codex_app_server._generated import models

    image = (
        models.ImageUrlFunctionCallOutputContentItem | models.FileIdFunctionCallOutputContentItem
    )
    return {
        "input_text": TypeAdapter(models.InputTextFunctionCallOutputContentItem),
        "input_image": TypeAdapter(image),
        "input_audio": TypeAdapter(models.InputAudioFunctionCallOutputContentItem),
        "encrypted_content": TypeAdapter(models.EncryptedContentFunctionCallOutputContentItem),
    }
