"""IAM: what GetRole and the role-policy reads really return."""

from __future__ import annotations
