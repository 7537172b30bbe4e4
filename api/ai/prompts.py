"""Prompts: versioned Jinja templates, filled only with cleaned, masked, delimited text.

Every string that comes from outside (mail text, notes, feedback, company names) passes through
`Prompt.clean`: Unicode normalisation (invisible and bidi characters removed), PII masking (the
request's own PiiMasker), and neutralising anything that looks like our data tags. The template
wraps it in `<daten_BOUNDARY>` tags whose boundary is random per request, and the rules tell the
model that tagged text is data (spotlighting, ../shared/reference/ai-router.md §4). The cache key is
computed from the cleaned variables, never from the rendered prompt (whose boundary differs).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from pathlib import Path
from typing import Any

import jinja2

from api.ai.pii import PiiMasker, normalise
from api.ai.usecases import UseCase

TEMPLATES = Path(__file__).parent / "templates"
_USER_SECTION = "\n--- user ---\n"
_TAG_LOOKALIKE = re.compile(r"<(/?)(daten_)", re.IGNORECASE)
# A cheap screen beside the model's own injection_suspected flag: either one suffices.
_INJECTION = re.compile(
    r"ignore (all |any )?(previous|prior|above) (instructions|prompts)"
    r"|disregard (all |the )?(previous|prior|above)"
    r"|ignorier\w* (alle |sämtliche )?(vorherigen|bisherigen|obigen) (anweisungen|instruktionen)"
    r"|vergiss (alle |deine )?(vorherigen |bisherigen )?anweisungen"
    r"|(classify|klassifizier\w*|einordnen|kategorisier\w*) (this|diese|die)"
    r" (mail|e-mail|nachricht)? ?(as|als)\b"
    r"|system prompt|systemprompt|you are now|du bist jetzt",
    re.IGNORECASE,
)

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=False,  # noqa: S701 - plain-text prompts, not HTML; values are cleaned instead
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=False,
)


def injection_suspected(text: str) -> bool:
    return bool(_INJECTION.search(text))


class Prompt:
    """One request's prompt: its masker, its boundary, the cleaned variables."""

    def __init__(self, use_case: UseCase) -> None:
        self.use_case = use_case
        self.masker = PiiMasker()
        self.boundary = secrets.token_hex(8)
        self.variables: dict[str, Any] = {}

    def clean(self, value: Any) -> Any:
        """Normalise and mask every string in a value (dicts and lists walked)."""
        if isinstance(value, str):
            return _TAG_LOOKALIKE.sub(r"‹\1\2", self.masker.mask(normalise(value)))
        if isinstance(value, dict):
            return {k: self.clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.clean(v) for v in value]
        if isinstance(value, uuid.UUID):
            return str(value)
        return value

    def add(self, **values: Any) -> None:
        self.variables.update({k: self.clean(v) for k, v in values.items()})

    def render(self) -> tuple[str, str]:
        """(system, user) messages."""
        text = _environment.get_template(self.use_case.template).render(
            boundary=self.boundary, **self.variables
        )
        system, _, user = text.partition(_USER_SECTION)
        return system.strip(), user.strip()

    def cache_key(self, tenant_id: uuid.UUID, provider: str, model: str) -> bytes:
        """SHA-256 of the canonical request: tenant, use case, prompt version, model, input."""
        canonical = json.dumps(
            {
                "tenant": str(tenant_id),
                "use_case": self.use_case.name,
                "prompt_version": self.use_case.prompt_version,
                "provider": provider,
                "model": model,
                "input": self.variables,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )
        return hashlib.sha256(canonical.encode()).digest()

    def suspicious(self) -> bool:
        """Does any cleaned input look like an instruction to the model?"""
        return injection_suspected(json.dumps(self.variables, ensure_ascii=False, default=str))
