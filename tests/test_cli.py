"""`jjj` starts light: every ``--help`` works without importing the heavy libraries.

Start-up time is what operators feel (``jjj --help`` took seconds when every command imported
SQLAlchemy, polars and scikit-learn eagerly); the test checks its cause, the imported modules,
not the time itself, which a loaded machine would make flaky. ``benchmarks/bench_cli_startup.py``
measures the time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from jingjinji.cli import app

# Libraries that cost hundreds of milliseconds to import: only a command that runs needs them.
HEAVY_MODULES = (
    "sqlalchemy",
    "polars",
    "numpy",
    "sklearn",
    "weasyprint",
    "pandas",
    "pyarrow",
    "openpyxl",
)

# Runs in a fresh interpreter: `--help` on every command path, in order, recording the exit
# status and which heavy modules each one pulled in.
HELP_EVERYWHERE = textwrap.dedent(
    """
    import json, sys

    from typer.testing import CliRunner

    heavy = {heavy!r}
    paths = {paths!r}

    def loaded():
        return sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy))

    from jingjinji.cli import app

    report = {{"after_import": loaded(), "runs": []}}
    runner = CliRunner()
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], prog_name="jjj")
        report["runs"].append(
            {{"path": path, "exit_code": result.exit_code, "output": result.output,
              "heavy": loaded()}}
        )
    print(json.dumps(report))
    """
)


def command_paths(command: object, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    """Every command and group below ``command``, as the words an operator types."""
    paths = [list(prefix)]
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            paths += command_paths(sub, (*prefix, name))
    return paths


@cache
def help_report() -> dict[str, Any]:
    paths = command_paths(typer.main.get_command(app))
    script = HELP_EVERYWHERE.format(heavy=HEAVY_MODULES, paths=paths)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_the_command_tree_keeps_its_paths() -> None:
    paths = {" ".join(p) for p in command_paths(typer.main.get_command(app))}
    for expected in (
        "serve",
        "demo",
        "worker",
        "db upgrade",
        "audit verify",
        "accounts create-user",
        "catalog report",
        "air daily",
        "air forecast train",
        "air forecast evaluate",
        "air warnings replay",
        "air warnings list",
        "progress report",
    ):
        assert expected in paths
    # The forecast and warning commands live under `jjj air` only.
    assert not any(p.split(" ")[0] in {"forecast", "warnings"} for p in paths)


def test_importing_the_cli_imports_no_heavy_library() -> None:
    assert help_report()["after_import"] == []


def test_every_help_exits_0_without_heavy_libraries() -> None:
    runs = help_report()["runs"]
    assert ["air", "forecast", "train"] in [run["path"] for run in runs]
    for run in runs:
        words = " ".join(["jjj", *run["path"], "--help"])
        assert run["exit_code"] == 0, f"{words}: exit {run['exit_code']}\n{run['output']}"
        assert "Usage: jjj" in run["output"], words
        assert run["heavy"] == [], f"{words} imported {run['heavy']}"


def test_db_role_commands_refuse_sqlite_and_say_what_protects_it(tmp_path: Path) -> None:
    """SQLite has no roles: `jjj db grant-app-role`, and `jjj db upgrade` asked to grant an
    application role, exit 2 naming the file permissions to set instead, and touch nothing."""
    from jingjinji.config import get_settings

    database = tmp_path / "jingjinji.db"
    env = {
        "JJJ_DATABASE_URL": f"sqlite:///{database}",
        "JJJ_OWNER_DATABASE_URL": None,
        "JJJ_VAR_DIR": str(tmp_path),
        "JJJ_APP_ROLE": None,
    }
    runs = [
        (["db", "grant-app-role", "--role", "jjj_app"], env),
        (["db", "grant-app-role"], env),
        (["db", "upgrade"], {**env, "JJJ_APP_ROLE": "jjj_app"}),
    ]
    for args, run_env in runs:
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(app, args, env=run_env, prog_name="jjj")
        finally:
            get_settings.cache_clear()
        said = " ".join(result.output.split())
        assert result.exit_code == 2, (args, said)
        assert "SQLite has no roles" in said, (args, said)
        assert "chmod 600 var/jingjinji.db*" in said, (args, said)
        assert not database.exists(), args
