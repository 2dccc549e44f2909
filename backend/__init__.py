"""GovChain backend: departments share data on a permissioned chain."""

__version__ = "0.1.0"
