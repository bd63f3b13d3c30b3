"""The embedded AWS sandbox: a moto server on 127.0.0.1, seeded, with moto's gaps filled and its answers
shaped the way AWS answers."""

from __future__ import annotations


def install() -> None:
    """Fill moto's gaps and hook the AWS-shaped answers (idempotent; before any server starts)."""
    from sesl.sandbox import faults, gaps, serial, shapes

    serial.install()
    gaps.install()
    shapes.install()
    faults.install()  # after the shapes: a lost answer replaces the shaped one
