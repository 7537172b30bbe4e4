"""`freshplan ai calibrate` end to end: the shipped labelled set through both tiers of the fake
provider, the map and report stored, and the router using the newest map at once."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.ai_support import SMALL, AiStack, ai, ask, fakes  # noqa: F401 - fixtures
from tests.conftest import ROOT

LABELS = ROOT / "api/ai/labels/email_categorize.de.jsonl"


def calibrate(ai: AiStack, *args: str) -> subprocess.CompletedProcess[str]:  # noqa: F811
    return subprocess.run(
        [str(ROOT / ".venv/bin/freshplan"), "ai", "calibrate", *args],
        env=ai.cluster.env(ai.database) | ai.env(),
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


def test_calibrate_fits_stores_and_the_router_uses_the_map(
    ai: AiStack,  # noqa: F811
    token_for: Callable[..., str],
) -> None:
    result = calibrate(ai, "--use-case", "email_categorize", "--labels", str(LABELS))
    assert result.returncode == 0, result.stderr
    assert "escalation rate" in result.stdout
    assert "cascade accuracy" in result.stdout
    assert "257/257 items" in result.stderr
    items = len(LABELS.read_text(encoding="utf-8").splitlines())
    asked = ai.openai.models_asked()
    assert asked.count(SMALL["openai"]) == items
    assert asked.count("gpt-6.1-sol") == items

    [(model, version, mapping, report)] = ai.sql(
        "select model, prompt_version, map, report from app.ai_calibrations"
    )
    assert (model, version) == (SMALL["openai"], "v1")
    assert mapping["y"] == sorted(mapping["y"])
    assert report["items"] + report["fitted_on"] == items
    assert 0 <= report["escalation_rate"] <= 1
    assert report["small_share"] == 1 - report["escalation_rate"]

    # the router maps the next answer's confidence through the stored map (threshold 0: the
    # small answer stays, whatever the map says)
    ai.openai.reset()
    ai.openai.rules({"model": SMALL["openai"], "confidence": 0.99})
    ai.set_setting("ai.routing.confidence.threshold", "user", "0", "rep1@freshfoodz.example")
    service = ai.service()
    body = {"subject": "Bestellung", "body": "Bitte liefern Sie 5 Kartons."}
    answer = ask(service, token_for("rep1@freshfoodz.example"), "email_categorize", body).json()
    steps = [y for x, y in zip(mapping["x"], mapping["y"], strict=True) if x >= 0.99]
    assert answer["tier"] == "small"
    assert answer["confidence"] == (steps[0] if steps else mapping["y"][-1])


def test_a_bad_labels_file_names_its_line(ai: AiStack, tmp_path: Path) -> None:  # noqa: F811
    bad = tmp_path / "bad.jsonl"
    lines = LABELS.read_text(encoding="utf-8").splitlines()[:20]
    lines[4] = json.dumps({"subject": "x", "label": "ORDER"})
    bad.write_text("\n".join(lines), encoding="utf-8")
    result = calibrate(ai, "--use-case", "email_categorize", "--labels", str(bad))
    assert result.returncode != 0
    assert "bad.jsonl:5" in result.stderr
    assert ai.sql("select count(*) from app.ai_calibrations") == [(0,)]
