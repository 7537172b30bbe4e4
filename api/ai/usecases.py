"""The eight use cases of SPEC 7.2: request body, answer, tier policy, prompt and limits.

Adding a use case means one entry here, its request and answer Structs in api.ai.schemas, a
template `api/ai/templates/<name>.v1.j2`, and its name in the CHECK constraints of app.ai_calls
(docs/ai.md, "Adding a use case"). A prompt change bumps `prompt_version` (which is part of the
cache key and of the calibration's key), so old answers and maps are never reused for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from api.ai import schemas

# What the prompt is built from: the body alone, or also a lead the caller may read and/or the
# tenant's active catalogue.
Context = Literal["body", "lead", "lead_catalogue", "catalogue"]


@dataclass(frozen=True)
class UseCase:
    name: str
    small_first: bool  # small model first with escalation; else the large model only
    body: type[schemas._Body]
    answer: type[msgspec.Struct]
    context: Context
    max_tokens: int  # the answer's token cap (and the output part of the reservation)
    prompt_version: str = "v1"
    cacheable: bool = False  # deterministic: exact-match cache in PostgreSQL
    demask: bool = False  # the answer is for the caller: placeholders are filled back in
    skus: str | None = None  # the result's list whose items name a sku of the catalogue

    @property
    def template(self) -> str:
        return f"{self.name}.{self.prompt_version}.j2"

    @property
    def schema(self) -> dict[str, Any]:
        return _SCHEMAS[self.name]


USE_CASES: dict[str, UseCase] = {
    case.name: case
    for case in (
        UseCase(
            "lead_classify",
            small_first=True,
            body=schemas.LeadBody,
            answer=schemas.LeadClassifyAnswer,
            context="lead",
            max_tokens=400,
            cacheable=True,
        ),
        UseCase(
            "email_categorize",
            small_first=True,
            body=schemas.EmailBody,
            answer=schemas.EmailCategorizeAnswer,
            context="body",
            max_tokens=100,
            cacheable=True,
        ),
        UseCase(
            "contact_role_detect",
            small_first=True,
            body=schemas.TextBody,
            answer=schemas.ContactRoleAnswer,
            context="body",
            max_tokens=60,
            cacheable=True,
        ),
        UseCase(
            "help_draft",
            small_first=True,
            body=schemas.HelpBody,
            answer=schemas.HelpDraftAnswer,
            context="body",
            max_tokens=1500,
            demask=True,
        ),
        UseCase(
            "roi_recommend",
            small_first=False,
            body=schemas.LeadBody,
            answer=schemas.RoiAnswer,
            context="lead_catalogue",
            max_tokens=1500,
            skus="recommendations",
        ),
        UseCase(
            "multi_contact_strategy",
            small_first=False,
            body=schemas.LeadBody,
            answer=schemas.MultiContactAnswer,
            context="lead",
            max_tokens=1500,
        ),
        UseCase(
            "sample_product_match",
            small_first=False,
            body=schemas.LeadBody,
            answer=schemas.SampleMatchAnswer,
            context="lead_catalogue",
            max_tokens=1200,
            skus="products",
        ),
        UseCase(
            "seasonal_optimize",
            small_first=False,
            body=schemas.SeasonalBody,
            answer=schemas.SeasonalAnswer,
            context="catalogue",
            max_tokens=1200,
            skus="products",
        ),
    )
}

_SCHEMAS = {name: schemas.output_schema(case.answer) for name, case in USE_CASES.items()}
