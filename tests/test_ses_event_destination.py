"""SES event destinations: only sesl's destination on sets it never touches; types compare as a set."""

from __future__ import annotations

import functools
from typing import Any

import botocore.exceptions
import pytest
from botocore.stub import Stubber

from sesl import reconcile
from sesl.context import AwsContext
from sesl.errors import SeslError
from sesl.naming import Names
from sesl.reconcile import model_problems
from sesl.resources import ses_event_destination as ses
from sesl.resources.base import Env
from sesl.retry import retry_eventual
from sesl.spec import default_spec
from tests.conftest import ACCOUNT, boto
from tests.ladder import climb, converge, drift_then_repair, plan_for

NEWSLETTER_SET = "daily-system-design-newsletter-dev"
DEPS = ["s3_bucket", "iam_role", "log_group", "firehose_stream"]
NAMES = Names("dev", "us-west-2", ACCOUNT)


def _destinations(set_name: str = NEWSLETTER_SET) -> list[dict[str, Any]]:
    return list(boto("sesv2").get_configuration_set_event_destinations(
        ConfigurationSetName=set_name)["EventDestinations"])


def test_destinations_climb_the_ladder(ctx: AwsContext) -> None:
    climb(ctx, "ses_event_destination", ["sesl-firehose-newsletter", "sesl-firehose-transactional"], deps=DEPS)
    (d,) = _destinations()
    assert d["Enabled"] is True
    assert sorted(d["MatchingEventTypes"]) == ["BOUNCE", "CLICK", "COMPLAINT", "DELIVERY", "OPEN", "SEND"]
    assert d["KinesisFirehoseDestination"] == {
        "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/email-events-ses-to-firehose-dev",
        "DeliveryStreamArn": f"arn:aws:firehose:us-west-2:{ACCOUNT}:deliverystream/email-events-newsletter-dev"}


def _set_types(types: list[str]) -> None:
    (d,) = _destinations()
    boto("sesv2").update_configuration_set_event_destination(
        ConfigurationSetName=NEWSLETTER_SET, EventDestinationName=d["Name"], EventDestination={
            "Enabled": d["Enabled"], "MatchingEventTypes": types,
            "KinesisFirehoseDestination": d["KinesisFirehoseDestination"]})


def test_event_types_compare_as_a_set(ctx: AwsContext) -> None:
    climb(ctx, "ses_event_destination", ["sesl-firehose-newsletter", "sesl-firehose-transactional"], deps=DEPS)
    _set_types(["OPEN", "CLICK", "SEND", "DELIVERY", "COMPLAINT", "BOUNCE"])  # AWS's own order
    assert plan_for(ctx, ["ses_event_destination"]) == []
    change = drift_then_repair(ctx, "ses_event_destination", "sesl-firehose-newsletter", "event_types",
                               lambda: _set_types(["SEND", "DELIVERY"]))
    assert change.fields[0].before == ["DELIVERY", "SEND"]


def test_a_disabled_destination_is_drift(ctx: AwsContext) -> None:
    climb(ctx, "ses_event_destination", ["sesl-firehose-newsletter", "sesl-firehose-transactional"], deps=DEPS)
    (d,) = _destinations()

    def disable() -> None:
        boto("sesv2").update_configuration_set_event_destination(
            ConfigurationSetName=NEWSLETTER_SET, EventDestinationName=d["Name"],
            EventDestination={**{k: v for k, v in d.items() if k != "Name"}, "Enabled": False})

    drift_then_repair(ctx, "ses_event_destination", "sesl-firehose-newsletter", "enabled", disable)


def test_other_destinations_are_left_alone_and_destroy_removes_only_sesls(ctx: AwsContext) -> None:
    boto("sesv2").create_configuration_set_event_destination(
        ConfigurationSetName=NEWSLETTER_SET, EventDestinationName="team-sns", EventDestination={
            "Enabled": True, "MatchingEventTypes": ["BOUNCE"], "SnsDestination": {"TopicArn": "arn:aws:sns:x"}})
    climb(ctx, "ses_event_destination", ["sesl-firehose-newsletter", "sesl-firehose-transactional"], deps=DEPS)
    plan = reconcile.plan_destroy(ctx, reconcile.PlanOptions(targets=("ses_event_destination",)))
    reconcile.execute(ctx, plan)
    assert [d["Name"] for d in _destinations()] == ["team-sns"]
    assert NEWSLETTER_SET in boto("sesv2").list_configuration_sets()["ConfigurationSets"]


def test_a_missing_configuration_set_is_a_clear_error_and_never_created(ctx: AwsContext) -> None:
    converge(ctx, DEPS)
    boto("sesv2").delete_configuration_set(ConfigurationSetName=NEWSLETTER_SET)
    with pytest.raises(SeslError, match=f"SES configuration set {NEWSLETTER_SET} does not exist"):
        reconcile.plan(ctx, reconcile.PlanOptions(targets=("ses_event_destination",)))
    assert NEWSLETTER_SET not in boto("sesv2").list_configuration_sets()["ConfigurationSets"]


def test_a_full_configuration_set_is_reported(ctx: AwsContext) -> None:
    for i in range(10):
        boto("sesv2").create_configuration_set_event_destination(
            ConfigurationSetName=NEWSLETTER_SET, EventDestinationName=f"other-{i}",
            EventDestination={"Enabled": True, "MatchingEventTypes": ["SEND"]})
    with pytest.raises(SeslError, match="already has 10 event destinations"):
        reconcile.plan(ctx, reconcile.PlanOptions(targets=("ses_event_destination",)))


def test_exact_parameters_sent_on_create_update_delete(ctx: AwsContext) -> None:
    kind = ses.SesEventDestinationKind()
    want = kind.desired(Env(ctx.spec, NAMES))[0]
    sesv2 = ctx.client("sesv2")
    ctx.allow_mutations()
    definition = {"Enabled": True, "MatchingEventTypes": ["BOUNCE", "CLICK", "COMPLAINT", "DELIVERY", "OPEN", "SEND"],
                  "KinesisFirehoseDestination": {
                      "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/email-events-ses-to-firehose-dev",
                      "DeliveryStreamArn": f"arn:aws:firehose:us-west-2:{ACCOUNT}:deliverystream/"
                                           "email-events-newsletter-dev"}}
    expected = {"ConfigurationSetName": NEWSLETTER_SET, "EventDestinationName": "sesl-firehose-newsletter",
                "EventDestination": definition}
    with Stubber(sesv2) as stub:
        stub.add_response("create_configuration_set_event_destination", {}, expected)
        stub.add_response("update_configuration_set_event_destination", {}, expected)
        stub.add_response("delete_configuration_set_event_destination", {},
                          {"ConfigurationSetName": NEWSLETTER_SET, "EventDestinationName": "sesl-firehose-newsletter"})
        kind.create(ctx, want)
        kind.update_whole(ctx, want, None)  # type: ignore[arg-type]
        kind.delete(ctx, ses.DestinationState(want.name, True, NEWSLETTER_SET, (), True, {}))
        stub.assert_no_pending_responses()


def test_could_not_assume_role_is_retried_then_reported(ctx: AwsContext, monkeypatch: Any) -> None:
    monkeypatch.setattr(ses, "retry_eventual", functools.partial(retry_eventual, initial_wait=0.01, timeout=0.3))
    kind = ses.SesEventDestinationKind()
    want = kind.desired(Env(ctx.spec, NAMES))[0]
    sesv2 = ctx.client("sesv2")
    ctx.allow_mutations()
    with Stubber(sesv2) as stub:
        stub.add_client_error("create_configuration_set_event_destination", "BadRequestException",
                              "Could not assume IAM role <arn>.")
        stub.add_response("create_configuration_set_event_destination", {}, None)
        kind.create(ctx, want)
    with Stubber(sesv2) as stub:
        for _ in range(50):
            stub.add_client_error("create_configuration_set_event_destination", "BadRequestException",
                                  "Could not assume IAM role <arn>.")
        with pytest.raises(botocore.exceptions.ClientError, match="Could not assume"):
            kind.create(ctx, want)


def test_validation_uses_the_sesv2_enum() -> None:
    from dataclasses import replace

    env = Env(default_spec("dev"), NAMES)
    kind = ses.SesEventDestinationKind()
    want = kind.desired(env)[0]
    assert kind.validate(env, want) == []
    assert "'OPEN_' is not one of SEND, REJECT" in model_problems(kind, replace(want, event_types=("OPEN_",)))[0]
    assert "at least one" in kind.validate(env, replace(want, event_types=()))[0]
    assert "1-64 letters" in kind.validate(env, replace(want, name="bad name"))[0]


def test_sandbox_fill_rejects_bad_types_and_duplicates(aws: None) -> None:
    sesv2 = boto("sesv2")
    good = {"Enabled": True, "MatchingEventTypes": ["SEND"]}
    sesv2.create_configuration_set_event_destination(ConfigurationSetName=NEWSLETTER_SET,
                                                     EventDestinationName="a", EventDestination=good)
    with pytest.raises(botocore.exceptions.ClientError, match="AlreadyExistsException"):
        sesv2.create_configuration_set_event_destination(ConfigurationSetName=NEWSLETTER_SET,
                                                         EventDestinationName="a", EventDestination=good)
    with pytest.raises(botocore.exceptions.ClientError, match="BadRequestException"):
        sesv2.create_configuration_set_event_destination(ConfigurationSetName=NEWSLETTER_SET, EventDestinationName="b",
                                                         EventDestination={"MatchingEventTypes": ["open"]})
    with pytest.raises(botocore.exceptions.ClientError, match="NotFoundException"):
        sesv2.update_configuration_set_event_destination(ConfigurationSetName=NEWSLETTER_SET,
                                                         EventDestinationName="zzz", EventDestination=good)


# --- what AWS answers (sesl.sandbox.shapes.sesv2) -----------------------------------------------------------------
def test_the_sandbox_does_not_keep_the_order_of_event_types() -> None:
    from sesl.sandbox import shapes

    sent = {"EventDestinations": [{"Name": "d", "Enabled": True,
                                   "MatchingEventTypes": ["BOUNCE", "CLICK", "COMPLAINT", "DELIVERY", "OPEN", "SEND"]}]}
    shaped = shapes.shape("sesv2", "GetConfigurationSetEventDestinations", sent, {})
    assert shaped == {"EventDestinations": [{"Name": "d", "Enabled": True, "MatchingEventTypes": [
        "SEND", "BOUNCE", "COMPLAINT", "DELIVERY", "OPEN", "CLICK"]}]}


def test_the_ladder_reads_the_reordered_answer(ctx: AwsContext) -> None:
    climb(ctx, "ses_event_destination", ["sesl-firehose-newsletter", "sesl-firehose-transactional"], deps=DEPS)
    (d,) = _destinations()
    # sesl sent them sorted; the answer is in another order, and the plan above was still empty.
    assert d["MatchingEventTypes"] == ["SEND", "BOUNCE", "COMPLAINT", "DELIVERY", "OPEN", "CLICK"]


def test_a_read_in_any_order_or_spelling_has_no_diff() -> None:
    kind = ses.SesEventDestinationKind()
    want = kind.desired(Env(default_spec("dev"), NAMES))[0]
    firehose = want.definition()["KinesisFirehoseDestination"]
    for types in (("SEND", "BOUNCE", "COMPLAINT", "DELIVERY", "OPEN", "CLICK"),
                  ("send", "bounce", "complaint", "delivery", "open", "click")):
        have = ses.DestinationState(want.name, True, want.configuration_set,
                                    tuple(sorted({ses.event_type(t) for t in types})), True, firehose)
        assert kind.diff(have, want) == []
    assert ses.event_type("renderingFailure") == "RENDERING_FAILURE"
    assert ses.event_type("deliveryDelay") == "DELIVERY_DELAY"
    assert ses.event_type("DELIVERY_DELAY") == "DELIVERY_DELAY"


def test_could_not_access_the_stream_is_retried_for_the_ses_role(ctx: AwsContext, monkeypatch: Any) -> None:
    monkeypatch.setattr(ses, "retry_eventual", functools.partial(retry_eventual, sleep=lambda _: None))
    kind = ses.SesEventDestinationKind()
    want = kind.desired(Env(ctx.spec, NAMES))[0]
    sesv2 = ctx.client("sesv2")
    ctx.allow_mutations()
    with Stubber(sesv2) as stub:
        stub.add_client_error("update_configuration_set_event_destination", "BadRequestException",
                              "Could not access Kinesis Firehose Stream arn:aws:firehose:us-west-2:1:deliverystream/s.")
        stub.add_response("update_configuration_set_event_destination", {}, None)
        kind.update_whole(ctx, want, None)  # type: ignore[arg-type]
        stub.assert_no_pending_responses()
    with Stubber(sesv2) as stub:
        stub.add_client_error("create_configuration_set_event_destination", "AccessDeniedException",
                              "User: arn:aws:iam::1:user/u is not authorized to perform: "
                              "ses:CreateConfigurationSetEventDestination")
        with pytest.raises(botocore.exceptions.ClientError, match="AccessDeniedException"):
            kind.create(ctx, want)
        stub.assert_no_pending_responses()  # one call: not retried
