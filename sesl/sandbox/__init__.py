"""The embedded AWS sandbox: a moto server on 127.0.0.1, seeded, with moto's gaps filled and its answers
shaped the way AWS answers."""

from __future__ import annotations


def install() -> None:
    """Fill moto's gaps and hook the AWS-shaped answers (idempotent; before any server starts)."""
    from sesl.sandbox import gaps, shapes

    gaps.install()
    shapes.install()
