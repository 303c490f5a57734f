"""`jjj audit verify | export | checkpoint | keys generate|list|rotate | witness`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jingjinji.cli_output import Cell, FormatOption, ListFormat

app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
keys_app = typer.Typer(help="The platform's Ed25519 checkpoint keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@app.command()
def verify(
    witness: Annotated[
        list[str] | None,
        typer.Option(
            "--witness", help="a witness URL or store directory to check against (repeatable)"
        ),
    ] = None,
) -> None:
    """Check the whole hash chain, the signed checkpoints and the witnesses' copies; exit 1
    naming the first broken entry."""
    from jingjinji.audit import keys, service
    from jingjinji.cli import cli_session, console, fail

    with cli_session() as session:
        try:
            report = service.verify(session, witnesses=witness or [])
        except OSError as exc:
            raise fail(f"cannot read a witness: {exc}") from None
        except keys.AuditKeyError as exc:
            raise fail(f"cannot read the platform's public keys: {exc}") from None
    if not report.ok:
        raise fail(
            f"audit chain broken at entry {report.first_broken_seq}: {report.reason} "
            f"({report.entries_checked} entries verified intact)"
        )
    console.print(
        f"audit chain intact: {report.entries_checked} entries verified, "
        f"{report.checkpoints_checked} signed checkpoints"
        + (
            f", witnesses {', '.join(report.witnesses)} confirm entries up to "
            f"{report.witnessed_seq or 0}"
            if report.witnesses
            else ""
        )
    )


@app.command()
def checkpoint() -> None:
    """Sign the chain head now (the worker also does so every JJJ_AUDIT_CHECKPOINT_MINUTES)."""
    from jingjinji.audit import service
    from jingjinji.cli import cli_session, console

    with cli_session() as session:
        number = service.checkpoint(session)
        session.commit()
    console.print(
        f"checkpoint {number} signed" if number else "no checkpoint made (no key or nothing new)"
    )


def _key_dir(key_dir: Path | None) -> Path:
    from jingjinji.config import get_settings

    found = key_dir or get_settings().audit_key_dir
    assert found is not None  # load_settings always sets it
    return found


KeyDir = Annotated[
    Path | None, typer.Option("--key-dir", help="default JJJ_AUDIT_KEY_DIR or var/audit-keys")
]


@keys_app.command("generate")
def keys_generate(key_dir: KeyDir = None) -> None:
    """Make a key pair (the signing key if there is none yet)."""
    from jingjinji.audit import keys
    from jingjinji.cli import console

    directory = _key_dir(key_dir)
    key_id = keys.generate(directory)
    console.print(f"key {key_id} in {directory} (public key: {directory / (key_id + '.pub')})")


@keys_app.command("rotate")
def keys_rotate(key_dir: KeyDir = None) -> None:
    """Make a new signing key and delete the old private keys (their public keys stay)."""
    from jingjinji.audit import keys
    from jingjinji.cli import console

    directory = _key_dir(key_dir)
    key_id = keys.rotate(directory)
    console.print(
        f"key {key_id} signs from now on; give {directory / (key_id + '.pub')} to every witness"
    )


@keys_app.command("list")
def keys_list(key_dir: KeyDir = None, output_format: FormatOption = ListFormat.table) -> None:
    """The keys, which one signs, and their public keys."""
    from jingjinji.audit import keys
    from jingjinji.cli_output import write_rows

    rows: list[dict[str, Cell]] = [
        {
            "key_id": info.key_id,
            "role": "signing"
            if info.current
            else ("private key present" if info.can_sign else "verify"),
            "public_key": info.public_hex,
        }
        for info in keys.list_keys(_key_dir(key_dir))
    ]
    write_rows(
        ("key_id", "role", "public_key"),
        rows,
        output_format=output_format,
        title="Audit checkpoint keys",
        empty="no audit checkpoint keys",
    )


@app.command()
def witness(
    store: Annotated[Path, typer.Option("--store", help="directory of the witness's SQLite file")],
    trust: Annotated[
        list[Path], typer.Option("--trust", help="a platform public key file (repeatable)")
    ],
    host: str = "127.0.0.1",
    port: int = 8765,
) -> None:
    """Run a witness: accept the platform's signed checkpoints, refuse contradicting ones."""
    from jingjinji.audit import keys
    from jingjinji.audit import witness as witnesses
    from jingjinji.cli import console, fail

    try:
        trusted = dict(keys.load_public_key_file(path) for path in trust)
    except keys.AuditKeyError as exc:
        raise fail(str(exc)) from None
    server = witnesses.make_server(witnesses.WitnessStore(store), trusted, host=host, port=port)
    console.print(
        f"witness {store.resolve().name} on http://{host}:{server.server_address[1]}/checkpoints "
        f"trusting keys {', '.join(sorted(trusted))}"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command()
def export(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="file; default stdout")
    ] = None,
) -> None:
    """Write the audit trail as JSON lines (one entry a line, in chain order)."""
    import sys

    from jingjinji.audit import service
    from jingjinji.cli import cli_session, err_console

    count = 0
    with cli_session() as session:
        if output is None:
            for line in service.export_jsonl_lines(session):
                sys.stdout.write(line)
                count += 1
        else:
            with output.open("w", encoding="utf-8") as fh:
                for line in service.export_jsonl_lines(session):
                    fh.write(line)
                    count += 1
    err_console.print(f"exported {count} audit entries")
