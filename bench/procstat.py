"""CPU time of processes from /proc, for the benchmarks' "CPU service / PostgreSQL" columns."""

from __future__ import annotations

import os
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (/proc/<pid>/stat); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(parent: int) -> list[int]:
    """The pids whose parent is `parent` (PostgreSQL's backends of its postmaster)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            pids.append(int(stat.parent.name))
    return pids


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process, of the children it has reaped (cutime, cstime: Dovecot's imap
    processes and PostgreSQL's backends that ended) and of its live children."""

    def fields(of: int) -> list[str]:
        try:
            return Path(f"/proc/{of}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return []

    own = fields(pid)
    if not own:
        return 0.0
    total = sum(int(v) for v in own[11:15])
    for child in children(pid):
        stat = fields(child)
        if stat:
            total += int(stat[11]) + int(stat[12])
    return total / os.sysconf("SC_CLK_TCK")
