"""The sandbox carries out one request at a time (sesl.sandbox.serial): moto's handlers iterate plain dicts, and
a parallel apply's create in one thread broke a listing in another ("dictionary changed size during iteration")."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from moto.athena.models import AthenaBackend

from sesl.sandbox import serial


def test_requests_from_many_threads_are_handled_one_at_a_time(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    inside: list[int] = []
    overlap: list[int] = []
    guard = threading.Lock()
    original = AthenaBackend.list_named_queries

    def slow_listing(self: Any, *args: Any, **kwargs: Any) -> Any:
        with guard:
            inside.append(1)
            overlap.append(len(inside))
        time.sleep(0.02)  # long enough that unserialised handlers would overlap
        with guard:
            inside.pop()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AthenaBackend, "list_named_queries", slow_listing)
    clients = [boto3.client("athena", region_name="us-west-2") for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda c: c.list_named_queries(WorkGroup="primary")["NamedQueryIds"], clients * 3))
    assert answers == [[]] * 12
    assert len(overlap) == 12 and max(overlap) == 1


def test_the_lock_lets_a_handler_call_another_service_in_its_own_thread(aws: None) -> None:
    with serial.LOCK:  # as a handler holding it would
        assert boto3.client("sts", region_name="us-west-2").get_caller_identity()["Account"]
    assert serial.install() is False  # installed once, by the fixtures
