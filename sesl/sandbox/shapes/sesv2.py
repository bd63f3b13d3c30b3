"""SESv2: what GetConfigurationSetEventDestinations really returns."""

from __future__ import annotations
