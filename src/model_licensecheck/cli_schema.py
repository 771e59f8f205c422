"""`licensecheck schema NAME`: print a shipped JSON Schema, so that editors can complete and
check policy, manifest and rule files (loaded only when run: see cli.LAZY_COMMANDS)."""

from __future__ import annotations

import click

from .paths import SCHEMA_NAMES, schema_file


@click.command("schema")
@click.argument("name", type=click.Choice(SCHEMA_NAMES))
def schema_command(name: str) -> None:
    """Print the JSON Schema (draft 2020-12) of a policy, manifest or rules file.

    Save it next to your files, or point an editor at the published copy (README, "Editor
    support"): `licensecheck schema policy > .licensecheck.schema.json`.
    """
    with open(schema_file(name), encoding="utf-8") as handle:
        click.echo(handle.read(), nl=False)
