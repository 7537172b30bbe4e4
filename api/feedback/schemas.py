"""The submission body (SPEC 6), its limits, and field-level errors in German for the page.

The limits mirror the database CHECKs, so bad input is refused here, before any database access.
A form post is turned into the same structure first, so both encodings share one validation.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Final, Literal, get_args

import msgspec

from api.core.validation import field_of

# The limits of the form, in one place. Each mirrors a database rule, and
# tests/test_feedback_limits.py compares them with the catalog: the CHECKs of
# app.product_feedback, app.feedback_submissions and app.products, and submit_feedback's count.
MIN_ITEMS: Final = 1  # products rated per submission (submit_feedback: between 1 and 50)
MAX_ITEMS: Final = 50
MIN_RATING: Final = 1  # stars (product_feedback_rating_range)
MAX_RATING: Final = 5
MAX_COMMENT: Final = 2000  # characters, per product and overall (*_comment_length)
MAX_CONTACT_NAME: Final = 200  # characters (*_contact_name_length)
MAX_SKU: Final = 64  # characters (products_sku_format)
# No NUL (PostgreSQL text cannot hold it) and no other C0 control except tab and newlines.
_PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

Comment = Annotated[str, msgspec.Meta(max_length=MAX_COMMENT, pattern=_PRINTABLE)]
Role = Literal["CHEF", "BUYER", "GM", "OTHER"]
ROLES: Final[tuple[str, ...]] = get_args(Role)  # (*_contact_role_known)
ContactName = Annotated[str, msgspec.Meta(max_length=MAX_CONTACT_NAME, pattern=_PRINTABLE)]
Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_SKU, pattern=r"^[A-Za-z0-9._-]+$")]


class Contact(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: ContactName | None = None
    role: Role | None = None


class Item(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    sku: Sku
    rating: Annotated[int, msgspec.Meta(ge=MIN_RATING, le=MAX_RATING)]
    comment: Comment | None = None
    would_reorder: bool | None = None


class Submission(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    items: Annotated[list[Item], msgspec.Meta(min_length=MIN_ITEMS, max_length=MAX_ITEMS)]
    contact: Contact | None = None
    comment: Comment | None = None
    # A one-time key (the page puts one in its form): a submission posted again with the same
    # key through the same link is stored once and answered like the first time.
    submission_key: uuid.UUID | None = None


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
    "rating": f"Bitte vergeben Sie {MIN_RATING} bis {MAX_RATING} Sterne.",
    "comment": f"Bitte höchstens {MAX_COMMENT} Zeichen (ohne Steuerzeichen).",
    "name": f"Bitte höchstens {MAX_CONTACT_NAME} Zeichen (ohne Steuerzeichen).",
    "role": "Bitte wählen Sie eine Funktion aus der Liste.",
    "items": f"Bitte bewerten Sie mindestens ein und höchstens {MAX_ITEMS} Produkte.",
    "sku": "Dieses Produkt ist nicht Teil der Probebox.",
    "would_reorder": "Bitte wählen Sie Ja, Nein oder keine Angabe.",
    "submission_key": "Bitte laden Sie die Seite neu und senden Sie das Formular noch einmal.",
}


def german_message(field: str) -> str:
    last = re.sub(r"\[\d+\]$", "", field.rsplit(".", 1)[-1])
    return _MESSAGES.get(last, "Diese Angabe ist ungültig.")


def decode_json(body: bytes) -> Submission:
    try:
        return msgspec.json.decode(body, type=Submission)
    except msgspec.ValidationError as exc:
        field = field_of(exc)
        raise InvalidSubmissionError([FieldError(field, german_message(field))], str(exc)) from None
    except msgspec.DecodeError as exc:
        message = "Der Inhalt ist kein gültiges JSON."
        raise InvalidSubmissionError([FieldError("body", message)], str(exc)) from None


def _text(form: Mapping[str, str], key: str) -> str | None:
    # browsers send line breaks as CRLF, but count them as one character against maxlength
    value = form.get(key, "").replace("\r\n", "\n").strip()
    return value or None


def _page_field(form_indexes: Sequence[int], field: str) -> str:
    """A field path of the submission (items[0].sku) as the page's (items[3].sku): products the
    customer left untouched are not in the submission, so the numbering differs."""
    match = re.fullmatch(r"items\[(\d+)\](.*)", field)
    if not match or int(match.group(1)) >= len(form_indexes):
        return field
    return f"items[{form_indexes[int(match.group(1))]}]{match.group(2)}"


class PostedSubmission(msgspec.Struct, frozen=True):
    """A validated submission, and where each of its items sits on the page (form posts; a JSON
    body has no page, and its field paths stay as they are)."""

    submission: Submission
    form_indexes: list[int] = msgspec.field(default_factory=list)

    def page_field(self, field: str) -> str:
        return _page_field(self.form_indexes, field)


_RATINGS = {str(n): n for n in range(MIN_RATING, MAX_RATING + 1)}
_REORDER = {"": None, "ja": True, "nein": False}


def from_form(form: Mapping[str, str]) -> PostedSubmission:
    """The page's form fields (items-N-sku, items-N-rating, ...) as a Submission.

    A product the customer left completely untouched is not part of the submission; one with a
    comment or reorder answer but no stars is an error on its rating.
    """
    errors: list[FieldError] = []
    items: list[dict[str, Any]] = []
    indexes: list[int] = []
    for index in range(MAX_ITEMS):
        sku = _text(form, f"items-{index}-sku")
        if sku is None:
            continue
        rating = _text(form, f"items-{index}-rating")
        comment = _text(form, f"items-{index}-comment")
        reorder = _text(form, f"items-{index}-would_reorder") or ""
        if rating is None and comment is None and not reorder:
            continue
        if rating not in _RATINGS:
            errors.append(FieldError(f"items[{index}].rating", german_message("rating")))
        if reorder not in _REORDER:
            field = f"items[{index}].would_reorder"
            errors.append(FieldError(field, german_message(field)))
        items.append(
            {
                "sku": sku,
                "rating": _RATINGS.get(rating or ""),
                "comment": comment,
                "would_reorder": _REORDER.get(reorder),
            }
        )
        indexes.append(index)
    if errors:
        raise InvalidSubmissionError(errors, "; ".join(f"{e.field}: invalid" for e in errors))
    data = {
        "items": items,
        "contact": {"name": _text(form, "contact_name"), "role": _text(form, "contact_role")},
        "comment": _text(form, "comment"),
        "submission_key": _text(form, "submission_key"),
    }
    try:
        return PostedSubmission(msgspec.convert(data, type=Submission), indexes)
    except msgspec.ValidationError as exc:
        field = _page_field(indexes, field_of(exc))
        raise InvalidSubmissionError([FieldError(field, german_message(field))], str(exc)) from None


def to_database(submission: Submission) -> bytes:
    """The JSON app_private.submit_feedback takes."""
    return msgspec.json.encode(submission)
