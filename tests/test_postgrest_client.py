"""The api schema through the ordinary PostgREST client (postgrest-py), as the React frontend uses
it (SPEC 4.3): resource embedding of every lead pair in both directions, exact counts, paging,
ordering and filters, and the OpenAPI document.

The relationships to and from a lead are computed relationships (sql/migrations/
R__90_api_relationships.sql); the pairs among the sample views PostgREST infers from the foreign
keys. Either way an embedding must hold exactly the rows the child view itself returns to the
caller, so every check compares the embedded rows with a separate select of the child view.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
import psycopg
import pytest
from postgrest import CountMethod, SyncPostgrestClient, SyncSelectRequestBuilder

from tests.api_client import Api
from tests.conftest import Cluster, Service

Row = dict[str, Any]

REP1 = "rep1@freshfoodz.example"
REP2 = "rep2@freshfoodz.example"
MANAGER = "manager@freshfoodz.example"
AUDITOR = "auditor@freshfoodz.example"
ADMIN = "admin@freshfoodz.example"
NK_REP = "rep1@nordkueche.example"
NK_ADMIN = "admin@nordkueche.example"

# sql/seed/demo.sql
ADLER = "40000000-0000-4000-8000-000000000001"  # rep1's, ACTIVE, with a sample box and a test phase
ADLER_PHASE = "81000000-0000-4000-8000-000000000001"
REP3_ID = "30000000-0000-4000-8000-000000000006"

LEAD_CHILDREN = (
    "activities",
    "holds",
    "collaborators",
    "extension_requests",
    "audit_log",
    "sample_boxes",
    "test_phases",
    "test_results",
    "product_feedback",
    "notifications",
)
VIEWS = ("leads", "lead_protection", *LEAD_CHILDREN)


@dataclass(frozen=True)
class Pair:
    """`GET /<parent>?select=*,<child>(*)` embeds the child rows whose `child_key` equals the
    parent's `parent_key`: a list, or for a to-one pair one object (null when there is none)."""

    parent: str
    child: str
    parent_key: str
    child_key: str
    to_one: bool

    def __str__(self) -> str:
        return f"{self.parent} -> {self.child}"


PAIRS = (
    Pair("leads", "lead_protection", "id", "lead_id", to_one=True),
    Pair("lead_protection", "leads", "lead_id", "id", to_one=True),
    *(Pair("leads", child, "id", "lead_id", to_one=False) for child in LEAD_CHILDREN),
    *(Pair(child, "leads", "lead_id", "id", to_one=True) for child in LEAD_CHILDREN),
    # inferred from the foreign keys of the sample tables
    Pair("sample_boxes", "test_phases", "id", "box_id", to_one=False),
    Pair("test_phases", "sample_boxes", "box_id", "id", to_one=True),
    Pair("test_phases", "test_results", "id", "phase_id", to_one=False),
    Pair("test_results", "test_phases", "phase_id", "id", to_one=True),
    Pair("test_phases", "product_feedback", "id", "phase_id", to_one=False),
    Pair("product_feedback", "test_phases", "phase_id", "id", to_one=True),
)


def as_rows(data: object) -> list[Row]:
    assert isinstance(data, list), data
    rows: list[Row] = []
    for row in data:
        assert isinstance(row, dict), row
        rows.append(dict(row))
    return rows


class Frontend:
    """A postgrest-py client as the frontend builds it, plus a record of every HTTP answer."""

    def __init__(self, base_url: str, token: str) -> None:
        self.client = SyncPostgrestClient(
            base_url, schema="api", headers={"Authorization": f"Bearer {token}"}
        )
        self.responses: list[httpx.Response] = []
        self.client.session.event_hooks["response"].append(self.responses.append)

    def rows(self, query: SyncSelectRequestBuilder, status: int = 200) -> list[Row]:
        """Execute a select; the answer must have `status` and be a list of rows."""
        data = query.execute().data
        assert self.responses[-1].status_code == status, self.responses[-1].text
        return as_rows(data)

    def select(self, view: str, columns: str = "*") -> list[Row]:
        return self.rows(self.client.from_(view).select(columns))

    def close(self) -> None:
        self.client.aclose()


@dataclass
class World:
    """The demo seed plus rows made through the api for every child view and caller."""

    url: str
    tokens: dict[str, str]
    # rep2's protected lead (rep1 neither owns nor collaborates on it) and its rows' ids
    rep2_lead: str = ""
    rep2_ids: set[str] = field(default_factory=set)
    # a Nordküche lead and its rows' ids
    nk_lead: str = ""
    nk_ids: set[str] = field(default_factory=set)
    frontends: list[Frontend] = field(default_factory=list)

    def frontend(self, email: str) -> Frontend:
        frontend = Frontend(self.url, self.tokens[email])
        self.frontends.append(frontend)
        return frontend


def fill_lead(api: Api, lead_id: str, sku: str, ids: set[str]) -> None:
    """An activity, a hold, a sample box, a test phase with a result and feedback, via the api."""
    ids.add(
        api.ok("log_activity", {"lead_id": lead_id, "kind": "MEETING", "note": "Verkostung"})["id"]
    )
    ids.add(api.ok("add_hold", {"lead_id": lead_id, "reason": "CUSTOMER_BLOCKED"})["id"])
    box = api.ok("create_sample_box", {"lead_id": lead_id, "items": [{"sku": sku, "qty": 1}]})
    phase = api.ok(
        "start_test_phase",
        {"box_id": box["id"], "stage": "SAMPLE", "start_date": date.today().isoformat()},  # noqa: DTZ011
    )
    result = api.ok("record_test_result", {"phase_id": phase["id"], "sku": sku, "outcome": "MIXED"})
    feedback = api.ok(
        "log_feedback", {"phase_id": phase["id"], "sku": sku, "rating": 3, "source": "PHONE"}
    )
    ids.update({box["id"], phase["id"], result["id"], feedback["id"]})


# Tokens from the real `freshplan token`, minted once: every seeded clone has the same users, so a
# token stays valid across the tests of this module (each command takes a second or two).
TOKENS: dict[str, str] = {}


@pytest.fixture
def world(
    postgrest: Service, token_for: Callable[..., str], clock: Callable[[str | None], None]
) -> Iterator[World]:
    # Protection status, held days and link states are computed from the clock at read time: one
    # fixed instant makes the separate selects comparable.
    clock(datetime.now(UTC).isoformat())
    for email in (REP1, REP2, MANAGER, AUDITOR, ADMIN, NK_REP, NK_ADMIN):
        if email not in TOKENS:
            TOKENS[email] = token_for(email)
    tokens = dict(TOKENS)
    world = World(postgrest.url, tokens)
    api = {email: Api(postgrest.url, token) for email, token in tokens.items()}
    least = {"key": "lead.protection.mode", "scope": "tenant", "value": "LEAST"}
    api[ADMIN].ok("set_setting", least)  # extension requests need mode LEAST
    api[NK_ADMIN].ok("set_setting", least)

    # rep1 on their own lead: everything a child view can hold, and a notification about it
    rep1 = api[REP1]
    rep1.ok("log_activity", {"lead_id": ADLER, "kind": "QUALIFIED_CALL"})
    # a customer hold waits for a manager, whose decision notifies rep1
    hold = rep1.ok("add_hold", {"lead_id": ADLER, "reason": "CUSTOMER_BLOCKED"})
    assert hold["state"] == "PENDING"
    api[MANAGER].ok("decide_hold", {"hold_id": hold["id"], "approve": True})
    rep1.ok("request_extension", {"lead_id": ADLER, "days": 10, "reason": "Entscheidung im Mai"})
    rep1.ok(
        "log_feedback", {"phase_id": ADLER_PHASE, "sku": "CF-1001", "rating": 5, "source": "VISIT"}
    )

    # rep2's protected lead, which rep1 must never see, embedded or not
    rep2 = api[REP2]
    lead = rep2.ok(
        "register_lead",
        {"company_name": "Gasthaus Zur Post", "postal_code": "39104", "city": "Magdeburg"},
    )
    world.rep2_lead = lead["id"]
    world.rep2_ids.add(lead["id"])
    fill_lead(rep2, lead["id"], "CF-2001", world.rep2_ids)
    request = {"lead_id": lead["id"], "days": 5, "reason": "Neuer Küchenchef"}
    world.rep2_ids.add(rep2.ok("request_extension", request)["id"])
    rep2.ok("add_collaborator", {"lead_id": lead["id"], "user_id": REP3_ID, "role": "VIEW"})

    # another tenant's lead with the same kinds of rows
    nk = api[NK_REP]
    lead = nk.ok(
        "register_lead", {"company_name": "Fischhaus Nord", "postal_code": "24103", "city": "Kiel"}
    )
    world.nk_lead = lead["id"]
    world.nk_ids.add(lead["id"])
    fill_lead(nk, lead["id"], "NK-01", world.nk_ids)
    request = {"lead_id": lead["id"], "days": 5, "reason": "Saisonbetrieb"}
    world.nk_ids.add(nk.ok("request_extension", request)["id"])

    yield world
    for frontend in world.frontends:
        frontend.close()


def canonical(rows: list[Row]) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True) for row in rows)


def check_pair(frontend: Frontend, pair: Pair) -> tuple[int, list[str]]:
    """Embed `pair` and compare with separate selects of both views: (embedded rows, problems)."""
    problems: list[str] = []
    embedded = frontend.select(pair.parent, f"*, {pair.child}(*)")
    parents = frontend.select(pair.parent)
    children = frontend.select(pair.child)

    plain = [{k: v for k, v in row.items() if k != pair.child} for row in embedded]
    if canonical(plain) != canonical(parents):
        problems.append(f"{pair}: embedding changed the {pair.parent} rows")

    count = 0
    for row in embedded:
        expected = [c for c in children if c[pair.child_key] == row[pair.parent_key]]
        got = row.get(pair.child, "missing")
        if pair.to_one:
            want: Any = expected[0] if len(expected) == 1 else None
            if len(expected) > 1 or got != want:
                problems.append(
                    f"{pair}: {row[pair.parent_key]} embeds {got!r}, the view has {expected!r}"
                )
            if isinstance(got, dict):
                count += 1
        else:
            if not isinstance(got, list) or canonical(got) != canonical(expected):
                problems.append(
                    f"{pair}: {row[pair.parent_key]} embeds {got!r}, the view has {expected!r}"
                )
            count += len(got) if isinstance(got, list) else 0
    return count, problems


@pytest.mark.parametrize("email", [REP1, MANAGER, AUDITOR])
def test_every_pair_embeds_exactly_what_the_child_view_shows(world: World, email: str) -> None:
    frontend = world.frontend(email)
    problems: list[str] = []
    empty: set[str] = set()
    for pair in PAIRS:
        count, found = check_pair(frontend, pair)
        problems += found
        if count == 0:
            empty.add(str(pair))

    assert problems == []
    # Every pair has rows to compare for every caller (so none of the checks above is vacuous),
    # except an auditor's notifications: nothing notifies auditors in this data.
    allowed_empty = (
        {"leads -> notifications", "notifications -> leads"} if email == AUDITOR else set()
    )
    assert empty == allowed_empty


def test_a_reps_embeddings_show_no_other_reps_protected_lead_and_no_other_tenant(
    world: World,
) -> None:
    rep = world.frontend(REP1)
    seen = json.dumps(
        [rep.select(pair.parent, f"*, {pair.child}(*)") for pair in PAIRS]
        + [rep.select(view) for view in VIEWS]
    )
    assert [i for i in world.rep2_ids | world.nk_ids if i in seen] == []

    # addressed directly, rep2's lead and its children are not there either
    query = rep.client.from_("leads").select("*, activities(*), holds(*)").eq("id", world.rep2_lead)
    assert rep.rows(query) == []
    for child in LEAD_CHILDREN:
        query = rep.client.from_(child).select("*, leads(*)").eq("lead_id", world.rep2_lead)
        assert rep.rows(query) == [], child

    # a manager sees rep2's lead with all of it; still nothing of the other tenant
    manager = world.frontend(MANAGER)
    lead = manager.rows(
        manager.client.from_("leads")
        .select("id, " + ", ".join(f"{child}(*)" for child in LEAD_CHILDREN))
        .eq("id", world.rep2_lead)
    )
    assert len(lead) == 1
    embedded = json.dumps(lead)
    assert [i for i in world.rep2_ids if i not in embedded] == []
    assert {c["user_id"] for c in lead[0]["collaborators"]} == {REP3_ID}
    nested = manager.rows(
        manager.client.from_("leads")
        .select("id, sample_boxes(*, test_phases(*, test_results(*), product_feedback(*)))")
        .eq("id", world.rep2_lead)
    )
    [box] = nested[0]["sample_boxes"]
    [phase] = box["test_phases"]
    assert (len(phase["test_results"]), len(phase["product_feedback"])) == (1, 1)
    assert {box["id"], phase["id"]} <= world.rep2_ids
    seen = json.dumps([manager.select(pair.parent, f"*, {pair.child}(*)") for pair in PAIRS])
    assert [i for i in world.nk_ids if i in seen] == []

    # and the other tenant's rep sees their own lead embedded, nothing of FreshFoodz
    nk = world.frontend(NK_REP)
    own = nk.rows(
        nk.client.from_("leads").select("*, activities(*), test_phases(*, test_results(*))")
    )
    assert [row["id"] for row in own] == [world.nk_lead]
    assert len(own[0]["activities"]) == 1
    assert len(own[0]["test_phases"][0]["test_results"]) == 1
    seen = json.dumps([nk.select(pair.parent, f"*, {pair.child}(*)") for pair in PAIRS])
    assert ADLER not in seen
    assert world.rep2_lead not in seen


def test_exact_counts_and_paging_with_embedding(world: World) -> None:
    manager = world.frontend(MANAGER)
    everything = manager.rows(
        manager.client.from_("leads")
        .select("id, company_name, activities(id)")
        .order("company_name")
        .order("id")
    )
    assert len(everything) >= 5

    def page(start: int, end: int) -> tuple[list[Row], int | None]:
        response = (
            manager.client.from_("leads")
            .select("id, company_name, activities(id)", count=CountMethod.exact)
            .order("company_name")
            .order("id")
            .range(start, end)
            .execute()
        )
        # a part of the whole is 206 Partial Content with the range and the exact total
        assert manager.responses[-1].status_code == 206
        assert manager.responses[-1].headers["content-range"] == f"{start}-{end}/{len(everything)}"
        return as_rows(response.data), response.count

    first, first_count = page(0, 1)
    second, second_count = page(2, 3)
    assert first_count == second_count == len(everything)
    assert first == everything[0:2]
    assert second == everything[2:4]
    assert {r["id"] for r in first}.isdisjoint({r["id"] for r in second})

    # the count is the parents', whatever is embedded, and agrees with a plain select
    for child in LEAD_CHILDREN:
        response = (
            manager.client.from_(child)
            .select("*, leads(company_name)", count=CountMethod.exact)
            .execute()
        )
        assert response.count == len(response.data) == len(manager.select(child)), child

    # a Range header pages the same way (what clients that do not send limit/offset use)
    ranged = httpx.get(
        f"{world.url}/leads",
        params={"select": "id,company_name,activities(id)", "order": "company_name,id"},
        headers={
            "Authorization": f"Bearer {world.tokens[MANAGER]}",
            "Range-Unit": "items",
            "Range": "2-3",
            "Prefer": "count=exact",
        },
        timeout=30,
    )
    assert ranged.status_code == 206, ranged.text
    assert ranged.headers["content-range"] == f"2-3/{len(everything)}"
    assert ranged.json() == everything[2:4]

    # a rep's count is of the rep's leads only
    rep = world.frontend(REP1)
    response = (
        rep.client.from_("activities")
        .select("*, leads(company_name)", count=CountMethod.exact)
        .execute()
    )
    activities = as_rows(response.data)
    assert response.count == len(activities) > 0
    assert all(row["leads"] is not None for row in activities)
    assert world.rep2_lead not in json.dumps(activities)


def timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_ordering_and_filters_on_embedding_queries(world: World) -> None:
    manager = world.frontend(MANAGER)
    client = manager.client
    leads = manager.select("leads", "*, activities(*), lead_protection(*)")

    def ids(rows: list[Row]) -> list[str]:
        return [row["id"] for row in rows]

    def by_name(rows: list[Row], *, reverse: bool = False) -> list[str]:
        ordered = sorted(rows, key=lambda r: r["id"])
        return ids(sorted(ordered, key=lambda r: r["company_name"], reverse=reverse))

    base = "*, activities(*), lead_protection(*)"
    got = manager.rows(
        client.from_("leads").select(base).order("company_name", desc=True).order("id")
    )
    assert ids(got) == by_name(leads, reverse=True)

    # eq, ilike, in, gte on a timestamp, is null: each against the same filter done here
    got = manager.rows(
        client.from_("leads").select(base).eq("status", "ACTIVE").order("company_name").order("id")
    )
    assert ids(got) == by_name([r for r in leads if r["status"] == "ACTIVE"])
    assert got
    got = manager.rows(client.from_("leads").select(base).ilike("company_name", "*HOF*"))
    assert sorted(ids(got)) == sorted(r["id"] for r in leads if "hof" in r["company_name"].lower())
    assert len(got) >= 2  # Gasthof Zum Adler, Restaurant Lindenhof
    chosen = [ADLER, world.rep2_lead]
    got = manager.rows(client.from_("leads").select(base).in_("id", chosen))
    assert sorted(ids(got)) == sorted(chosen)
    assert all(row["activities"] for row in got)
    middle = sorted(timestamp(r["registered_at"]) for r in leads if r["registered_at"])[2]
    got = manager.rows(client.from_("leads").select(base).gte("registered_at", middle.isoformat()))
    assert sorted(ids(got)) == sorted(
        r["id"] for r in leads if r["registered_at"] and timestamp(r["registered_at"]) >= middle
    )
    got = manager.rows(client.from_("leads").select(base).is_("owner_id", None))
    assert sorted(ids(got)) == sorted(r["id"] for r in leads if r["owner_id"] is None)
    assert got  # the pool leads
    assert all(row["lead_protection"]["owner_id"] is None for row in got)

    # ordering and filtering inside the embedding, and filtering parents by their children
    got = manager.rows(
        client.from_("leads")
        .select("id, activities(*)")
        .order("occurred_at", desc=True, foreign_table="activities")
    )
    for row in got:
        times = [timestamp(a["occurred_at"]) for a in row["activities"]]
        assert times == sorted(times, reverse=True)
    got = manager.rows(
        client.from_("leads").select("id, activities(*)").eq("activities.kind", "MEETING")
    )
    assert len(got) == len(leads)
    assert {a["kind"] for row in got for a in row["activities"]} == {"MEETING"}
    got = manager.rows(
        client.from_("leads").select("id, activities!inner(kind)").eq("activities.kind", "MEETING")
    )
    assert sorted(ids(got)) == sorted(
        r["id"] for r in leads if any(a["kind"] == "MEETING" for a in r["activities"])
    )

    # the children with their lead: filters on the child's columns
    activities = manager.select("activities", "*, leads(company_name)")
    got = manager.rows(
        client.from_("activities").select("*, leads(company_name)").eq("kind", "MEETING")
    )
    assert canonical(got) == canonical([a for a in activities if a["kind"] == "MEETING"])
    since = sorted(timestamp(a["occurred_at"]) for a in activities)[1]
    got = manager.rows(
        client.from_("activities")
        .select("*, leads(company_name)")
        .gte("occurred_at", since.isoformat())
    )
    assert canonical(got) == canonical(
        [a for a in activities if timestamp(a["occurred_at"]) >= since]
    )
    got = manager.rows(
        client.from_("activities")
        .select("*, leads(company_name)")
        .in_("lead_id", chosen)
        .order("occurred_at")
    )
    assert {a["leads"]["company_name"] for a in got} == {"Gasthof Zum Adler", "Gasthaus Zur Post"}
    holds = manager.select("holds", "*, leads(company_name)")
    got = manager.rows(client.from_("holds").select("*, leads(company_name)").is_("end_at", None))
    assert canonical(got) == canonical([h for h in holds if h["end_at"] is None])
    assert got
    entries = manager.select("audit_log", "*, leads(company_name)")
    got = manager.rows(
        client.from_("audit_log")
        .select("*, leads(company_name)")
        .eq("entity_type", "lead")
        .order("id")
    )
    assert got == sorted((e for e in entries if e["entity_type"] == "lead"), key=lambda e: e["id"])
    assert {e["leads"]["company_name"] for e in got} >= {"Gasthaus Zur Post"}
    # entries about no lead embed null
    assert all(e["leads"] is None for e in entries if e["lead_id"] is None)
    assert any(e["lead_id"] is None for e in entries)


def test_the_openapi_document_describes_the_embeddable_views(
    world: World, cluster: Cluster, seeded_database: str
) -> None:
    response = httpx.get(
        f"{world.url}/", headers={"Authorization": f"Bearer {world.tokens[MANAGER]}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    document = response.json()
    with psycopg.connect(cluster.conninfo(seeded_database)) as conn:
        comments: dict[str, str] = dict(
            conn.execute(
                "select c.relname, obj_description(c.oid, 'pg_class') from pg_class as c"
                " where c.relnamespace = 'api'::regnamespace and c.relname = any(%s)",
                [list(VIEWS)],
            ).fetchall()
        )
    assert set(comments) == set(VIEWS)
    for view in VIEWS:
        assert f"/{view}" in document["paths"], view
        assert document["definitions"][view]["description"] == comments[view], view
    # the inferred pairs show as foreign key notes on the columns
    for view, column, target in (
        ("test_phases", "box_id", "sample_boxes"),
        ("test_results", "phase_id", "test_phases"),
        ("product_feedback", "phase_id", "test_phases"),
    ):
        description = document["definitions"][view]["properties"][column]["description"]
        assert f"<fk table='{target}' column='id'/>" in description, (view, column)
    # the computed relationships are embeddings, not rpc endpoints
    for name in VIEWS:
        assert f"/rpc/{name}" not in document["paths"], name
        called = httpx.post(
            f"{world.url}/rpc/{name}",
            json={"id": ADLER, "lead_id": ADLER},
            headers={"Authorization": f"Bearer {world.tokens[MANAGER]}"},
            timeout=30,
        )
        assert called.status_code == 404, called.text
        assert called.json()["code"] == "PGRST202", called.text
