"""Flyway is real: a second migrate is a no-op and an edited applied migration is refused."""

from __future__ import annotations

import shutil
import subprocess
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


def test_migrate_twice_is_a_no_op_the_second_time(cluster: Cluster) -> None:
    name = "t_flyway_twice"
    empty_database(cluster, name)
    try:
        first = flyway(cluster, name, "migrate")
        assert first.returncode == 0, first.stdout + first.stderr
        versions = applied_versions(cluster, name)
        migrations = sorted(ROOT.glob("sql/migrations/V*__*.sql"))
        assert len(versions) == len(migrations)

        second = flyway(cluster, name, "migrate")
        assert second.returncode == 0, second.stdout + second.stderr
        assert "No migration necessary" in second.stdout
        assert applied_versions(cluster, name) == versions
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
