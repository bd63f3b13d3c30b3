"""CloudTrail: what GetEventSelectors really returns, and selectors of one kind at a time.

moto answers a trail that never had PutEventSelectors with no selectors at all, which reads as a trail that
logs nothing; AWS answers the default selector, all read and write management events and no data events.
moto also keeps a trail's advanced selectors when classic ones are put; AWS keeps one kind only.
"""

from __future__ import annotations

from typing import Any

from sesl.sandbox.shapes import Response, shaping

# The defaults of a classic selector (CloudTrail API reference, EventSelector: ReadWriteType "By default, the
# value is All", IncludeManagementEvents "By default, the value is true"; ExcludeManagementEventSources "By
# default ... is empty").
_SELECTOR_DEFAULTS: dict[str, Any] = {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
                                      "ExcludeManagementEventSources": []}


@shaping("cloudtrail", "GetEventSelectors",
         what="a trail created without selectors answers the default selector (All, management events, no data "
              "resources) instead of none; each classic selector carries its defaults; only the kind in use "
              "(EventSelectors or AdvancedEventSelectors) is in the answer",
         source="CloudTrail API reference, EventSelector (\"By default, trails created without specific event "
                "selectors will be configured to log all read and write management events, and no data events\"; "
                "the defaults of ReadWriteType and IncludeManagementEvents); AWS CLI example "
                "awscli/examples/cloudtrail/get-event-selectors.rst (a trail's answer: one selector, "
                "IncludeManagementEvents true, DataResources [], ReadWriteType All, no AdvancedEventSelectors)")
def default_selectors(response: Response, request: Response) -> Response:
    shaped = {k: v for k, v in response.items() if k not in ("EventSelectors", "AdvancedEventSelectors")}
    advanced = response.get("AdvancedEventSelectors") or []
    if advanced:
        return {**shaped, "AdvancedEventSelectors": advanced}
    classic = response.get("EventSelectors") or [{}]
    return {**shaped, "EventSelectors": [{**_SELECTOR_DEFAULTS, **s} for s in classic]}


def install() -> None:
    """PutEventSelectors with classic selectors replaces advanced ones, as the reverse already does in moto
    ("You can use either AdvancedEventSelectors or EventSelectors, but not both. If you apply
    AdvancedEventSelectors to a trail, any existing EventSelectors are overwritten": CloudTrail API reference,
    PutEventSelectors)."""
    from moto.cloudtrail.models import Trail

    original = Trail.put_event_selectors

    def put_event_selectors(self: Any, event_selectors: list[dict[str, Any]],
                            advanced_event_selectors: list[dict[str, Any]]) -> None:
        original(self, event_selectors, advanced_event_selectors)
        if event_selectors:
            self.advanced_event_selectors = []

    Trail.put_event_selectors = put_event_selectors  # type: ignore[method-assign]
