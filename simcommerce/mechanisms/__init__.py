"""Mechanisms: one behavioural process per module of this package, found and registered at import
(see base.py; a new module needs no list to be edited)."""

from .base import REGISTRY, STAGES, Array, Mechanism, State, discover, register  # noqa: F401

discover()
