"""The console script's entry: the signal handlers first, then the CLI (see early_signals)."""

from __future__ import annotations

from dagwright import early_signals


def entry() -> None:
    early_signals.install()
    from dagwright.cli import entry as cli_entry

    cli_entry()
