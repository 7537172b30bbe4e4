"""The submission body (SPEC 6), its limits, and field-level errors in German for the page.

The limits mirror the database CHECKs, so bad input is refused here, before any database access.
A form post is turned into the same structure first, so both encodings share one validation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import msgspec

MAX_ITEMS = 50
MAX_COMMENT = 2000
# No NUL (PostgreSQL text cannot hold it) and no other C0 control except tab and newlines.
_PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

Comment = Annotated[str, msgspec.Meta(max_length=MAX_COMMENT, pattern=_PRINTABLE)]
Role = Literal["CHEF", "BUYER", "GM", "OTHER"]


class Contact(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(max_length=200, pattern=_PRINTABLE)] | None = None
    role: Role | None = None


class Item(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)]
    comment: Comment | None = None
    would_reorder: bool | None = None


class Submission(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    items: Annotated[list[Item], msgspec.Meta(min_length=1, max_length=MAX_ITEMS)]
    contact: Contact | None = None
    comment: Comment | None = None


class FieldError(msgspec.Struct):
    field: str
    message: str


class InvalidSubmissionError(Exception):
    """The body breaks a rule; `errors` name the fields (items[0].rating, contact.role, ...)."""

    def __init__(self, errors: Sequence[FieldError], detail: str) -> None:
        super().__init__(detail)
        self.errors = list(errors)
        self.detail = detail


# German messages for the page, by the last part of the field path.
_MESSAGES = {
    "rating": "Bitte vergeben Sie 1 bis 5 Sterne.",
    "comment": f"Bitte höchstens {MAX_COMMENT} Zeichen (ohne Steuerzeichen).",
    "name": "Bitte höchstens 200 Zeichen (ohne Steuerzeichen).",
    "role": "Bitte wählen Sie eine Funktion aus der Liste.",
    "items": f"Bitte bewerten Sie mindestens ein und höchstens {MAX_ITEMS} Produkte.",
    "sku": "Dieses Produkt ist nicht Teil der Probebox.",
    "would_reorder": "Bitte wählen Sie Ja, Nein oder keine Angabe.",
}
_AT = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
_FIELD_IN_MESSAGE = re.compile(r"field `(?P<name>[^`]+)`")


def german_message(field: str) -> str:
    last = re.sub(r"\[\d+\]$", "", field.rsplit(".", 1)[-1])
    return _MESSAGES.get(last, "Diese Angabe ist ungültig.")


def _field_of(error: msgspec.ValidationError) -> str:
    text = str(error)
    match = _AT.search(text)
    path = match.group("path") if match else ""
    named = _FIELD_IN_MESSAGE.search(text)
    if named and ("missing required field" in text or "unknown field" in text):
        path = f"{path}.{named.group('name')}" if path else named.group("name")
    return path or "body"


def decode_json(body: bytes) -> Submission:
    try:
        return msgspec.json.decode(body, type=Submission)
    except msgspec.ValidationError as exc:
        field = _field_of(exc)
        raise InvalidSubmissionError([FieldError(field, german_message(field))], str(exc)) from None
    except msgspec.DecodeError as exc:
        message = "Der Inhalt ist kein gültiges JSON."
        raise InvalidSubmissionError([FieldError("body", message)], str(exc)) from None


def _text(form: Mapping[str, str], key: str) -> str | None:
    value = form.get(key, "").strip()
    return value or None


def from_form(form: Mapping[str, str]) -> Submission:
    """The page's form fields (items-N-sku, items-N-rating, ...) as a Submission.

    A product the customer left completely untouched is not part of the submission; one with a
    comment or reorder answer but no stars is an error on its rating.
    """
    errors: list[FieldError] = []
    items: list[dict[str, Any]] = []
    for index in range(MAX_ITEMS):
        sku = _text(form, f"items-{index}-sku")
        if sku is None:
            continue
        rating = _text(form, f"items-{index}-rating")
        comment = _text(form, f"items-{index}-comment")
        reorder = _text(form, f"items-{index}-would_reorder")
        if rating is None and comment is None and reorder is None:
            continue
        item: dict[str, Any] = {"sku": sku, "comment": comment}
        item["would_reorder"] = {"ja": True, "nein": False}.get(reorder or "")
        if rating is None or not rating.isdigit():
            errors.append(FieldError(f"items[{index}].rating", german_message("rating")))
        else:
            item["rating"] = int(rating)
        items.append(item)
    contact = {"name": _text(form, "contact_name"), "role": _text(form, "contact_role")}
    data = {"items": items, "contact": contact, "comment": _text(form, "comment")}
    if errors:
        raise InvalidSubmissionError(errors, "rating missing")
    try:
        return msgspec.convert(data, type=Submission)
    except msgspec.ValidationError as exc:
        field = _field_of(exc)
        # items[i] of the converted list is not the form's index i when products were skipped
        match = re.match(r"items\[(\d+)\](.*)", field)
        if match:
            sku = items[int(match.group(1))]["sku"]
            index = next(
                i for i in range(MAX_ITEMS) if form.get(f"items-{i}-sku", "").strip() == sku
            )
            field = f"items[{index}]{match.group(2)}"
        raise InvalidSubmissionError([FieldError(field, german_message(field))], str(exc)) from None


def to_database(submission: Submission) -> bytes:
    """The JSON app_private.submit_feedback takes."""
    return msgspec.json.encode(submission)
