"""The public feedback link end to end: phases started through the real PostgREST, the link used
through the real Litestar service, the database checked directly, mails through the real worker."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from typing import Any

import httpx

from tests.conftest import Cluster, Service, wait_until
from tests.feedback_support import ADLER, Feedback, start_feedback
from tests.smtp import SmtpServer

GONE_TITLE = "Dieser Link ist ungültig oder abgelaufen."
# Headers that differ between any two requests, whatever the token.
PER_REQUEST_HEADERS = {"date", "x-request-id"}


def stored_counts(feedback: Feedback) -> tuple[int, int, int]:
    return feedback.sql(
        "select (select count(*) from app.feedback_submissions),"
        " (select count(*) from app.product_feedback where source = 'FORM'),"
        " (select coalesce(sum(submissions), 0) from app_private.feedback_tokens)"
    )[0]


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def comparable(response: httpx.Response) -> tuple[int, bytes, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k.lower() not in PER_REQUEST_HEADERS}
    return response.status_code, response.content, headers


def test_token_lifecycle(feedback: Feedback) -> None:
    phase = feedback.start_phase()
    token = phase["feedback_token"]
    assert len(token) == 43
    assert phase["feedback_link"] == feedback.url(f"/feedback/{token}")
    assert phase["feedback_max_submissions"] == 5
    # the raw token is stored nowhere but in the pending invitation mail
    digest = feedback.scalar(
        "select encode(token_hash, 'hex') from app_private.feedback_tokens where phase_id = %s",
        [phase["id"]],
    )
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    assert (
        feedback.scalar(
            "select count(*) from app.audit_log where after::text like %s", [f"%{token}%"]
        )
        == 0
    )

    page = httpx.get(phase["feedback_link"], timeout=30)
    assert page.status_code == 200
    assert "Gasthof Zum Adler" in page.text
    assert "Rinderroulade, vorgegart" in page.text
    assert "Kartoffelgratin" in page.text
    assert "Panna Cotta" not in page.text  # not in this box

    metrics = httpx.get(feedback.url("/metrics"), timeout=30).text
    assert 'path="/feedback/{token}"' in metrics
    assert token not in metrics  # labels carry the route, never the link
    prefill = httpx.get(feedback.url(f"/api/feedback/{token}"), timeout=30).json()
    assert prefill["company_name"] == "Gasthof Zum Adler"
    assert [p["sku"] for p in prefill["products"]] == ["CF-1002", "CF-1001"]  # by name
    assert prefill["submissions_left"] == 5

    first = feedback.submit(
        token,
        {
            "contact": {"name": "Koch Karl", "role": "CHEF"},
            "items": [
                {"sku": "CF-1001", "rating": 5, "comment": "Sehr zart", "would_reorder": True},
                {"sku": "CF-1002", "rating": 3, "would_reorder": False},
            ],
            "comment": "Gern wieder.",
        },
    )
    assert first.status_code == 201, first.text
    assert first.json()["submissions_left"] == 4
    rows = feedback.rep.get("product_feedback", phase_id=f"eq.{phase['id']}", order="sku").json()
    assert [(r["sku"], r["rating"], r["would_reorder"], r["source"]) for r in rows] == [
        ("CF-1001", 5, True, "FORM"),
        ("CF-1002", 3, False, "FORM"),
    ]
    assert rows[0]["contact_role"] == "CHEF"
    assert rows[0]["submission_comment"] == "Gern wieder."
    activities = feedback.rep.get("activities", lead_id=f"eq.{ADLER}", kind="eq.SAMPLE_FEEDBACK")
    assert len(activities.json()) == 1
    assert activities.json()[0]["created_by"] is None
    notices = feedback.rep.get("notifications", kind="eq.FEEDBACK_RECEIVED").json()
    assert len(notices) == 1
    assert notices[0]["lead_id"] == ADLER

    # forwarded to the buyer and others: up to the cap, then the link is used up
    for left in (3, 2, 1, 0):
        again = feedback.submit(
            token, {"contact": {"role": "BUYER"}, "items": [{"sku": "CF-1002", "rating": 4}]}
        )
        assert again.status_code == 201
        assert again.json()["submissions_left"] == left
    assert feedback.submit(token).status_code == 410
    assert (
        len(feedback.rep.get("activities", lead_id=f"eq.{ADLER}", kind="eq.SAMPLE_FEEDBACK").json())
        == 1
    )
    state = feedback.rep.one("test_phases", id=f"eq.{phase['id']}")
    assert (state["feedback_link_state"], state["feedback_submissions"]) == ("EXHAUSTED", 5)

    rotated = feedback.rep.ok("rotate_feedback_token", {"phase_id": phase["id"]})
    assert rotated["feedback_token"] != token
    assert feedback.submit(token).status_code == 410
    assert feedback.submit(rotated["feedback_token"]).status_code == 201

    revoked = feedback.rep.ok("revoke_feedback_token", {"phase_id": phase["id"]})
    assert revoked["feedback_link_state"] == "REVOKED"
    assert feedback.submit(rotated["feedback_token"]).status_code == 410
    again = feedback.rep.rpc("revoke_feedback_token", {"phase_id": phase["id"]})
    assert (again.status_code, again.json()["code"]) == (409, "FP909")

    # expiry: a new link is valid for sample.feedback.tokenDays (30)
    fresh = feedback.manager.ok("rotate_feedback_token", {"phase_id": phase["id"]})
    assert feedback.submit(fresh["feedback_token"]).status_code == 201
    feedback.sql(
        "insert into app.clock_override (fixed_at) values (%s::timestamptz + interval '1 second')"
        " on conflict (singleton) do update set fixed_at = excluded.fixed_at",
        [fresh["feedback_link_expires_at"]],
    )
    assert feedback.submit(fresh["feedback_token"]).status_code == 410
    assert httpx.get(fresh["feedback_link"], timeout=30).status_code == 410

    # the service logged every request as a JSON line, and never a token
    log = feedback.api.log()
    for secret in (token, rotated["feedback_token"], fresh["feedback_token"]):
        assert secret not in log
    requests = [json.loads(line) for line in log.splitlines() if '"event": "request"' in line]
    paths = {entry["path"] for entry in requests}
    assert {"/feedback/***", "/api/feedback/***"} <= paths
    assert all(entry["request_id"] for entry in requests)


def test_a_transferred_lead_s_link_is_gone(feedback: Feedback) -> None:
    phase = feedback.start_phase()
    token = phase["feedback_token"]
    assert httpx.get(feedback.url(f"/api/feedback/{token}"), timeout=30).status_code == 200
    rep2 = feedback.scalar("select id::text from app.users where email = 'rep2@freshfoodz.example'")
    feedback.manager.ok(
        "transfer_lead",
        {"lead_id": ADLER, "new_owner_id": rep2, "reason": "Rep 1 moves to the south region"},
    )
    # the former owner's link does not reach into rep2's cycle
    assert httpx.get(feedback.url(f"/api/feedback/{token}"), timeout=30).status_code == 410
    assert httpx.get(phase["feedback_link"], timeout=30).status_code == 410
    gone = feedback.submit(token)
    assert (gone.status_code, gone.json()["code"]) == (410, "FP910")
    assert stored_counts(feedback) == (0, 0, 0)


def test_rotations_are_throttled(feedback: Feedback) -> None:
    phase = feedback.start_phase()
    for _ in range(3):
        feedback.rep.ok("rotate_feedback_token", {"phase_id": phase["id"]})
    refused = feedback.manager.rpc("rotate_feedback_token", {"phase_id": phase["id"]})
    assert (refused.status_code, refused.json()["code"]) == (429, "FP915")
    assert "you can replace it again from" in refused.json()["message"]
    assert (
        feedback.scalar(
            "select count(*) from app.jobs where template = 'feedback_invitation' and lead_id = %s",
            [ADLER],
        )
        == 4
    )


def test_unusable_tokens_are_indistinguishable(feedback: Feedback) -> None:
    tokens = {"unknown": secrets.token_urlsafe(32)}
    for kind in ("expired", "revoked", "exhausted"):
        phase = feedback.start_phase()
        tokens[kind] = phase["feedback_token"]
        change = {
            "expired": "expires_at = now() - interval '1 second'",
            "revoked": "revoked_at = now()",
            "exhausted": "submissions = max_submissions",
        }[kind]
        update = f"update app_private.feedback_tokens set {change} where phase_id = %s"  # noqa: S608
        feedback.sql(update, [phase["id"]])
    tokens["malformed"] = "not-a-token"
    assert all(len(t) == 43 for k, t in tokens.items() if k != "malformed")

    requests: dict[str, Callable[[str], httpx.Response]] = {
        "page": lambda t: httpx.get(
            feedback.url(f"/feedback/{t}"), headers={"Accept": "text/html"}
        ),
        "page as API client": lambda t: httpx.get(feedback.url(f"/feedback/{t}")),
        "prefill": lambda t: httpx.get(feedback.url(f"/api/feedback/{t}")),
        "submit": feedback.submit,
        "form submit": lambda t: httpx.post(
            feedback.url(f"/api/feedback/{t}"),
            data={"items-0-sku": "CF-1001", "items-0-rating": "4"},
            headers={"Accept": "text/html"},
        ),
    }
    for name, request in requests.items():
        answers = {kind: comparable(request(token)) for kind, token in tokens.items()}
        reference = answers["unknown"]
        assert reference[0] == 410, (name, reference)
        for kind, answer in answers.items():
            assert answer == reference, f"{name}: {kind} differs from unknown"
    problem = feedback.submit(tokens["expired"])
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json() == {
        "type": "https://freshplan.example/problems/FP910",
        "title": GONE_TITLE,
        "status": 410,
        "detail": GONE_TITLE,
        "code": "FP910",
    }
    page = httpx.get(
        feedback.url(f"/feedback/{tokens['revoked']}"), headers={"Accept": "text/html"}
    )
    assert page.headers["content-type"].startswith("text/html")
    assert GONE_TITLE in page.text
    assert stored_counts(feedback) == (0, 0, 5)  # only the exhausted fixture's count


def test_a_malformed_token_never_reaches_the_database(
    cluster: Cluster, seeded_database: str, api_for: Callable[..., Service]
) -> None:
    # The service's database is unreachable: anything that touched it would answer 503.
    api = api_for(
        seeded_database,
        FRESHPLAN_DATABASE_URL=f"host=127.0.0.1 port={cluster.port + 7} dbname=none user=svc_api",
    )
    well_formed = secrets.token_urlsafe(32)
    assert httpx.get(f"{api.url}/api/feedback/{well_formed}", timeout=30).status_code == 503
    for malformed in ("short", "x" * 44, "a" * 42 + "!", "%C3%A4" + "a" * 41, "a" * 42 + "="):
        for response in (
            httpx.get(f"{api.url}/api/feedback/{malformed}", timeout=30),
            httpx.get(f"{api.url}/feedback/{malformed}", timeout=30),
            httpx.post(f"{api.url}/api/feedback/{malformed}", json={"items": []}, timeout=30),
        ):
            assert response.status_code == 410, (malformed, response.text)
            assert response.json()["code"] == "FP910"


def test_twenty_concurrent_submissions_against_a_cap_of_five(feedback: Feedback) -> None:
    token = feedback.start_phase()["feedback_token"]
    body = {"items": [{"sku": "CF-1001", "rating": 5}, {"sku": "CF-1002", "rating": 2}]}
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = Counter(pool.map(lambda _: feedback.submit(token, body).status_code, range(20)))
    assert statuses == Counter({201: 5, 410: 15})
    assert stored_counts(feedback) == (5, 10, 5)
    assert (
        feedback.scalar("select count(*) from app.activities where kind = 'SAMPLE_FEEDBACK'") == 1
    )
    assert (
        feedback.scalar("select count(*) from app.audit_log where action = 'feedback.submitted'")
        == 5
    )


INVALID_BODIES: list[tuple[Any, str]] = [
    ({"items": [{"sku": "CF-1001", "rating": 0}]}, "items[0].rating"),
    ({"items": [{"sku": "CF-1001", "rating": 6}]}, "items[0].rating"),
    ({"items": [{"sku": "CF-1001", "rating": "5"}]}, "items[0].rating"),
    ({"items": [{"sku": "CF-1001"}]}, "items[0].rating"),
    ({"items": []}, "items"),
    ({"comment": "nur ein Kommentar"}, "items"),
    ({"items": [{"sku": "CF-1001", "rating": 4}] * 51}, "items"),
    ({"items": [{"sku": "CF-1001", "rating": 4, "comment": "x" * 2001}]}, "items[0].comment"),
    ({"items": [{"sku": "CF-1001", "rating": 4}], "comment": "y" * 2001}, "comment"),
    ({"items": [{"sku": "CF-1001", "rating": 4}], "comment": "a\u0000b"}, "comment"),
    ({"items": [{"sku": "CF-1001", "rating": 4}], "contact": {"role": "BOSS"}}, "contact.role"),
    (
        {"items": [{"sku": "CF-1001", "rating": 4}], "contact": {"name": "n" * 201}},
        "contact.name",
    ),
    ({"items": [{"sku": "CF-1001", "rating": 4}], "admin": True}, "admin"),
    (
        {"items": [{"sku": "CF-1001", "rating": 4, "would_reorder": "ja"}]},
        "items[0].would_reorder",
    ),
    ({"items": [{"sku": "CF-3001", "rating": 4}]}, "items[0].sku"),  # not in the box
    (
        {"items": [{"sku": "CF-1001", "rating": 4}, {"sku": "CF-1001", "rating": 2}]},
        "items[1].sku",
    ),
    ({"items": [{"sku": "<script>", "rating": 4}]}, "items[0].sku"),
    ([1, 2, 3], "body"),
]


def test_invalid_bodies_name_the_field_and_store_nothing(feedback: Feedback) -> None:
    token = feedback.start_phase()["feedback_token"]
    for body, field in INVALID_BODIES:
        response = feedback.submit(token, body)
        assert response.status_code == 422, (body, response.text)
        problem = response.json()
        assert problem["code"] == "FP911"
        assert [e["field"] for e in problem["errors"]] == [field], body
    assert stored_counts(feedback) == (0, 0, 0)
    assert feedback.submit(token).status_code == 201  # the link itself still works


def test_malformed_oversized_and_foreign_bodies(feedback: Feedback) -> None:
    token = feedback.start_phase()["feedback_token"]
    url = feedback.url(f"/api/feedback/{token}")
    broken = httpx.post(url, content=b'{"items": [', headers={"Content-Type": "application/json"})
    assert (broken.status_code, broken.json()["errors"][0]["field"]) == (422, "body")
    large = httpx.post(
        url, content=b" " * (16 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    assert (large.status_code, large.json()["code"]) == (413, "FP913")
    text = httpx.post(url, content=b"items=1", headers={"Content-Type": "text/plain"})
    assert (text.status_code, text.json()["code"]) == (415, "FP914")
    assert stored_counts(feedback) == (0, 0, 0)


def test_the_form_post_shows_inline_errors_then_redirects_to_the_thank_you_page(
    feedback: Feedback,
) -> None:
    token = feedback.start_phase(skus=("CF-1001", "CF-1002", "CF-3001"))["feedback_token"]
    url = feedback.url(f"/api/feedback/{token}")
    html = {"Accept": "text/html"}
    page = httpx.get(feedback.url(f"/feedback/{token}"), headers=html).text
    key = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', page)
    assert key is not None
    invalid = httpx.post(
        url,
        data={"items-0-sku": "CF-1002", "items-0-comment": "<b>lecker</b>", "contact_name": "Karl"},
        headers=html,
    )
    assert invalid.status_code == 422
    assert "Bitte vergeben Sie 1 bis 5 Sterne." in invalid.text
    assert "&lt;b&gt;lecker&lt;/b&gt;" in invalid.text  # kept, and escaped
    assert 'value="Karl"' in invalid.text
    for rating in ("\u00b2", "\u0663", "05", "5.0", "0"):  # superscript two, Arabic-Indic three
        odd = httpx.post(
            url, data={"items-0-sku": "CF-1002", "items-0-rating": rating}, headers=html
        )
        assert odd.status_code == 422, rating
    odd = httpx.post(
        url,
        data={
            "items-0-sku": "CF-1002",
            "items-0-rating": "3",
            "items-0-would_reorder": "vielleicht",
        },
        headers=html,
    )
    assert odd.status_code == 422
    assert "Bitte wählen Sie Ja, Nein oder keine Angabe." in odd.text
    # a SKU outside the box (only by tampering): the error lands at that product on the page
    outside = httpx.post(
        url,
        data={"items-1-sku": "CF-1002", "items-2-sku": "CF-2001", "items-2-rating": "4"},
        headers=html,
    )
    assert outside.status_code == 422
    assert 'id="items-2-rating-error"' in outside.text
    assert stored_counts(feedback) == (0, 0, 0)

    # line breaks arrive as CRLF but count once, as in the browser's maxlength
    comment = ("Gut.\r\n" * 400)[:2000]
    form = {
        "submission_key": key.group(1),
        "items-0-sku": "CF-1002",
        "items-0-rating": "5",
        "items-0-would_reorder": "ja",
        "items-1-sku": "CF-1001",
        "items-1-rating": "",
        "contact_role": "GM",
        "comment": comment,
    }
    sent = httpx.post(url, data=form, headers=html)
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == "/feedback/danke?noch=4"
    thanks = httpx.get(feedback.url(sent.headers["location"]), headers=html)
    assert thanks.status_code == 200
    assert "Vielen Dank für Ihr Feedback!" in thanks.text
    assert "noch 4 Rückmeldungen möglich" in thanks.text
    # the same form again (reload before the redirect, a double tap): stored once, same answer
    again = httpx.post(url, data=form, headers=html)
    assert (again.status_code, again.headers["location"]) == (303, "/feedback/danke?noch=4")
    assert feedback.sql(
        "select sku, rating, would_reorder, contact_role from app.product_feedback"
    ) == [("CF-1002", 5, True, "GM")]
    assert (
        feedback.scalar("select comment from app.feedback_submissions")
        == comment.replace("\r\n", "\n").strip()
    )
    assert stored_counts(feedback) == (1, 1, 1)


def test_browsers_get_pages_not_json(feedback: Feedback) -> None:
    token = feedback.start_phase()["feedback_token"]
    html = {"Accept": "text/html,application/xhtml+xml"}
    landed = httpx.get(feedback.url(f"/api/feedback/{token}"), headers=html)
    assert (landed.status_code, landed.headers["location"]) == (303, f"/feedback/{token}")
    url = feedback.url(f"/api/feedback/{token}")
    large = httpx.post(url, data={"comment": "x" * 17_000}, headers=html)
    assert large.status_code == 413
    assert large.headers["content-type"].startswith("text/html")
    assert "Die Nachricht ist zu groß." in large.text
    foreign = httpx.post(url, content=b"x", headers={**html, "Content-Type": "text/plain"})
    assert foreign.status_code == 415
    assert foreign.headers["content-type"].startswith("text/html")


def test_double_taps_through_the_json_api_are_stored_once(feedback: Feedback) -> None:
    token = feedback.start_phase()["feedback_token"]
    body = {"items": [{"sku": "CF-1001", "rating": 4}], "submission_key": str(uuid.uuid4())}
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: feedback.submit(token, body), range(4)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["submission_id"] for a in answers}) == 1
    assert stored_counts(feedback) == (1, 1, 1)


def test_security_headers_on_every_feedback_answer(feedback: Feedback) -> None:
    token = feedback.start_phase()["feedback_token"]
    for response in (
        httpx.get(feedback.url(f"/feedback/{token}")),
        httpx.get(feedback.url(f"/api/feedback/{token}")),
        httpx.get(feedback.url("/feedback/assets/feedback.css")),
        feedback.submit(secrets.token_urlsafe(32)),
        feedback.submit(token, {"items": []}),
    ):
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "http" not in csp  # no third-party origin


def test_rate_limits_per_token_and_per_ip(
    cluster: Cluster,
    seeded_database: str,
    postgrest: Service,
    api_for: Callable[..., Service],
    token_for: Callable[..., str],
) -> None:
    feedback = start_feedback(
        cluster,
        seeded_database,
        postgrest,
        api_for,
        token_for,
        FRESHPLAN_FEEDBACK_RATE_LIMIT_IP="5",
        FRESHPLAN_FEEDBACK_RATE_LIMIT_TOKEN="3",
    )
    token = feedback.start_phase()["feedback_token"]
    prefill = feedback.url(f"/api/feedback/{token}")
    assert [httpx.get(prefill).status_code for _ in range(3)] == [200, 200, 200]
    limited = httpx.get(prefill)
    assert (limited.status_code, limited.json()["code"]) == (429, "FP912")
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    # another token still has its own budget, until the address has used its 5 per minute
    other = feedback.url(f"/api/feedback/{secrets.token_urlsafe(32)}")
    assert httpx.get(other).status_code == 410
    by_ip = httpx.get(other)
    assert (by_ip.status_code, by_ip.json()["code"]) == (429, "FP912")
    assert "retry-after" in by_ip.headers
    spoofed = httpx.get(other, headers={"X-Forwarded-For": "198.51.100.23"})
    assert spoofed.status_code == 429  # no trusted proxy is configured: the header is ignored
    page = httpx.get(feedback.url(f"/feedback/{token}"), headers={"Accept": "text/html"})
    assert page.status_code == 429
    assert "Zu viele Anfragen" in page.text


def test_feedback_renews_a_lead_in_grace(
    feedback: Feedback, clock: Callable[[str | None], None]
) -> None:
    clock("2027-01-10 09:00+00")
    lead = feedback.rep.ok(
        "register_lead",
        {
            "company_name": "Kantine Süd",
            "postal_code": "10117",
            "city": "Berlin",
            "contact_email": "kueche@kantine-sued.example",
        },
    )
    clock("2027-03-14 09:00+00")  # progress was due on 11 March: GRACE until 21 March
    assert feedback.rep.one("lead_protection", lead_id=f"eq.{lead['id']}")["status"] == "GRACE"
    phase = feedback.start_phase(lead["id"])  # the owner may still send samples in GRACE
    clock("2027-03-15 09:00+00")
    assert feedback.rep.one("lead_protection", lead_id=f"eq.{lead['id']}")["status"] == "GRACE"
    assert feedback.submit(phase["feedback_token"]).status_code == 201
    protection = feedback.rep.one("lead_protection", lead_id=f"eq.{lead['id']}")
    assert protection["status"] == "ACTIVE"
    assert protection["last_progress_at"] == "2027-03-15T09:00:00+00:00"


def test_invitation_and_reminder_mails(
    feedback: Feedback, smtp_server: SmtpServer, worker_for: Callable[..., Any]
) -> None:
    lead = feedback.rep.ok(
        "register_lead",
        {
            "company_name": "Hotel Post",
            "postal_code": "80331",
            "city": "München",
            "contact_name": "Frau Post",
            "contact_email": "kueche@hotel-post.example",
        },
    )
    phase = feedback.start_phase(lead["id"])
    token = phase["feedback_token"]
    reminder_due = feedback.scalar(
        "select next_attempt_at - now() from app.jobs where template = 'feedback_reminder'"
    )
    assert 4.9 < reminder_due.total_seconds() / 86400 <= 5.0
    worker_for(feedback.database, smtp_server.url)
    wait_until(lambda: len(smtp_server.recorder.received()) == 1, 30, "the invitation is sent")
    recipients, message = smtp_server.recorder.received()[0]
    assert recipients == ["kueche@hotel-post.example"]
    assert message["Subject"] == "Ihre FreshFoodz-Probebox: Wie hat es Ihnen geschmeckt?"
    text = plain_text(message)
    assert "Guten Tag Frau Post," in text
    assert phase["feedback_link"] in text
    assert "Rinderroulade, vorgegart" in text
    # once sent, the link is gone from the job (the worker records DONE just after the SMTP
    # server has the message: wait for that commit, a loaded machine can take a moment)
    wait_until(
        lambda: (
            feedback.scalar("select state from app.jobs where template = 'feedback_invitation'")
            == "DONE"
        ),
        30,
        "the worker records the invitation as sent",
    )
    assert (
        feedback.scalar(
            "select payload ? 'link' from app.jobs where template = 'feedback_invitation'"
        )
        is False
    )

    # five days later, without feedback: the one reminder (time moved by making it due now)
    feedback.sql("update app.jobs set next_attempt_at = now() where template = 'feedback_reminder'")
    wait_until(lambda: len(smtp_server.recorder.received()) == 2, 30, "the reminder is sent")
    reminder = smtp_server.recorder.received()[1][1]
    assert reminder["Subject"] == "Erinnerung: Ihr Feedback zur FreshFoodz-Probebox"
    assert token in plain_text(reminder)

    # with feedback before the reminder is due, the reminder is cancelled and forgets the link
    second = feedback.start_phase(lead["id"])
    assert feedback.submit(second["feedback_token"]).status_code == 201
    cancelled = feedback.sql(
        "select state, payload ? 'link' from app.jobs"
        " where dedupe_key like 'feedback_reminder:%%' order by created_at desc limit 1"
    )
    assert cancelled == [("CANCELLED", False)]
    assert (
        json.dumps(feedback.sql("select payload from app.jobs where state <> 'PENDING'")).find(
            second["feedback_token"]
        )
        == -1
    )
    # a new link for a phase that already has feedback gets an invitation, but no reminder
    feedback.rep.ok("rotate_feedback_token", {"phase_id": second["id"]})
    assert feedback.sql(
        "select template from app.jobs where state = 'PENDING' and template like 'feedback%%'"
    ) in ([("feedback_invitation",)], [])
    assert (
        feedback.scalar("select count(*) from app.jobs where template = 'feedback_invitation'") == 3
    )
    assert (
        feedback.scalar(
            "select count(*) from app.jobs where template = 'feedback_reminder'"
            " and state = 'PENDING'"
        )
        == 0
    )

    # a phase that starts later: the invitation goes out at 8 o'clock (Berlin) on its first day,
    # and the reminder and the link's 30 days count from then
    later = feedback.start_phase(lead["id"], start_date="2027-02-01")
    assert later["feedback_link_expires_at"] == "2027-03-03T07:00:00+00:00"
    due = feedback.sql(
        "select template, next_attempt_at from app.jobs o join app_private.feedback_tokens t"
        " on o.dedupe_key in ('feedback_invitation:' || t.id, 'feedback_reminder:' || t.id)"
        " where t.token_hash = sha256(%s::bytea) order by 2",
        [later["feedback_token"].encode()],
    )
    assert [(template, at.isoformat()) for template, at in due] == [
        ("feedback_invitation", "2027-02-01T07:00:00+00:00"),
        ("feedback_reminder", "2027-02-06T07:00:00+00:00"),
    ]
