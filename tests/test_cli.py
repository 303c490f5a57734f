"""`jjj` starts light: every ``--help`` works without importing the heavy libraries.

Start-up time is what operators feel (``jjj --help`` took seconds when every command imported
SQLAlchemy, polars and scikit-learn eagerly); the test checks its cause, the imported modules,
not the time itself, which a loaded machine would make flaky. ``benchmarks/bench_cli_startup.py``
measures the time.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
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


# ------------------------------------------------------------------ list output and create-user


@pytest.fixture
def cli_env(
    session_factory: sessionmaker[Session],
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[sessionmaker[Session]]:
    """`jjj` against the test's migrated database (the region hierarchy and nothing else)."""
    from jingjinji.config import get_settings

    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    # Rich assumes 80 columns where stdout is not a terminal, as through a pipe.
    monkeypatch.setenv("COLUMNS", "80")
    get_settings.cache_clear()
    yield session_factory
    get_settings.cache_clear()


def jjj(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=input, prog_name="jjj")
    return result.exit_code, result.output


LONG_USERNAME = "a-steward-whose-username-is-longer-than-any-eighty-column-pipe-would-show"


def test_a_table_through_a_pipe_shows_whole_values(cli_env: sessionmaker[Session]) -> None:
    from jingjinji.accounts import service
    from jingjinji.accounts.schemas import UserIn

    with cli_env() as session:
        service.bootstrap_user(
            session,
            data=UserIn(
                username=LONG_USERNAME,
                display_name="Long",
                password="a long enough secret 1",
                role="office_admin",
            ),
        )
        session.commit()
    code, output = jjj("accounts", "list")
    assert code == 0, output
    assert LONG_USERNAME in output, output
    assert "office_admin" in output, output


# Every list command, how to run it on an empty database, its table's empty line, CSV header.
EMPTY_LISTS = {
    "accounts list": (
        ["accounts", "list"],
        "no users",
        "id,username,role,jurisdiction,organisation,active",
    ),
    "catalog list": (
        ["catalog", "list"],
        "no datasets",
        "code,title,owner,domain,cycle,class,public,fields",
    ),
    "air warnings list": (
        ["air", "warnings", "list"],
        "no warnings",
        "id,status,level,cities,start,end,max AQI,criteria",
    ),
    "progress summary": (
        ["progress", "summary"],
        "no indicator series",
        "indicator,jurisdiction,period,value,unit,change_pct,status",
    ),
    "air daily": (
        ["air", "daily", "--city", "110000", "--from", "2015-12-01", "--to", "2015-12-31"],
        "no daily values for 110000, 2015-12-01 .. 2015-12-31",
        "date,aqi,level,category,primary_pollutants,pm2_5,pm10,so2,no2,co,o3_1h,o3_8h",
    ),
    "audit keys list": (
        ["audit", "keys", "list", "--key-dir", "{tmp}/no-keys"],
        "no audit checkpoint keys",
        "key_id,role,public_key",
    ),
    "air warnings criteria": (
        ["air", "warnings", "criteria"],
        "no criteria sets (jjj air warnings load-data loads them)",
        "code,version,merge_gap_days,levels,name,adopted_by",
    ),
    "water status": (
        ["water", "status", "--year", "2026"],
        "No sections to assess.",
        "key,name_en,n_sections,share_i_iii,share_inferior_v,status,method,main_pollutants",
    ),
}


@pytest.mark.parametrize("command", sorted(EMPTY_LISTS))
def test_every_list_command_says_an_empty_result_in_each_format(
    cli_env: sessionmaker[Session], tmp_path: Path, command: str
) -> None:
    args, empty_line, header = EMPTY_LISTS[command]
    if command == "air daily":
        # The city's stations, without a measurement.
        assert jjj("air", "load-stations")[0] == 0
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, table = jjj(*args, "--format", "table")
    assert code == 0, table
    assert table.strip() == empty_line, table
    code, as_csv = jjj(*args, "--format", "csv")
    assert (code, as_csv) == (0, header + "\n"), as_csv
    code, as_json = jjj(*args, "--format", "json")
    assert code == 0, as_json
    assert json.loads(as_json) == [], as_json
    code, bad = jjj(*args, "--format", "xml")
    assert code == 2 and "xml" in bad, bad


def test_a_list_in_csv_and_json_holds_every_row(
    cli_env: sessionmaker[Session], people: object
) -> None:
    from jingjinji.accounts import service

    with cli_env() as session:
        expected = {u.username: u.role for u in service.list_users(session)}
    assert len(expected) > 3
    code, as_csv = jjj("accounts", "list", "--format", "csv")
    assert code == 0, as_csv
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert {r["username"]: r["role"] for r in rows} == expected
    code, as_json = jjj("accounts", "list", "--format", "json")
    assert code == 0, as_json
    listed = json.loads(as_json)
    assert {r["username"]: r["role"] for r in listed} == expected
    assert all(isinstance(r["id"], int) and isinstance(r["active"], bool) for r in listed)


def _usernames(factory: sessionmaker[Session]) -> set[str]:
    from jingjinji.accounts import service

    with factory() as session:
        return {u.username for u in service.list_users(session)}


def test_create_user_refuses_a_bad_placement_before_asking_for_the_password(
    cli_env: sessionmaker[Session], people: object, tmp_path: Path
) -> None:
    before = _usernames(cli_env)
    taken = sorted(before)[0]
    typed = "a long enough secret 1\na long enough secret 1\n"
    refusals = {
        "steward without organisation": (
            ["--username", "new.steward", "--role", "steward"],
            "belongs to an organisation",
        ),
        "unknown organisation": (
            ["--username", "new.steward", "--role", "steward", "--organisation", "999999"],
            "unknown organisation 999999",
        ),
        "jurisdiction admin without jurisdiction": (
            ["--username", "new.admin", "--role", "jurisdiction_admin"],
            "needs a jurisdiction",
        ),
        "username taken": (
            ["--username", taken, "--role", "office_admin"],
            f"user {taken!r} exists already",
        ),
    }
    for case, (args, why) in refusals.items():
        code, output = jjj("accounts", "create-user", *args, input=typed)
        said = " ".join(output.split())
        assert code == 2, (case, said)
        assert why in said, (case, said)
        # The prompt never came: nothing of the typed input was read.
        assert "Password" not in output and "secret" not in output, (case, output)
    weak = tmp_path / "weak-password"
    weak.write_text("password\n", encoding="utf-8")
    code, output = jjj(
        "accounts", "create-user", "--username", "new.office", "--role", "office_admin",
        "--password-file", str(weak),
    )  # fmt: skip
    said = " ".join(output.split())
    assert code == 2 and f"the password in {weak}" in said, said
    assert _usernames(cli_env) == before
    code, output = jjj(
        "accounts", "create-user", "--username", "new.office", "--role", "office_admin",
        input=typed,
    )  # fmt: skip
    assert code == 0 and "created user new.office" in output, output
    assert _usernames(cli_env) == before | {"new.office"}


def test_a_refusal_shows_its_text_whole_not_as_markup(cli_env: sessionmaker[Session]) -> None:
    # The username rule's pattern holds square brackets, which Rich read as a markup tag and
    # dropped ("should match pattern '^+$'"), before the password was asked for.
    code, output = jjj(
        "accounts", "create-user", "--username", "Not Valid!", "--role", "analyst",
        input="a long enough secret 1\na long enough secret 1\n",
    )  # fmt: skip
    said = " ".join(output.split())
    assert code == 2, said
    assert "username: String should match pattern '^[a-z0-9_.-]+$'" in said, said
    assert "Password" not in output, output


def test_the_criteria_listing_names_each_set_and_who_adopted_it(
    cli_env: sessionmaker[Session],
) -> None:
    assert jjj("air", "warnings", "load-data")[0] == 0
    code, as_json = jjj("air", "warnings", "criteria", "--format", "json")
    assert code == 0, as_json
    listed = {(r["code"], r["version"]): r for r in json.loads(as_json)}
    assert "110000 from 2019-01-01" in listed[("bth-2019", 2)]["adopted_by"]
    assert listed[("beijing-local", 1)]["adopted_by"] == ""
    code, table = jjj("air", "warnings", "criteria")
    assert code == 0 and "Beijing-Tianjin-Hebei warning criteria (2019 onward" in table, table


def test_demo_on_a_used_database_says_how_to_start_clean(
    cli_env: sessionmaker[Session], people: object
) -> None:
    # `people` made the demo's users: the demo data counts as loaded, so nothing is loaded again.
    code, output = jjj("demo", "--load-only")
    said = " ".join(output.split())
    assert code == 0, said
    assert "loaded already" in said and "To start clean: make demo-reset" in said, said


REPOSITORY = Path(__file__).resolve().parents[1]


def test_make_demo_reset_removes_the_demo_database_and_keeps_the_keys() -> None:
    def planned(*args: str) -> list[str]:
        done = subprocess.run(
            ["make", "-n", "--no-print-directory", *args],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()

    lines = planned("demo-reset")
    removal = next(line for line in lines if line.startswith("rm "))
    assert "var/jingjinji.db " in removal and "var/jingjinji.db-wal" in removal, removal
    assert not any("secret_key" in line or "audit-keys" in line for line in lines), lines
    assert "uv run jjj demo --port 8000" in lines, lines
    assert any("var/secret_key" in line for line in planned("demo-reset", "KEYS=1"))
    assert planned("jjj", "ARGS=accounts list --format csv") == [
        "uv run jjj accounts list --format csv"
    ]
