"""S3: what the bucket configuration reads (encryption, policy, lifecycle, ...) really return."""

from __future__ import annotations
