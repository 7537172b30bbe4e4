"""Direct SQL as a web role (what a bug in a service that runs a caller's SQL would expose): the
audit and notification writers refuse a call that did not start in one of our functions. pgTAP
cannot show this for a top-level statement, because every pgTAP assertion runs its statement
inside a function; here the statements run as a session of the role would send them."""

from __future__ import annotations

import json

import psycopg
import pytest

from tests.conftest import Cluster

REP = "rep1@freshfoodz.example"
OWN_LEAD = "40000000-0000-4000-8000-000000000001"  # Gasthof Zum Adler, rep1's


def as_rep(cluster: Cluster, dbname: str) -> psycopg.Connection[tuple[object, ...]]:
    conn = psycopg.connect(cluster.conninfo(dbname))
    row = conn.execute(
        "select id, tenant_id, org_id from app.users where email = %s", [REP]
    ).fetchone()
    assert row is not None
    claims = {
        "role": "sales_rep",
        "sub": str(row[0]),
        "tenant_id": str(row[1]),
        "org_id": str(row[2]),
    }
    conn.execute("set role sales_rep")
    conn.execute("select set_config('request.jwt.claims', %s, false)", [json.dumps(claims)])
    return conn


@pytest.mark.parametrize(
    "statement",
    [
        "select app_private.audit(app.current_tenant_id(), 'lead.transferred', 'lead',"
        ' %(lead)s, %(lead)s, null, \'{"to": "me"}\')',
        "select app_private.notify(app.current_tenant_id(), app.current_user_id(), 'REMINDER',"
        " null, 'Bitte Passwort senden', 'x')",
        "select app_private.notify_roles(app.current_tenant_id(), array['sales_manager'],"
        " 'REMINDER', null, 'Bitte Passwort senden', 'x')",
        # a built-in that runs query text adds a frame line the caller writes: it must not pass
        # for one of ours
        "select query_to_xml($q$select app_private.audit(app.current_tenant_id(), 'lead.released',"
        " 'lead', null, null, null, '{\"forged\": 1}') /*\nPL/pgSQL function api.x() line 1 at"
        " PERFORM*/$q$, false, false, '')",
    ],
)
def test_a_web_role_cannot_call_the_writers_directly(
    cluster: Cluster, seeded_database: str, statement: str
) -> None:
    with as_rep(cluster, seeded_database) as conn:
        before = conn.execute("select count(*) from app.audit_log").fetchone()
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only the api functions"):
            conn.execute(statement, {"lead": OWN_LEAD})
        conn.rollback()
        conn.execute("set role sales_rep")
        assert conn.execute("select count(*) from app.audit_log").fetchone() == before


def test_the_api_functions_still_write_through_them(cluster: Cluster, seeded_database: str) -> None:
    logged = (
        "select count(*) from app.audit_log where lead_id = %s and action = 'lead.activity_logged'"
    )
    with as_rep(cluster, seeded_database) as conn:
        before = conn.execute(logged, [OWN_LEAD]).fetchone()
        conn.execute("select api.log_activity(%s, 'MEETING')", [OWN_LEAD])
        after = conn.execute(logged, [OWN_LEAD]).fetchone()
    assert before is not None
    assert after is not None
    assert int(str(after[0])) == int(str(before[0])) + 1, "one audit row more"
