"""Cursor-paged list methods: which they are, and what their pages hold.

A list method is paged when its params take a `cursor` and its result carries `next_cursor`
next to one list field (`data`). Each gets a generated iterator over its items across pages
(`templates/pagination.py.jinja2`): a page is fetched only when the previous one is used up.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from codegen.ir import Protocol, Request
from codegen.model_index import ModelIndex

CURSOR = "cursor"
NEXT_CURSOR = "next_cursor"


@dataclass(frozen=True)
class PagedRequest:
    request: Request
    items_field: str  # the result's list field (`data`)
    item_type: str  # the annotation of one item

    @property
    def iterator_name(self) -> str:
        """`thread_list` -> `iter_thread_list`."""
        return f"iter_{self.request.py_name}"


def paged_requests(protocol: Protocol, models: ModelIndex) -> list[PagedRequest]:
    out: list[PagedRequest] = []
    for req in protocol.requests:
        if not any(f.name == CURSOR for f in req.fields) or req.result.name not in models:
            continue
        result_fields = models[req.result.name].fields
        if not any(f.name == NEXT_CURSOR for f in result_fields):
            continue
        lists = [f for f in result_fields if f.required and _list_item(f.annotation) is not None]
        if len(lists) != 1:
            raise ValueError(f"{req.wire}: a paged result needs exactly one required list field")
        item = _list_item(lists[0].annotation)
        assert item is not None
        out.append(PagedRequest(req, lists[0].name, item))
    return out


def _list_item(annotation: str) -> str | None:
    """`list[Thread]` -> `Thread`; None for anything else."""
    node = ast.parse(annotation, mode="eval").body
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == "list"
    ):
        return ast.unparse(node.slice)
    return None
