"""Kinesis Data Firehose: what DescribeDeliveryStream really returns."""

from __future__ import annotations
