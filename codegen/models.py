"""Pydantic models from the normalized schema, by datamodel-code-generator used as a library.

Shaped only through its options, a hand-written base class, template data and template
overrides (codegen/templates/dcg/); its output is never edited with text surgery.
One module per class (`module_split_mode="single"`): a module imports only the classes it
refers to, so using a model loads its closure instead of the whole protocol.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, cast

from datamodel_code_generator import (
    GenerateConfig,
    InputFileType,
    LiteralType,
    ModuleSplitMode,
    PythonVersion,
    generate,
)
from datamodel_code_generator.enums import DataModelType

from codegen.normalize import Definitions

TEMPLATE_DIR = Path(__file__).parent / "templates" / "dcg"
BASE_MODULE = "codex_app_server._model_base"
BASE_CLASS = f"{BASE_MODULE}.CodexModel"
OPEN_ENUM = "OpenStrEnum"


def generate_models(definitions: Definitions, header: str) -> dict[str, str]:
    """Return {relative module path: source} for the models package (unformatted)."""
    document = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": definitions,
    }
    config = GenerateConfig(
        input_file_type=InputFileType.JsonSchema,
        input_filename="codex_app_server_protocol.json",
        output_model_type=DataModelType.PydanticV2BaseModel,
        target_python_version=PythonVersion.PY_310,
        base_class=BASE_CLASS,
        # ClassVar: for `model_config` (templates/dcg/ConfigDict.jinja2); unused imports are removed
        additional_imports=[f"{BASE_MODULE}.{OPEN_ENUM}", "typing.ClassVar"],
        custom_template_dir=TEMPLATE_DIR,
        custom_file_header=header,
        use_title_as_name=True,
        use_subclass_enum=True,
        set_default_enum_member=True,
        capitalise_enum_members=True,
        enum_field_as_literal=LiteralType.One,
        use_union_operator=True,
        use_standard_collections=True,
        use_annotated=True,
        field_constraints=True,
        snake_case_field=True,
        use_schema_description=True,
        use_field_description=True,
        use_double_quotes=True,
        disable_timestamp=True,
        collapse_root_models=True,
        use_type_alias=True,
        skip_root_model=True,
        module_split_mode=ModuleSplitMode.Single,
        use_exact_imports=True,
        formatters=[],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its advice on naming options is for raw schemas
        result: Any = generate(json.dumps(document), config=config)
    return {_module_path(key): source for key, source in result.items()}


def _module_path(key: Any) -> str:
    """The generator keys split output by a tuple of path parts."""
    parts: tuple[Any, ...] = cast(tuple[Any, ...], key) if isinstance(key, tuple) else (key,)
    return "/".join(str(part) for part in parts)
