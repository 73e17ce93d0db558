"""The `parkbrain` command: one module per capability, each a thin shell over the core."""

from parkbrain.cli.main import app

__all__ = ["app"]
