"""The package version, in one place (imported by the CLI and the decision record)."""

__version__ = "0.1.0"
