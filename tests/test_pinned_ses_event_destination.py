"""The SES event destinations' values pinned (mutation survivors of sesl/resources/ses_event_destination.py): the
event types (SESv2 spelling, a set), the destination's role and stream ARNs, what a read makes of
GetConfigurationSetEventDestinations (ownership by name, a missing or full configuration set), each
difference's aspect, and what the writes hand to the retry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import botocore.exceptions
import pytest
from botocore.stub import Stubber

from sesl.context import AwsContext
from sesl.errors import SeslError
from sesl.model import Action, Change, FieldChange
from sesl.resources import ses_event_destination as ses
from sesl.resources.base import Env, Request
from sesl.spec import default_spec

KIND = ses.SesEventDestinationKind()
REGION, ACCOUNT = "eu-central-1", "111122223333"
SET = "daily-system-design-newsletter-dev"
NAME = "sesl-firehose-newsletter"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/email-events-ses-to-firehose-dev"
STREAM = f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/email-events-newsletter-dev"
TYPES = ("BOUNCE", "CLICK", "COMPLAINT", "DELIVERY", "OPEN", "SEND")


def _env(event_types: list[str] | None = None) -> Env:
    spec = default_spec("dev")
    if event_types is not None:
        spec = replace(spec, ses=replace(spec.ses, event_types=event_types))
    return Env(spec, spec.names_for(REGION, ACCOUNT))


def _want() -> ses.DestinationSpec:
    return KIND.desired(_env())[0]


def _have(**changes: Any) -> ses.DestinationState:
    state = ses.DestinationState(NAME, True, SET, TYPES, True, {"IamRoleArn": ROLE, "DeliveryStreamArn": STREAM})
    return replace(state, **changes)


@pytest.mark.parametrize(("given", "spelled"), [
    ("renderingFailure", "RENDERING_FAILURE"), ("deliveryDelay", "DELIVERY_DELAY"), ("send", "SEND"),
    ("RENDERING_FAILURE", "RENDERING_FAILURE"), ("SEND", "SEND"), ("aB", "A_B"), ("AB", "AB"), ("a1B", "A1B"),
])
def test_event_types_in_sesv2_spelling(given: str, spelled: str) -> None:
    assert ses.event_type(given) == spelled


def test_one_destination_per_flow_to_its_stream_with_the_ses_role() -> None:
    first, second = KIND.desired(_env(["SEND", "OPEN", "SEND", "BOUNCE"]))
    assert first == ses.DestinationSpec(NAME, SET, ("BOUNCE", "OPEN", "SEND"), ROLE, STREAM)
    assert first.enabled is True
    assert (second.name, second.configuration_set, second.stream_arn) == (
        "sesl-firehose-transactional", "daily-system-design-transactional-dev",
        f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/email-events-transactional-dev")
    assert KIND.desired(_env())[0].event_types == TYPES


def test_the_definition_sent() -> None:
    want = _want()
    # SESv2 EventDestinationDefinition: Enabled, MatchingEventTypes, KinesisFirehoseDestination (botocore sesv2)
    assert want.definition() == {"Enabled": True, "MatchingEventTypes": list(TYPES),
                                 "KinesisFirehoseDestination": {"IamRoleArn": ROLE, "DeliveryStreamArn": STREAM}}
    assert replace(want, enabled=False).definition()["Enabled"] is False
    assert KIND.requests(want) == [Request("sesv2", "CreateConfigurationSetEventDestination", {
        "ConfigurationSetName": SET, "EventDestinationName": NAME, "EventDestination": want.definition()})]


def test_the_create_fields() -> None:
    assert KIND.create_fields(_want()) == (FieldChange("configuration_set", None, SET),
                                           FieldChange("MatchingEventTypes", None, list(TYPES)),
                                           FieldChange("DeliveryStreamArn", None, STREAM))


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("event_types", (), "at least one event type must be published"),
    ("configuration_set", "a" * 65, f"configuration set {'a' * 65!r} must be 1-64 letters, digits, '_' or '-'"),
    ("configuration_set", "", "configuration set '' must be 1-64 letters, digits, '_' or '-'"),
    ("name", "sesl-fire hose", "destination 'sesl-fire hose' must be 1-64 letters, digits, '_' or '-'"),
    ("name", "sesl.x", "destination 'sesl.x' must be 1-64 letters, digits, '_' or '-'"),
])
def test_validation_messages(field: str, value: Any, problem: str) -> None:
    assert KIND.validate(_env(), replace(_want(), **{field: value})) == [problem]


def test_the_longest_names_and_every_allowed_character_are_valid() -> None:
    want = replace(_want(), configuration_set="A-z_9" + "a" * 59, name="s" * 64)
    assert KIND.validate(_env(), want) == []
    both = replace(want, event_types=(), configuration_set="x y", name="x/y")
    assert len(KIND.validate(_env(), both)) == 3


# --- reading ------------------------------------------------------------------------------------------------------
def _destination(name: str, **extra: Any) -> dict[str, Any]:
    return {"Name": name, "MatchingEventTypes": ["SEND"], **extra}


def _read(ctx: AwsContext, want: ses.DestinationSpec, answer: dict[str, Any]) -> ses.DestinationState | None:
    with Stubber(ctx.client("sesv2")) as stub:
        stub.add_response("get_configuration_set_event_destinations", answer, {"ConfigurationSetName":
                                                                               want.configuration_set})
        got = KIND.read(ctx, want)
        stub.assert_no_pending_responses()
    return got


def test_a_read_finds_sesls_destination_among_others(ctx: AwsContext) -> None:
    want = replace(_want(), configuration_set="daily-system-design-newsletter-dev")
    answer = {"EventDestinations": [
        _destination("other-sns", Enabled=True, MatchingEventTypes=["BOUNCE"]),
        _destination(NAME, Enabled=True, MatchingEventTypes=["open", "SEND", "renderingFailure", "OPEN"],
                     KinesisFirehoseDestination={"IamRoleArn": ROLE, "DeliveryStreamArn": STREAM}),
    ]}
    # the event types as a sorted set in the SESv2 spelling, whatever order and spelling SES answers with
    assert _read(ctx, want, answer) == ses.DestinationState(
        NAME, True, SET, ("OPEN", "RENDERING_FAILURE", "SEND"), True, {"IamRoleArn": ROLE, "DeliveryStreamArn": STREAM})


def test_enabled_left_out_reads_as_false_and_no_firehose_as_empty(ctx: AwsContext) -> None:
    want = _want()
    have = _read(ctx, want, {"EventDestinations": [_destination(NAME)]})
    assert have is not None
    assert (have.enabled, have.firehose, have.event_types) == (False, {}, ("SEND",))


def test_a_destination_without_sesls_prefix_is_not_sesls(ctx: AwsContext) -> None:
    want = replace(_want(), name="firehose-newsletter")
    have = _read(ctx, want, {"EventDestinations": [_destination("firehose-newsletter", Enabled=True)]})
    assert have is not None and have.owned is False


@pytest.mark.parametrize("others", [0, 9])
def test_no_destination_of_sesls_yet_reads_as_none(ctx: AwsContext, others: int) -> None:
    answer = {"EventDestinations": [_destination(f"other-{i}") for i in range(others)]}
    assert _read(ctx, _want(), answer) is None


def test_a_set_with_the_maximum_of_ten_destinations_is_refused(ctx: AwsContext) -> None:
    answer = {"EventDestinations": [_destination(f"other-{i}") for i in range(10)]}
    with pytest.raises(SeslError) as raised:
        _read(ctx, _want(), answer)
    assert str(raised.value) == (f"SES configuration set {SET} already has 10 event destinations, the SES maximum: "
                                 f"remove one so sesl can add {NAME}")
    mine = {"EventDestinations": [*answer["EventDestinations"][:9], _destination(NAME, Enabled=True)]}
    assert _read(ctx, _want(), mine) is not None  # already there: nothing to add


def test_a_missing_configuration_set_of_the_config_is_an_error(ctx: AwsContext) -> None:
    want = replace(_want(), configuration_set=ctx.names.configuration_set("newsletter"))
    with Stubber(ctx.client("sesv2")) as stub:
        stub.add_client_error("get_configuration_set_event_destinations", "NotFoundException", "no such set")
        with pytest.raises(SeslError) as raised:
            KIND.read(ctx, want)
    assert str(raised.value) == (f"SES configuration set {want.configuration_set} does not exist in {ctx.region}: "
                                 "sesl never creates it; create it (or fix the env's region) and run again")


def test_a_retired_streams_set_gone_means_its_destination_is_gone(ctx: AwsContext) -> None:
    want = replace(_want(), configuration_set="daily-system-design-retired-dev")
    with Stubber(ctx.client("sesv2")) as stub:
        stub.add_client_error("get_configuration_set_event_destinations", "NotFoundException", "no such set")
        assert KIND.read(ctx, want) is None
        stub.add_client_error("get_configuration_set_event_destinations", "AccessDeniedException", "denied")
        with pytest.raises(botocore.exceptions.ClientError, match="denied"):
            KIND.read(ctx, want)
        stub.assert_no_pending_responses()


def test_other_errors_on_a_wanted_set_are_raised(ctx: AwsContext) -> None:
    want = replace(_want(), configuration_set=ctx.names.configuration_set("newsletter"))
    with Stubber(ctx.client("sesv2")) as stub:
        stub.add_client_error("get_configuration_set_event_destinations", "TooManyRequestsException", "slow down")
        with pytest.raises(botocore.exceptions.ClientError, match="slow down"):
            KIND.read(ctx, want)


# --- the diff -----------------------------------------------------------------------------------------------------
def test_a_destination_as_wanted_has_no_changes() -> None:
    assert KIND.diff(_have(), _want()) == []


def test_each_difference_is_its_aspect() -> None:
    want = _want()
    have = _have(event_types=("SEND",), enabled=False, firehose={"IamRoleArn": "arn:aws:iam::1:role/r",
                                                                  "DeliveryStreamArn": STREAM})
    assert KIND.diff(have, want) == [
        Change("ses_event_destination", NAME, Action.UPDATE, "event_types",
               (FieldChange("MatchingEventTypes", ["SEND"], list(TYPES)),), want=want, have=have),
        Change("ses_event_destination", NAME, Action.UPDATE, "enabled", (FieldChange("Enabled", False, True),),
               want=want, have=have),
        Change("ses_event_destination", NAME, Action.UPDATE, "firehose",
               (FieldChange("KinesisFirehoseDestination.IamRoleArn", "arn:aws:iam::1:role/r", ROLE),),
               want=want, have=have)]
    assert all(c.have is have and c.want is want for c in KIND.diff(have, want))  # what apply and the folds use


def test_the_fold_keeps_the_ignored_role_or_stream_as_it_lives() -> None:
    want = _want()
    have = _have(firehose={"IamRoleArn": "arn:aws:iam::1:role/live", "DeliveryStreamArn": "arn:live"})
    role = FieldChange("KinesisFirehoseDestination.IamRoleArn", "arn:aws:iam::1:role/live", ROLE)
    stream = FieldChange("KinesisFirehoseDestination.DeliveryStreamArn", "arn:live", STREAM)
    assert ses._keep_firehose(want, have, [role]) == replace(want, role_arn="arn:aws:iam::1:role/live")
    assert ses._keep_firehose(want, have, [stream]) == replace(want, stream_arn="arn:live")
    assert ses._keep_firehose(want, have, [role, stream]) == replace(
        want, role_arn="arn:aws:iam::1:role/live", stream_arn="arn:live")
    assert ses._keep_firehose(want, have, []) == want
    # a member AWS does not show stays as wanted
    assert ses._keep_firehose(want, _have(firehose={}), [role, stream]) == want


# --- writes -------------------------------------------------------------------------------------------------------
class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, tuple[str, ...]]] = []

    def __call__(self, fn: Callable[[], Any], what: str, service: str, roles: tuple[str, ...] = ()) -> Any:
        self.calls.append((what, service, roles))
        return fn()


def test_create_and_update_retry_for_the_ses_role(ctx: AwsContext, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _Recorder()
    monkeypatch.setattr(ses, "retry_eventual", recorder)
    ctx.allow_mutations()
    want = _want()
    expected = {"ConfigurationSetName": SET, "EventDestinationName": NAME, "EventDestination": want.definition()}
    with Stubber(ctx.client("sesv2")) as stub:
        stub.add_response("create_configuration_set_event_destination", {}, expected)
        stub.add_response("update_configuration_set_event_destination", {}, expected)
        KIND.create(ctx, want)
        KIND.update_whole(ctx, want, _have())
        stub.assert_no_pending_responses()
    assert recorder.calls == [(f"ses_event_destination.{NAME}", "sesv2", (ROLE,))] * 2
