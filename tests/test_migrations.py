"""Flyway is real: a second migrate is a no-op, an edited applied migration is refused, a released
V file never changes, an edited R__ file is re-applied alone, and every view and function has
exactly one definition in sql/migrations."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import psycopg

from tests.conftest import ROOT, Cluster, drop_database, flyway_on_the_shared_cluster


def flyway(cluster: Cluster, dbname: str, *args: str) -> subprocess.CompletedProcess[str]:
    with flyway_on_the_shared_cluster():
        return subprocess.run(
            [str(ROOT / "scripts/flyway/run"), *args],
            env=cluster.env(dbname),
            capture_output=True,
            text=True,
            check=False,
            timeout=180,
        )


def empty_database(cluster: Cluster, name: str) -> None:
    with psycopg.connect(cluster.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{name}" owner migrator')


def applied_versions(cluster: Cluster, dbname: str) -> list[str]:
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        rows = conn.execute(
            "select version from flyway.flyway_schema_history where version is not null"
            " order by installed_rank"
        ).fetchall()
    return [row[0] for row in rows]


MIGRATIONS = ROOT / "sql/migrations"
RELEASED = ROOT / "tests/released_migrations.sha256"


def dump(cluster: Cluster, dbname: str) -> str:
    return subprocess.run(
        [str(ROOT / "scripts/dump-schema"), dbname],
        env=cluster.env(dbname),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


def history(cluster: Cluster, dbname: str) -> list[tuple[str | None, str, int]]:
    with psycopg.connect(cluster.conninfo(dbname)) as conn:
        rows = conn.execute(
            "select version, script, checksum from flyway.flyway_schema_history"
            " where success and type = 'SQL' order by installed_rank"
        ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]


def test_migrate_twice_is_a_no_op_the_second_time(cluster: Cluster) -> None:
    name = "t_flyway_twice"
    empty_database(cluster, name)
    try:
        first = flyway(cluster, name, "migrate")
        assert first.returncode == 0, first.stdout + first.stderr
        versions = applied_versions(cluster, name)
        assert len(versions) == len(sorted(MIGRATIONS.glob("V*__*.sql")))
        applied = history(cluster, name)
        repeatables = sorted(path.name for path in MIGRATIONS.glob("R__*.sql"))
        assert sorted(script for version, script, _ in applied if version is None) == repeatables
        schema = dump(cluster, name)

        second = flyway(cluster, name, "migrate")
        assert second.returncode == 0, second.stdout + second.stderr
        assert "No migration necessary" in second.stdout
        assert history(cluster, name) == applied
        assert dump(cluster, name) == schema, "the afterMigrate callback changed the schema"
    finally:
        drop_database(cluster, name)


def released() -> dict[str, str]:
    entries = {}
    for line in RELEASED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split()
            entries[name] = digest
    return entries


def test_released_migrations_never_change() -> None:
    # A V file on main is frozen: change the schema with a new V file, never by editing one.
    for name, digest in released().items():
        path = ROOT / name
        assert path.is_file(), f"{name} was released and must stay"
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        assert actual == digest, f"{name} was released and is frozen: add a new V file instead"


def test_every_versioned_migration_is_in_the_released_list() -> None:
    # A new V file is added to the list in the commit that adds it; the list only grows.
    on_disk = {f"sql/migrations/{path.name}" for path in MIGRATIONS.glob("V*__*.sql")}
    assert on_disk == set(released()), "list every V file in tests/released_migrations.sha256"


# a view's name, or a function's name with its argument types (functions may be overloaded: the
# computed relationships are api.leads(api.activities), api.leads(api.holds), ...)
DEFINITION = re.compile(
    r"^\s*create\s+(?:or\s+replace\s+)?(function|view|materialized\s+view|procedure)\s+"
    r"([a-z_]+\.[a-z_0-9]+)(\s*\([^)]*\))?",
    re.IGNORECASE | re.MULTILINE,
)
# Functions that row-level policies or column defaults use are structure: they live in V files.
STRUCTURAL_FUNCTIONS = {
    "app.now",
    "app.jwt_claims",
    "app.current_user_id",
    "app.current_tenant_id",
    "app.current_org_id",
    "app.current_web_role",
    "app.normalize_company_name",
    "app.normalize_postal_code",
    "app.normalize_vat_id",
    "app_private.my_collaborations",
    "app_private.collaborator_role",
    "app.rep_can_read",
    "app.rep_owns_live_lead",
}


def definitions() -> list[tuple[str, str, str]]:
    """(kind, name or signature, file) of every view and function definition."""
    found = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        for match in DEFINITION.finditer(path.read_text(encoding="utf-8")):
            kind, name = match.group(1).lower(), match.group(2).lower()
            if kind != "view":
                arguments = re.sub(r"\s+", " ", (match.group(3) or "()").strip())
                name += arguments
            found.append((kind, name, path.name))
    return found


def test_every_view_and_function_has_one_home() -> None:
    found = definitions()
    assert len(found) > 150, "the definitions were not found"
    twice = {
        item: n for item, n in Counter((kind, name) for kind, name, _ in found).items() if n > 1
    }
    assert not twice, f"defined more than once in sql/migrations: {twice}"
    in_v_files = {name.split("(")[0] for _, name, file in found if file.startswith("V")}
    assert in_v_files == STRUCTURAL_FUNCTIONS, "views and functions belong in R__ files"


def test_an_edited_repeatable_migration_is_applied_again_alone(
    cluster: Cluster, tmp_path: Path
) -> None:
    name = "t_flyway_repeatable"
    empty_database(cluster, name)
    edited = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, edited)
    try:
        assert flyway(cluster, name, "migrate").returncode == 0
        before = history(cluster, name)
        target = edited / "R__60_notices_jobs.sql"
        target.write_text(
            target.read_text(encoding="utf-8")
            + "\ncomment on view api.jobs is 'The tenant''s jobs, edited.';\n",
            encoding="utf-8",
        )

        result = flyway(cluster, name, f"-locations=filesystem:{edited}", "migrate")

        assert result.returncode == 0, result.stdout + result.stderr
        after = history(cluster, name)
        assert after[: len(before)] == before
        assert [script for _, script, _ in after[len(before) :]] == ["R__60_notices_jobs.sql"]
        with psycopg.connect(cluster.conninfo(name)) as conn:
            row = conn.execute("select obj_description('api.jobs'::regclass)").fetchone()
        assert row == ("The tenant's jobs, edited.",)
    finally:
        drop_database(cluster, name)


def test_an_edited_applied_migration_is_refused(cluster: Cluster, tmp_path: Path) -> None:
    name = "t_flyway_edited"
    empty_database(cluster, name)
    edited = tmp_path / "migrations"
    shutil.copytree(ROOT / "sql/migrations", edited)
    try:
        assert flyway(cluster, name, "migrate").returncode == 0
        first = sorted(edited.glob("V*__*.sql"))[0]
        first.write_text(
            first.read_text(encoding="utf-8") + "\n-- an innocent-looking edit\n", encoding="utf-8"
        )

        result = flyway(cluster, name, f"-locations=filesystem:{edited}", "migrate")

        assert result.returncode != 0
        assert "checksum mismatch" in (result.stdout + result.stderr).lower()
    finally:
        drop_database(cluster, name)


def test_a_failing_migration_fails_the_command(cluster: Cluster, tmp_path: Path) -> None:
    # Flyway 11 exits 0 for some failures (here: two parameters of one name); the wrapper must not.
    name = "t_flyway_broken"
    empty_database(cluster, name)
    broken = tmp_path / "migrations"
    shutil.copytree(ROOT / "sql/migrations", broken)
    (broken / "V999__broken.sql").write_text(
        "create function app.broken(x int) returns table (x int)"
        " language plpgsql as $$ begin end $$;\n",
        encoding="utf-8",
    )
    try:
        result = flyway(cluster, name, f"-locations=filesystem:{broken}", "migrate")

        assert result.returncode != 0
        assert "999" not in applied_versions(cluster, name)
    finally:
        drop_database(cluster, name)
