"""Each normalization step on the smallest schema that shows it."""

from __future__ import annotations

from typing import Any

import pytest

from codegen import normalize as n


def enum(*values: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "enum": list(values), **extra}


def obj(props: dict[str, Any], required: list[str], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required, **extra}


def test_envelopes_are_dropped_payloads_kept() -> None:
    defs = {"ClientRequest": {"oneOf": []}, "JSONRPCError": {}, "ThreadStartParams": {}}
    assert list(n.drop_envelopes(defs)) == ["ThreadStartParams"]


def test_rust_module_paths_leave_titles() -> None:
    defs = {"LoginAccountParams": {"oneOf": [obj({}, [], title="ApiKeyv2::LoginAccountParams")]}}
    out = n.clean_titles(defs)
    assert out["LoginAccountParams"]["oneOf"][0]["title"] == "ApiKeyLoginAccountParams"


def test_one_branch_per_value_becomes_one_documented_enum() -> None:
    defs = {
        "AuthMode": {
            "description": "How we log in.",
            "oneOf": [enum("apikey", description="A key."), enum("chatgpt", description="OAuth.")],
        }
    }
    out = n.merge_string_enum_unions(defs)["AuthMode"]
    assert out["enum"] == ["apikey", "chatgpt"]
    assert "oneOf" not in out
    assert "- `apikey`: A key." in out["description"]
    assert out["description"].startswith("How we log in.")


def test_plain_names_in_a_mixed_union_become_a_kind_enum() -> None:
    defs = {
        "SessionSource": {
            "oneOf": [enum("cli", "vscode"), obj({"custom": {"type": "string"}}, ["custom"])]
        }
    }
    branch = n.name_union_enum_branches(defs)["SessionSource"]["oneOf"][0]
    assert branch["title"] == "SessionSourceKind"


def test_untitled_tagged_variants_are_named_from_their_tag() -> None:
    defs = {
        "HookMetadata": {
            "oneOf": [
                obj({"handlerType": enum("command")}, ["handlerType"]),
                obj({"handlerType": enum("mcpTool")}, ["handlerType"]),
                obj({"handlerType": enum("prompt")}, ["handlerType"], title="PromptHookMetadata"),
            ]
        }
    }
    branches = n.title_discriminated_variants(defs)["HookMetadata"]["oneOf"]
    assert [b["title"] for b in branches] == [
        "CommandHookMetadata",
        "McpToolHookMetadata",
        "PromptHookMetadata",
    ]


def test_tags_differing_only_in_punctuation_get_distinct_names() -> None:
    defs = {
        "Params": {
            "oneOf": [
                obj({"mode": enum("openai/form")}, ["mode"]),
                obj({"mode": enum("openaiForm")}, ["mode"]),
            ]
        }
    }
    branches = n.title_discriminated_variants(defs)["Params"]["oneOf"]
    assert [b["title"] for b in branches] == ["OpenaiSlashFormParams", "OpenaiFormParams"]


def test_inline_objects_are_named_from_owner_and_property() -> None:
    defs = {
        "Policy": obj(
            {
                "granular": obj({"rules": {"type": "boolean"}}, ["rules"]),
                "levels": {"type": "array", "items": enum("low", "high")},
                "indices": {"type": "array", "items": {"type": "integer", "minimum": 0}},
            },
            [],
        )
    }
    props = n.title_inline_schemas(defs)["Policy"]["properties"]
    assert props["granular"]["title"] == "PolicyGranular"
    assert props["levels"]["items"]["title"] == "PolicyLevelsItem"
    assert props["indices"]["items"]["title"] == "PolicyIndicesItem"


def test_untagged_variants_are_named_by_the_property_only_they_require() -> None:
    defs = {
        "ResourceContent": {
            "anyOf": [
                obj({"text": {"type": "string"}, "uri": {"type": "string"}}, ["text", "uri"]),
                obj({"blob": {"type": "string"}, "uri": {"type": "string"}}, ["blob", "uri"]),
            ]
        }
    }
    branches = n.title_inline_schemas(defs)["ResourceContent"]["anyOf"]
    assert [b["title"] for b in branches] == ["TextResourceContent", "BlobResourceContent"]


def test_indistinguishable_untitled_variants_are_an_error_not_a_guess() -> None:
    same = obj({"uri": {"type": "string"}}, ["uri"])
    with pytest.raises(n.NormalizationError, match="no required property sets it apart"):
        n.title_inline_schemas({"Thing": {"anyOf": [same, dict(same)]}})


def test_repeated_branch_titles_under_merging_parents_are_qualified() -> None:
    file_id = obj({"file_id": {"type": "string"}}, ["file_id"], title="FileIdContentItem")
    defs = {
        "ContentItem": {
            "oneOf": [
                {
                    **obj({"type": enum("input_image")}, ["type"]),
                    "title": "InputImageContentItem",
                    "anyOf": [dict(file_id)],
                },
                {
                    **obj({"type": enum("input_audio")}, ["type"]),
                    "title": "InputAudioContentItem",
                    "anyOf": [dict(file_id)],
                },
            ]
        }
    }
    out = n.qualify_merged_branch_titles(defs)["ContentItem"]["oneOf"]
    assert out[0]["anyOf"][0]["title"] == "FileIdInputImageContentItem"
    assert out[1]["anyOf"][0]["title"] == "FileIdInputAudioContentItem"


def test_tagged_unions_get_a_fallback_variant_for_unknown_tags() -> None:
    defs = {
        "ThreadItem": {
            "oneOf": [
                obj({"type": enum("agentMessage")}, ["type"], title="AgentMessageThreadItem"),
                obj({"type": enum("reasoning")}, ["type"], title="ReasoningThreadItem"),
            ]
        }
    }
    fallback = n.add_unknown_variants(defs)["ThreadItem"]["oneOf"][-1]
    assert fallback["title"] == "UnrecognizedThreadItem"
    assert fallback["properties"] == {"type": {"type": "string"}}
    assert "`agentMessage`" in fallback["description"]


def test_required_but_nullable_fields_become_optional() -> None:
    """Older servers omit them (0.147.0 sends no `thread.projectId`): not an error."""
    defs = {
        "Thread": obj(
            {
                "id": {"type": "string"},
                "projectId": {"type": ["string", "null"]},
                "parent": {"anyOf": [{"$ref": "#/definitions/Thread"}, {"type": "null"}]},
            },
            ["id", "projectId", "parent"],
        )
    }
    assert n.relax_nullable_required(defs)["Thread"]["required"] == ["id"]


def test_nullable_required_fields_are_generated_optional() -> None:
    from codex_app_server._generated.models import Thread

    assert not Thread.model_fields["project_id"].is_required()
    assert Thread.model_fields["id"].is_required()


def test_experimental_only_definitions_and_properties_are_marked() -> None:
    stable = {"ThreadStartParams": obj({"model": {"type": "string"}}, [])}
    defs = {
        "ThreadStartParams": obj(
            {
                "model": {"type": "string"},
                "dynamicTools": {"type": "array", "description": "Tools."},
            },
            [],
        ),
        "CollaborationModeListParams": obj({}, [], description="Lists modes."),
    }
    out = n.mark_experimental(defs, stable)
    props = out["ThreadStartParams"]["properties"]
    assert props["dynamicTools"]["description"].startswith(n.EXPERIMENTAL_MARK)
    assert props["dynamicTools"]["description"].endswith("Tools.")
    assert "description" not in props["model"]
    assert out["CollaborationModeListParams"]["description"].startswith(n.EXPERIMENTAL_MARK)


def server_request(method: str, params: str) -> dict[str, Any]:
    return obj(
        {"method": enum(method), "params": {"$ref": f"#/definitions/{params}"}},
        ["method", "params"],
    )


def test_the_definitions_answering_server_requests_derive_from_the_reply_base() -> None:
    defs = {
        "ServerRequest": {
            "oneOf": [
                server_request("item/x/requestApproval", "XApprovalParams"),
                server_request("item/y/ask", "YAskParams"),
            ]
        },
        "XApprovalParams": obj({}, []),
        "XApprovalResponse": obj({}, []),
        "YAskParams": obj({}, []),  # no YAskResponse: answered in raw JSON
        "ThreadStartResponse": obj({}, []),  # received, not sent
    }
    out = n.mark_reply_models(defs)
    assert out["XApprovalResponse"]["customBasePath"] == n.REPLY_BASE
    marked = [name for name, schema in out.items() if "customBasePath" in schema]
    assert marked == ["XApprovalResponse"]
    assert n.mark_reply_models({"Thing": obj({}, [])}) == {"Thing": obj({}, [])}


def test_a_reply_models_enum_fields_also_take_the_wire_strings() -> None:
    literal = {"type": "string", "x-python-type": "Literal['accept', 'decline']"}
    decision = enum("accept", "decline", description="What to do.")
    defs = {
        "Decision": decision,
        "Scope": enum("turn", "session"),
        "Mixed": {"oneOf": [enum("accept", "decline", title="MixedKind"), obj({"a": {}}, ["a"])]},
        "Other": obj({"x": {"type": "string"}}, ["x"]),
        "XResponse": obj(
            {
                "decision": {"$ref": "#/definitions/Decision"},
                "scope": {"allOf": [{"$ref": "#/definitions/Scope"}], "default": "turn"},
                "mixed": {"$ref": "#/definitions/Mixed"},
                "maybe": {"anyOf": [{"$ref": "#/definitions/Decision"}, {"type": "null"}]},
                "other": {"$ref": "#/definitions/Other"},
            },
            ["decision"],
            customBasePath=n.REPLY_BASE,
        ),
        "ThreadStartResponse": obj({"decision": {"$ref": "#/definitions/Decision"}}, []),
    }
    out = n.widen_reply_enums(defs)
    props = out["XResponse"]["properties"]
    assert props["decision"] == {
        "anyOf": [{"$ref": "#/definitions/Decision"}, literal],
        "description": "What to do.",  # the enum's description stays the field's docstring
    }
    assert props["scope"] == {
        "anyOf": [{"$ref": "#/definitions/Scope"},
                  {"type": "string", "x-python-type": "Literal['turn', 'session']"}],
        "default": "turn",
    }  # fmt: skip
    assert props["mixed"]["anyOf"] == [{"$ref": "#/definitions/Mixed"}, literal]
    assert props["maybe"]["anyOf"] == [
        {"$ref": "#/definitions/Decision"},
        literal,
        {"type": "null"},
    ]
    assert props["other"] == {"$ref": "#/definitions/Other"}
    # a received model keeps the plain enum
    assert out["ThreadStartResponse"]["properties"]["decision"] == {
        "$ref": "#/definitions/Decision"
    }
    assert out["Decision"] == decision


def test_reply_models_are_generated_with_literals_and_the_reply_base() -> None:
    from codex_app_server._model_base import CodexReplyModel
    from codex_app_server.models import CommandExecutionRequestApprovalResponse, ThreadStartResponse

    annotation = str(CommandExecutionRequestApprovalResponse.model_fields["decision"].annotation)
    assert "Literal['accept', 'acceptForSession', 'decline', 'cancel']" in annotation
    assert issubclass(CommandExecutionRequestApprovalResponse, CodexReplyModel)
    assert not issubclass(ThreadStartResponse, CodexReplyModel)
