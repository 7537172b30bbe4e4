"""The workers' commands for `freshplan` (api.cli), registered through the entry-point group
`freshplan.commands` in pyproject.toml, so the CLI never imports `jobs` itself."""

from __future__ import annotations

import argparse
from typing import Any


def run_worker(_args: argparse.Namespace) -> int:
    # imported here: every `freshplan` command registers this one, few of them run it
    from jobs.worker import main  # noqa: PLC0415

    return main()


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add `freshplan worker`: run the job runner until SIGINT or SIGTERM."""
    worker = commands.add_parser("worker", help="run the job worker (mail and other side effects)")
    worker.set_defaults(run=run_worker)
