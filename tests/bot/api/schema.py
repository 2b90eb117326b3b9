"""Validators for the HTTP API's OpenAPI document."""

from __future__ import annotations

from typing import Any

import jsonschema_rs


def validator(doc: dict[str, Any], name: str) -> jsonschema_rs.Draft202012Validator:
    """A validator for one component, resolving refs inside the document."""
    return jsonschema_rs.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    )
