"""The `freshplan` command: operator utilities.

    freshplan token --email rep1@freshfoodz.example [--ttl 1h] [--tenant freshfoodz]
    freshplan worker

`token` prints a JWT for an active user, signed with FRESHPLAN_JWT_SECRET, and exits non-zero for
an unknown or inactive user; `--ttl` is at most 24h, the longest a token may live (SPEC 10.2).
`worker` runs the job runner (jobs.worker) until SIGINT or SIGTERM.

`token` is defined here; every other command is contributed by the package that owns it through
the entry-point group `freshplan.commands` in pyproject.toml, e.g.

    [project.entry-points."freshplan.commands"]
    worker = "jobs.cli:register"

Each entry point names a `register(commands)` function that adds its subcommand to the argparse
subparsers and sets `run` (args -> exit status) as the subcommand's default. This way the service
package never imports `jobs` (packages have one direction: jobs -> api.core, never back), and
the CLI stays where its entry point `api.cli:main` always was. The group is read from the
installed package metadata, so after editing it run `scripts/bootstrap` (`uv sync`) once.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

import psycopg

from api.core.auth import MAX_TOKEN_LIFETIME_SECONDS, mint_token
from api.core.settings import SettingsError, load_settings

COMMAND_GROUP = "freshplan.commands"

_TTL = re.compile(r"^(\d+)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_TTL_SECONDS = MAX_TOKEN_LIFETIME_SECONDS


def parse_ttl(text: str) -> int:
    match = _TTL.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"invalid TTL {text!r}: use e.g. 30m, 1h, 8h")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not 1 <= seconds <= MAX_TTL_SECONDS:
        raise argparse.ArgumentTypeError(
            f"invalid TTL {text!r}: a token lives at least 1s and at most 24h"
            " (PostgREST and the service refuse longer ones)"
        )
    return seconds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="freshplan", description="FreshPlan operator commands")
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="print a JWT for an active user")
    token.add_argument("--email", required=True, help="the user's e-mail address")
    token.add_argument(
        "--ttl", type=parse_ttl, default="1h", help="lifetime, e.g. 30m, 1h, 8h; at most 24h"
    )
    token.add_argument("--tenant", help="tenant slug, when the address exists in several tenants")
    token.set_defaults(run=lambda args: _token(args.email, args.ttl, args.tenant))
    for entry_point in sorted(entry_points(group=COMMAND_GROUP), key=lambda e: e.name):
        entry_point.load()(commands)
    return parser


def _token(email: str, ttl: int, tenant: str | None) -> int:
    settings = load_settings()
    with psycopg.connect(settings.database.url, connect_timeout=5) as conn:
        rows = conn.execute(
            "select sub::text, role, tenant_id::text, org_id::text, tenant_slug"
            " from app_private.token_claims(%s, %s)",
            [email, tenant],
        ).fetchall()
    if not rows:
        print(f"freshplan: no active user with e-mail {email!r}", file=sys.stderr)
        return 1
    if len(rows) > 1:
        slugs = ", ".join(row[4] for row in rows)
        print(
            f"freshplan: {email!r} exists in several tenants ({slugs}); pass --tenant",
            file=sys.stderr,
        )
        return 1
    sub, role, tenant_id, org_id, _ = rows[0]
    claims = {"role": role, "sub": sub, "tenant_id": tenant_id, "org_id": org_id}
    print(mint_token(claims, settings.auth.jwt_secret, ttl))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SettingsError as exc:
        print(f"freshplan: configuration error: {exc}", file=sys.stderr)
        return 2
    except psycopg.OperationalError as exc:
        print(f"freshplan: cannot reach the database: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
