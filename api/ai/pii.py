"""Personal data out of every prompt, cache key and log line (SPEC 7.3).

A `PiiMasker` lives for one request. `mask` replaces e-mail addresses, phone numbers, IBANs (only
when the ISO 13616 mod-97 check passes) and payment cards (only when the Luhn check passes) with
numbered typed placeholders (`<EMAIL_1>`); the same value gets the same placeholder in every field
of the request. `unmask` puts the values back, for an answer meant for the caller (help_draft).

A hostile text may itself contain `<EMAIL_1>` to make unmask insert another value into a draft.
So `mask` first neutralises every placeholder look-alike in its input (`<EMAIL_1>` becomes
`\u2039EMAIL_1\u203a`, in single angle quotation marks), and `unmask` only replaces the
placeholders this instance created.

Names are not recognised: German person-name recognition is unreliable, so prompts are built
without contact names instead (api.ai.repository).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable

_PLACEHOLDER = re.compile(r"<(EMAIL|PHONE|IBAN|CARD)_(\d+)>")
_LOOKALIKE = re.compile(r"<\s*(EMAIL|PHONE|IBAN|CARD)_(\d+)\s*>", re.IGNORECASE)

# Letters of any script in the local part and the domain (info@müller-bäckerei.de).
_EMAIL = re.compile(
    r"(?<![\w.+-])[^\W_][\w.%+-]*@[^\W_](?:[\w-]*[^\W_])?"
    r"(?:\.[^\W_](?:[\w-]*[^\W_])?)*\.[^\W\d_]{2,}\b"
)
# Country code, check digits, then 11-30 alphanumerics, optionally grouped in fours.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b", re.IGNORECASE)
_IBAN_LENGTHS = {
    "DE": 22, "AT": 20, "CH": 21, "NL": 18, "FR": 27, "IT": 27, "ES": 24, "BE": 16, "LU": 20,
    "PL": 28, "DK": 18, "GB": 22, "IE": 22, "PT": 25, "SE": 24, "NO": 15, "FI": 18, "CZ": 24,
}  # fmt: skip
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
# A leading + or 0, then digits with spaces, slashes, dashes, dots or a bracketed part.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)\d{1,3}[ ./-]?(?:\(0\)[ ]?)?\d[\d ./-]{4,}\d"
    r"|(?<![\w])\(0\d{1,5}\)[ ]?\d[\d ./-]{3,}\d"
    r"|(?<![\w.,])0\d{2,5}[ /-]+\d[\d ./-]{3,}\d"
    r"|(?<![\w.,])0\d{6,14}(?![\d.,])"
)
_DIGITS = re.compile(r"\d")
_KEPT = re.compile("\ue000(\\d+)\ue001")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def iban_valid(candidate: str) -> bool:
    compact = re.sub(r"\s", "", candidate).upper()
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    if not 15 <= len(compact) <= 34:
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def luhn_valid(candidate: str) -> bool:
    digits = [int(d) for d in re.sub(r"\D", "", candidate)]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if position % 2 == 1 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def normalise(text: str) -> str:
    r"""NFC; invisible and bidi characters removed; other controls (not \\n, \\t) become spaces;
    runs of spaces collapsed, trailing spaces and 3+ blank lines trimmed."""
    # invisible characters first: between a letter and its accent they would stop NFC from
    # composing them, and a second pass would give another text (and another cache key)
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    lines = [re.sub(r"[ \t]+", " ", line).rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class PiiMasker:
    """Masks personal data consistently across one request and can put it back."""

    def __init__(self) -> None:
        self._by_value: dict[tuple[str, str], str] = {}
        self._by_placeholder: dict[str, str] = {}
        self._counts: Counter[str] = Counter()

    def mask(self, text: str) -> str:
        text = text.replace("\ue000", "").replace("\ue001", "")  # our markers below
        text = _LOOKALIKE.sub(lambda m: f"\u2039{m.group(1)}_{m.group(2)}\u203a", text)
        # An IBAN-shaped string that fails its check is kept whole: set aside while the other
        # recognisers run, so that its digits are not taken for a phone or card number.
        kept: list[str] = []

        def iban(match: re.Match[str]) -> str:
            masked = self._longest_valid("IBAN", match.group(0), iban_valid, " ")
            if masked is not None:
                return masked
            kept.append(match.group(0))
            return f"\ue000{len(kept) - 1}\ue001"

        def card(match: re.Match[str]) -> str:
            masked = self._longest_valid("CARD", match.group(0), luhn_valid, " -")
            return match.group(0) if masked is None else masked

        text = _IBAN.sub(iban, text)
        text = _CARD.sub(card, text)
        text = _EMAIL.sub(lambda m: self._replace("EMAIL", m.group(0)), text)
        text = _PHONE.sub(lambda m: self._replace("PHONE", m.group(0), _enough_digits), text)
        return _KEPT.sub(lambda m: kept[int(m.group(1))], text) if kept else text

    def _longest_valid(
        self, kind: str, candidate: str, valid: Callable[[str], bool], separators: str
    ) -> str | None:
        """The candidate masked, or its longest valid head (a greedy match may take the next
        word, as in "IBAN AT61 1904 3002 3457 3201 BIC ..."); None when no head is valid."""
        parts = re.split(f"([{re.escape(separators)}])", candidate)
        for end in range(len(parts), 0, -2):
            head = "".join(parts[:end])
            if valid(head):
                return self._replace(kind, head) + "".join(parts[end:])
        return None

    def unmask(self, text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: self._by_placeholder.get(m.group(0), m.group(0)), text)

    @property
    def counts(self) -> dict[str, int]:
        """How many distinct values of each type were masked (for logs: never the values)."""
        return dict(self._counts)

    def _replace(self, kind: str, value: str, valid: object = None) -> str:
        if callable(valid) and not valid(value):
            return value
        key = (kind, _canonical(kind, value))
        placeholder = self._by_value.get(key)
        if placeholder is None:
            self._counts[kind] += 1
            placeholder = f"<{kind}_{self._counts[kind]}>"
            self._by_value[key] = placeholder
            self._by_placeholder[placeholder] = value
        return placeholder


def _canonical(kind: str, value: str) -> str:
    if kind == "EMAIL":
        return value.lower()
    return re.sub(r"[\s./()-]", "", value).upper()


def _enough_digits(value: str) -> bool:
    return len(_DIGITS.findall(value)) >= 7
