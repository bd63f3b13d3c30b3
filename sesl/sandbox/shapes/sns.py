"""SNS: what GetTopicAttributes and ListSubscriptionsByTopic really return."""

from __future__ import annotations
