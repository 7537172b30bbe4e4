"""Request bodies and model answers of the eight use cases (SPEC 7.2), as msgspec Structs.

Requests are validated with explicit limits (422 naming the field, unknown fields refused). The
answers are what a model must return; the JSON schema sent to the provider is generated from the
same Struct (`output_schema`), so the schema and the validation of the answer cannot drift apart.
Limits stay out of the sent schema (strict mode allows few of them; Anthropic strips them) and are
checked here when the answer is decoded.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec

Text2k = Annotated[str, msgspec.Meta(min_length=1, max_length=2_000)]
Text5k = Annotated[str, msgspec.Meta(min_length=1, max_length=5_000)]
Text20k = Annotated[str, msgspec.Meta(max_length=20_000)]
Short = Annotated[str, msgspec.Meta(max_length=500)]
Sku = Annotated[str, msgspec.Meta(max_length=64)]


class _Body(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # a tenant_admin may bypass the cache (SPEC 7.4); anybody else sending true gets a 403
    force_refresh: bool = False


class LeadBody(_Body):
    lead_id: uuid.UUID


class EmailBody(_Body):
    subject: Annotated[str, msgspec.Meta(max_length=998)]
    body: Text20k
    sender: Annotated[str, msgspec.Meta(max_length=254)] | None = None


class TextBody(_Body):
    text: Text5k


class HelpBody(_Body):
    question: Text2k
    context: Text20k | None = None


class SeasonalBody(_Body):
    lead_id: uuid.UUID | None = None
    month: Annotated[int, msgspec.Meta(ge=1, le=12)] | None = None


# ------------------------------------------------------------ answers
Confidence = Annotated[float, msgspec.Meta(ge=0, le=1)]


class _Answer(msgspec.Struct, forbid_unknown_fields=True):
    pass


class LeadClassifyAnswer(_Answer):
    label: Literal["A", "B", "C", "UNKNOWN"]
    reasons: Annotated[list[Short], msgspec.Meta(max_length=5)]
    confidence: Confidence


EmailLabel = Literal[
    "SAMPLE_REQUEST",
    "APPOINTMENT",
    "ORDER",
    "PRICE_QUESTION",
    "COMPLAINT",
    "OUT_OF_OFFICE",
    "NEWSLETTER",
    "OTHER",
]


class EmailCategorizeAnswer(_Answer):
    label: EmailLabel
    injection_suspected: bool
    confidence: Confidence


class ContactRoleAnswer(_Answer):
    label: Literal["CHEF", "BUYER", "GM", "OTHER"]
    confidence: Confidence


class HelpDraftAnswer(_Answer):
    draft: Annotated[str, msgspec.Meta(max_length=6_000)]
    answerable_from_context: bool
    confidence: Confidence


class SkuRationale(_Answer):
    sku: Sku
    rationale: Short


class SkuReason(_Answer):
    sku: Sku
    reason: Short


class Step(_Answer):
    contact_role: Annotated[str, msgspec.Meta(max_length=50)]
    action: Short


class RoiAnswer(_Answer):
    summary: Annotated[str, msgspec.Meta(max_length=2_000)]
    recommendations: Annotated[list[SkuRationale], msgspec.Meta(max_length=10)]


class MultiContactAnswer(_Answer):
    summary: Annotated[str, msgspec.Meta(max_length=2_000)]
    steps: Annotated[list[Step], msgspec.Meta(max_length=10)]


class SampleMatchAnswer(_Answer):
    products: Annotated[list[SkuReason], msgspec.Meta(max_length=10)]


class SeasonalAnswer(_Answer):
    season: Annotated[str, msgspec.Meta(max_length=200)]
    products: Annotated[list[SkuReason], msgspec.Meta(max_length=10)]


# Keywords the generated schema keeps; limits and titles go (strict schemas reject many of them).
_KEPT = {"type", "properties", "required", "items", "enum", "additionalProperties"}


def output_schema(answer: type[msgspec.Struct]) -> dict[str, Any]:
    """The strict JSON schema of an answer Struct: inlined, every property required, no extras."""
    generated = msgspec.json.schema(answer)
    definitions = generated.get("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].rsplit("/", 1)[1]])
            result = {k: inline(v) for k, v in node.items() if k in _KEPT}
            if "properties" in node:
                result["properties"] = {k: inline(v) for k, v in node["properties"].items()}
            if "enum" in result and "type" not in result:
                result["type"] = "string"
            return result
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    schema: dict[str, Any] = inline(generated)
    return schema
