"""The ``rnnloss`` command: Typer commands, one module per group; ``io`` holds streams and exits.

``app`` is the full Typer app, ``main`` the console-script entry point.
"""

from rnnloss_cli.cli.app import app, app_for, main

__all__ = ["app", "app_for", "main"]
