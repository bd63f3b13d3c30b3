"""SESv2: what GetConfigurationSetEventDestinations really returns."""

from __future__ import annotations

from typing import Any

from sesl.sandbox.shapes import Response, shaping

# The SESv2 EventType enum in its declared order (botocore sesv2 `EventType`).
EVENT_TYPE_ORDER = ("SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "OPEN", "CLICK", "RENDERING_FAILURE",
                    "DELIVERY_DELAY", "SUBSCRIPTION")


def _rank(event_type: str) -> int:
    return EVENT_TYPE_ORDER.index(event_type) if event_type in EVENT_TYPE_ORDER else len(EVENT_TYPE_ORDER)


def _reordered(destination: dict[str, Any]) -> dict[str, Any]:
    types = sorted(destination.get("MatchingEventTypes", []), key=_rank)
    return {**destination, "MatchingEventTypes": types}


@shaping("sesv2", "GetConfigurationSetEventDestinations",
         what="MatchingEventTypes do not come back in the order they were sent (the sandbox answers in the "
              "EventType enum's order, one order that differs from sesl's sorted request)",
         source="go-to-k/cdk-real-drift tests/corpus/AWS__SES__ConfigurationSetEventDestination.Dest.json (live "
                "read: sent DELIVERY, BOUNCE, SEND, COMPLAINT, read back re-sorted); terraform-provider-aws "
                "internal/service/sesv2/configuration_set_event_destination.go (matching_event_types read as a set); "
                "the exact order AWS uses is not published. Casing UPPER_SNAKE: "
                "aws-cloudformation/cloudformation-coverage-roadmap #2130 (`aws sesv2 "
                "get-configuration-set-event-destinations` returns the values in all uppercase)")
def event_types_reordered(response: Response, request: Response) -> Response:
    return {**response, "EventDestinations": [_reordered(d) for d in response.get("EventDestinations", [])]}
