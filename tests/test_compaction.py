"""Compaction of a closed day's small files (sesl/compaction.py)."""

from __future__ import annotations

import datetime as dt

from sesl.compaction import closed

DAY = dt.date(2026, 11, 28)


def test_a_day_is_closed_only_after_midnight_plus_the_buffer_interval_and_a_margin() -> None:
    midnight = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    assert not closed(DAY, 60, now=midnight)
    assert not closed(DAY, 60, now=midnight + dt.timedelta(seconds=60 + 899))
    assert closed(DAY, 60, now=midnight + dt.timedelta(seconds=60 + 900))
    assert not closed(DAY, 900, now=midnight + dt.timedelta(seconds=60 + 900))
    assert not closed(DAY + dt.timedelta(days=1), 60, now=midnight + dt.timedelta(hours=3))
