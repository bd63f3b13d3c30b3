"""Athena: what GetWorkGroup and the named-query reads really return."""

from __future__ import annotations
