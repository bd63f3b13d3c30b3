"""The dashboard's calls pinned (mutation survivors of sesl/resources/cloudwatch_dashboard.py): GetDashboard's
not-found answers, a body-less answer, the ownership read from the marker, the Athena widget's region, the diff's
sides and DeleteDashboards.

Unit level: a recording stand-in for the CloudWatch client answers with the shapes of the CloudWatch API reference."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions
import pytest

from sesl.model import Action
from sesl.naming import Names
from sesl.resources.base import Env
from sesl.resources.cloudwatch_dashboard import CloudWatchDashboardKind, DashboardState, dashboard_body
from sesl.spec import EnvSpec, default_spec

NAMES = Names("dev", "us-west-2", "123456789012")
KIND = CloudWatchDashboardKind()


@dataclass
class FakeCloudWatch:
    answer: dict[str, Any] = field(default_factory=dict)
    missing: str = ""  # the error code GetDashboard answers with, when set
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def get_dashboard(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("get_dashboard", params))
        if self.missing:
            raise botocore.exceptions.ClientError({"Error": {"Code": self.missing, "Message": "not found"}},
                                                  "GetDashboard")
        return self.answer

    def delete_dashboards(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("delete_dashboards", params))
        return {}


@dataclass
class FakeContext:
    cloudwatch: FakeCloudWatch = field(default_factory=FakeCloudWatch)
    spec: EnvSpec = field(default_factory=lambda: default_spec("dev"))
    services: list[str] = field(default_factory=list)

    def client(self, service: str) -> FakeCloudWatch:
        self.services.append(service)
        return self.cloudwatch


def env() -> Env:
    return Env(default_spec("dev"), NAMES)


def test_the_athena_widget_shows_the_workgroups_bytes_in_the_envs_region() -> None:
    athena = dashboard_body(env())["widgets"][-2]
    assert athena["properties"] == {
        "title": "Athena bytes scanned (email-analytics-dev)", "region": "us-west-2", "view": "timeSeries",
        "stat": "Sum", "period": 300, "metrics": [["AWS/Athena", "ProcessedBytes", "WorkGroup", "email-analytics-dev"]]}


@pytest.mark.parametrize("code", ["ResourceNotFound", "ResourceNotFoundException"])
def test_a_missing_dashboard_reads_as_none(code: str) -> None:
    # CloudWatch API reference, GetDashboard: ResourceNotFound (DashboardNotFoundError)
    (want,) = KIND.desired(env())
    cloudwatch = FakeCloudWatch(missing=code)
    assert KIND.read(FakeContext(cloudwatch), want) is None  # type: ignore[arg-type]
    assert cloudwatch.calls == [("get_dashboard", {"DashboardName": "email-events-dev"})]


def test_other_errors_are_raised() -> None:
    (want,) = KIND.desired(env())
    with pytest.raises(botocore.exceptions.ClientError):
        KIND.read(FakeContext(FakeCloudWatch(missing="InvalidParameterInput")), want)  # type: ignore[arg-type]


def test_the_body_is_read_parsed_and_owned_by_its_marker() -> None:
    (want,) = KIND.desired(env())
    answer = {"DashboardName": want.name, "DashboardBody": json.dumps(want.body, indent=2)}
    assert KIND.read(FakeContext(FakeCloudWatch(answer)), want) == DashboardState(  # type: ignore[arg-type]
        "email-events-dev", True, want.body)
    # an answer without a body: an empty dashboard, not sesl's
    assert KIND.read(FakeContext(FakeCloudWatch({"DashboardName": want.name})), want) == DashboardState(  # type: ignore[arg-type]
        "email-events-dev", False, {})


def test_diff_carries_both_sides_and_delete_names_the_dashboard() -> None:
    (want,) = KIND.desired(env())
    have = DashboardState(want.name, True, {**want.body, "start": "-PT3H"})
    (change,) = KIND.diff(have, want)
    assert (change.aspect, change.action, change.have, change.want) == ("body", Action.UPDATE, have, want)
    ctx = FakeContext()
    KIND.delete(ctx, have)  # type: ignore[arg-type]
    assert (ctx.services, ctx.cloudwatch.calls) == (["cloudwatch"], [("delete_dashboards",
                                                                       {"DashboardNames": ["email-events-dev"]})])
