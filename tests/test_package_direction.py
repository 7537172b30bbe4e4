"""Packages have one direction (SPEC 10.3): `jobs` builds on the shared core of `api`, never the
reverse.

    api.core     imports nothing of ours outside api.core
    api.clients  imports only api.core and api.clients
    api (all)    never imports jobs
    jobs         imports only api.core, api.clients and jobs

Every module is read with `ast` (imports inside functions and TYPE_CHECKING blocks count too, and
so does importlib.import_module with a literal name), nothing is imported. `freshplan worker`
reaches the CLI through the `freshplan.commands` entry points, which are checked here as well.
"""

from __future__ import annotations

import ast
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("api", "jobs")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(package: str) -> dict[str, Path]:
    return {_module_name(path): path for path in sorted((ROOT / package).rglob("*.py"))}


def _imports(module: str, path: Path) -> set[str]:
    """Everything `module` imports, as dotted names (`from a.b import c` gives a.b.c)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing module's package
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return {name for name in names if name.split(".")[0] in OURS}


def _within(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in packages)


def _violations(package: str, allowed: tuple[str, ...]) -> list[str]:
    return [
        f"{module} imports {name}"
        for module, path in _modules(package).items()
        for name in sorted(_imports(module, path))
        if not _within(name, *allowed)
    ]


def test_the_service_never_imports_jobs() -> None:
    modules = _modules("api")
    assert "api.app" in modules
    assert "api.cli" in modules
    assert "api.core.settings" in modules

    assert _violations("api", ("api",)) == []


def test_the_core_imports_only_itself() -> None:
    assert _violations("api/core", ("api.core",)) == []


def test_clients_import_only_the_core_and_each_other() -> None:
    assert "api.clients.smtp" in _modules("api/clients")
    assert _violations("api/clients", ("api.core", "api.clients")) == []


def test_jobs_import_only_the_core_the_clients_and_themselves() -> None:
    modules = _modules("jobs")
    # the positive side: the workers really do build on the core and the clients
    worker = _imports("jobs.worker", modules["jobs.worker"])
    assert any(_within(name, "api.core") for name in worker)
    assert any(_within(name, "api.clients") for name in worker)

    assert _violations("jobs", ("api.core", "api.clients", "jobs")) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import jobs.worker", {"jobs.worker"}),
        ("from jobs import worker", {"jobs.worker"}),
        ("def f():\n    from jobs.mail import render", {"jobs.mail.render"}),
        ("import importlib\nimportlib.import_module('jobs.worker')", {"jobs.worker"}),
        ("from .. import app", {"api.app"}),
        ("import httpx\nfrom psycopg import sql", set()),
    ],
)
def test_the_import_reader_sees_every_form(tmp_path: Path, source: str, expected: set[str]) -> None:
    path = tmp_path / "module.py"
    path.write_text(source, encoding="utf-8")

    assert _imports("api.feedback.module", path) == expected


def test_commands_of_other_packages_come_through_entry_points() -> None:
    """pyproject.toml declares `freshplan worker` (jobs) and `freshplan ai` (api.ai) as entry
    points, and the installed package metadata (what api.cli reads) says the same: .venv is in
    sync with pyproject."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["entry-points"]["freshplan.commands"]
    installed = {e.name: e.value for e in entry_points(group="freshplan.commands")}

    assert declared == {
        "worker": "jobs.cli:register",
        "ai": "api.ai.cli:register",
        "analyst": "api.reporting.cli:register",
    }
    assert installed == declared
    assert project["scripts"] == {"freshplan": "api.cli:main"}
