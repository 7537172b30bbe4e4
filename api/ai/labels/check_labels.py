"""Check the labelled e-mail set: python api/ai/labels/check_labels.py [FILE].

Every line is a JSON object with exactly subject, body, sender and label (non-empty strings), the
label is one of LABELS, no two lines share subject and body, each label has at least MIN_PER_LABEL
lines, every e-mail address and URL host uses the .example TLD, every German IBAN passes mod 97
and every card number passes Luhn. Prints the counts per label and exits 1 on any failure.
"""

import collections
import json
import pathlib
import re
import sys

LABELS = (
    "SAMPLE_REQUEST",
    "APPOINTMENT",
    "ORDER",
    "PRICE_QUESTION",
    "COMPLAINT",
    "OUT_OF_OFFICE",
    "NEWSLETTER",
    "OTHER",
)
KEYS = {"subject", "body", "sender", "label"}
MIN_PER_LABEL = 25
DEFAULT_FILE = pathlib.Path(__file__).with_name("email_categorize.de.jsonl")

IBAN_RE = re.compile(r"\bDE\d{2}(?: ?\d{4}){4} ?\d{2}\b")
CARD_RE = re.compile(r"\b\d{4}(?:[ -]?\d{4}){3}\b")
EMAIL_RE = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
URL_RE = re.compile(r"\b(?:https?://|www\.)([\w-]+(?:\.[\w-]+)+)")


def iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return len(compact) == 22 and int(digits) % 97 == 1


def luhn_ok(number: str) -> bool:
    total = 0
    for i, digit in enumerate(int(ch) for ch in reversed(number) if ch.isdigit()):
        doubled = digit * 2 if i % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def check_text(text: str) -> tuple[list[str], int, int]:
    """Errors for hosts, IBANs and card numbers in text, and how many IBANs and cards it holds."""
    errors = [
        f"host {host!r} is not under .example"
        for host in EMAIL_RE.findall(text) + URL_RE.findall(text)
        if not host.lower().endswith(".example")
    ]
    ibans = IBAN_RE.findall(text)
    cards = CARD_RE.findall(IBAN_RE.sub("", text))
    errors += [f"IBAN {iban!r} fails mod 97" for iban in ibans if not iban_ok(iban)]
    errors += [f"card number {card!r} fails Luhn" for card in cards if not luhn_ok(card)]
    return errors, len(ibans), len(cards)


def parse(n: int, line: str) -> tuple[dict[str, str] | None, str | None]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"line {n}: not JSON ({exc})"
    if not isinstance(row, dict) or set(row) != KEYS:
        return None, f"line {n}: keys must be exactly {sorted(KEYS)}"
    if not all(isinstance(row[k], str) and row[k].strip() for k in KEYS):
        return None, f"line {n}: every value must be a non-empty string"
    if row["label"] not in LABELS:
        return None, f"line {n}: unknown label {row['label']!r}"
    return row, None


def check(path: pathlib.Path) -> list[str]:
    errors: list[str] = []
    counts: collections.Counter[str] = collections.Counter()
    seen: dict[tuple[str, str], int] = {}
    ibans = cards = 0
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        row, error = parse(n, line)
        if row is None:
            errors.append(str(error))
            continue
        counts[row["label"]] += 1
        key = (row["subject"], row["body"])
        if key in seen:
            errors.append(f"line {n}: same subject and body as line {seen[key]}")
        seen.setdefault(key, n)
        text_errors, n_ibans, n_cards = check_text("\n".join(row[k] for k in sorted(KEYS)))
        errors += [f"line {n}: {e}" for e in text_errors]
        ibans += n_ibans
        cards += n_cards
    errors += [
        f"label {label}: {counts[label]} lines, fewer than {MIN_PER_LABEL}"
        for label in LABELS
        if counts[label] < MIN_PER_LABEL
    ]
    for label in LABELS:
        print(f"{label:<15} {counts[label]:>4}")
    total = sum(counts.values())
    print(f"{'total':<15} {total:>4}   ({ibans} IBANs, {cards} card numbers checked)")
    return errors


def main() -> int:
    path = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FILE
    errors = check(path)
    for error in errors:
        print(error, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
