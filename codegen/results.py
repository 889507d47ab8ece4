"""Which definition answers each client request. The schema links a request to its params but
never to its result, so every pairing here is a fact, never a score:

1. `<X>Params` is answered by `<X>Response` when the schema has both (the protocol's rule);
2. otherwise a reviewed entry of `REVIEWED_RESULTS` (each checked once against a real server);
3. otherwise the result stays raw JSON (`JsonValue`), said in the method's docstring and listed
   in generate-types' summary.

An entry is keyed by method and params: it applies to a request of that method with those params.
An entry that a schema no longer needs (its request gained an exact counterpart) or no longer
has (its response definition is gone) fails generation: the table must not go stale. A
runtime without the method, or with other params for it, is simply not what the entry is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]
# The name (and module) of the type a raw JSON result has; rendered by codegen/render.py.
RAW_JSON = "JsonValue"

COUNTERPART = "counterpart"
REVIEWED = "reviewed"
RAW = "raw"


class ResultTableError(Exception):
    """A reviewed entry does not fit the schema (stale, or its definition is gone)."""


@dataclass(frozen=True)
class Reviewed:
    response: str  # the definition that answers the method
    checked: str  # how it was checked against a real server (runtime, what came back)
    params: str | None = None  # the params definition the request had when checked

    def applies_to(self, params_name: str | None) -> bool:
        """The entry speaks about this request shape (a runtime that gave the method other
        params, e.g. `account/gatewayOAuth/read` in 0.171.0, is not what was checked)."""
        return self.params == params_name


# method -> the definition of its result. Add an entry only after calling the method on a real
# server and seeing its answer fit the definition; say which runtime answered what. Methods a
# real server would not answer offline (`account/gatewayOAuth/login` starts a login,
# `account/workspaceMessages/read` needs a ChatGPT account) stay raw JSON until someone checks.
REVIEWED_RESULTS: dict[str, Reviewed] = {
    "account/logout": Reviewed("LogoutAccountResponse", "0.163.0 and 0.171.0: {}"),
    "account/gatewayOAuth/read": Reviewed(
        "GatewayOAuthReadResponse",
        "0.163.0 and 0.171.0: providerId, providerName, required, status, error",
    ),
    "account/gatewayOAuth/cancel": Reviewed(
        "GatewayOAuthCancelResponse", "0.163.0 and 0.171.0: {}"
    ),
    "account/securitySetup/read": Reviewed(
        "GetAccountSecuritySetupResponse", "0.171.0: {notice: null}"
    ),
    "accountSession/list": Reviewed(
        "AccountSessionsResponse",
        "0.171.0 (experimental): activeSessionId, sessions",
        params="AccountSessionsListParams",
    ),
    "config/value/write": Reviewed(
        "ConfigWriteResponse",
        "0.163.0 and 0.171.0: status, version, filePath, overriddenMetadata",
        params="ConfigValueWriteParams",
    ),
    "config/batchWrite": Reviewed(
        "ConfigWriteResponse",
        "0.163.0 and 0.171.0: status, version, filePath, overriddenMetadata",
        params="ConfigBatchWriteParams",
    ),
    "modelProvider/default/set": Reviewed(
        "ConfigWriteResponse",
        "0.171.0: status, version, filePath, overriddenMetadata",
        params="ModelProviderDefaultSetParams",
    ),
    "config/mcpServer/reload": Reviewed("McpServerRefreshResponse", "0.163.0 and 0.171.0: {}"),
    "configRequirements/read": Reviewed(
        "ConfigRequirementsReadResponse",
        "0.163.0 and 0.171.0: supportsIndependentSpeedModes, requirements",
    ),
    "windowsSandbox/readiness": Reviewed(
        "WindowsSandboxReadinessResponse", "0.163.0 and 0.171.0: status"
    ),
    "externalAgentConfig/import/readHistories": Reviewed(
        "ExternalAgentConfigImportHistoriesReadResponse", "0.163.0 and 0.171.0: data, connectors"
    ),
    "remoteControl/status/read": Reviewed(
        "RemoteControlStatusReadResponse",
        "0.163.0 and 0.171.0 (experimental): status, serverName, installationId",
    ),
    "memory/reset": Reviewed("MemoryResetResponse", "0.163.0 and 0.171.0 (experimental): {}"),
    "rollout/compress": Reviewed(
        "RolloutCompressResponse", "0.163.0 and 0.171.0 (experimental): {}"
    ),
}


@dataclass(frozen=True)
class Resolution:
    name: str  # the result's definition, or RAW_JSON
    source: str  # COUNTERPART | REVIEWED | RAW


def counterpart(params_name: str) -> str:
    """`ThreadStartParams` -> `ThreadStartResponse`."""
    return params_name.removesuffix("Params") + "Response"


def resolve_result(
    wire: str,
    params_name: str | None,
    definitions: dict[str, JsonObject],
    table: dict[str, Reviewed] | None = None,
) -> Resolution:
    """The result of request `wire` (see the module docstring for the three rules)."""
    reviewed = (REVIEWED_RESULTS if table is None else table).get(wire)
    if reviewed is not None and not reviewed.applies_to(params_name):
        reviewed = None
    exact = counterpart(params_name) if params_name else None
    if exact is not None and exact in definitions:
        if reviewed is not None:
            raise ResultTableError(
                f"{wire}: the schema now pairs it with {exact} by name; remove its entry "
                f"({reviewed.response}) from REVIEWED_RESULTS in codegen/results.py"
            )
        return Resolution(exact, COUNTERPART)
    if reviewed is not None:
        if reviewed.response not in definitions:
            raise ResultTableError(
                f"{wire}: REVIEWED_RESULTS names {reviewed.response}, which the schema no "
                "longer has; check the method on the new runtime and fix or remove the entry "
                "in codegen/results.py"
            )
        return Resolution(reviewed.response, REVIEWED)
    return Resolution(RAW_JSON, RAW)
