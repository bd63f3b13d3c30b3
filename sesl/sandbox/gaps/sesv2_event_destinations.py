"""SESv2 configuration-set event destinations, which moto 5.2.5 does not implement.

Shapes and errors follow the SESv2 API reference (CreateConfigurationSetEventDestination,
GetConfigurationSetEventDestinations, UpdateConfigurationSetEventDestination,
DeleteConfigurationSetEventDestination): NotFoundException (404) for a missing configuration set or
destination, AlreadyExistsException (400) for a duplicate name, LimitExceededException (400) past the
10 destinations a set may hold (SES quotas), BadRequestException (400) for an event type outside the
SESv2 enum. State lives on moto's SESv2 backend, so a moto reset clears it.
"""

from __future__ import annotations

import json
from typing import Any

EVENT_TYPES = ("SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "OPEN", "CLICK", "RENDERING_FAILURE",
               "DELIVERY_DELAY", "SUBSCRIPTION")
MAX_DESTINATIONS = 10
_BASE = "{0}/v2/email/configuration-sets/(?P<ConfigurationSetName>[^/]+)/event-destinations"


def _error(code: str, message: str, status: int = 400) -> Any:
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError(code, message)
    error.code = status
    return error


def _store(response: Any, set_name: str) -> dict[str, dict[str, Any]]:
    backend = response.sesv2_backend
    if set_name not in backend.core_backend.config_sets:
        raise _error("NotFoundException", f"Configuration set <{set_name}> does not exist.", 404)
    stores: dict[str, dict[str, dict[str, Any]]] = backend.__dict__.setdefault("_sesl_event_destinations", {})
    return stores.setdefault(set_name, {})


def _path_parts(response: Any) -> list[str]:
    from urllib.parse import unquote

    path = response.path.split("?", 1)[0]
    parts = path.rstrip("/").split("/")
    index = parts.index("configuration-sets")
    return [unquote(p) for p in parts[index + 1:]]


def _checked(definition: dict[str, Any]) -> dict[str, Any]:
    bad = [t for t in definition.get("MatchingEventTypes", []) if t not in EVENT_TYPES]
    if bad:
        raise _error("BadRequestException", f"Invalid event type(s): {', '.join(bad)}")
    return definition


def _create(self: Any) -> str:
    set_name = _path_parts(self)[0]
    body = json.loads(self.body or "{}")
    store = _store(self, set_name)
    name = body["EventDestinationName"]
    if name in store:
        raise _error("AlreadyExistsException", f"Event destination {name} already exists.")
    if len(store) >= MAX_DESTINATIONS:
        raise _error("LimitExceededException", f"Configuration set {set_name} already has {MAX_DESTINATIONS} "
                                               "event destinations.")
    store[name] = _checked(body.get("EventDestination", {}))
    return "{}"


def _get(self: Any) -> str:
    store = _store(self, _path_parts(self)[0])
    destinations = [{"Name": name, "Enabled": d.get("Enabled", False),
                     "MatchingEventTypes": d.get("MatchingEventTypes", []),
                     **{k: v for k, v in d.items() if k not in ("Enabled", "MatchingEventTypes")}}
                    for name, d in store.items()]
    return json.dumps({"EventDestinations": destinations})


def _named(self: Any) -> tuple[dict[str, dict[str, Any]], str]:
    set_name, _, name = _path_parts(self)[:3]
    store = _store(self, set_name)
    if name not in store:
        raise _error("NotFoundException", f"Event destination {name} does not exist.", 404)
    return store, name


def _update(self: Any) -> str:
    store, name = _named(self)
    store[name] = _checked(json.loads(self.body or "{}").get("EventDestination", {}))
    return "{}"


def _delete(self: Any) -> str:
    store, name = _named(self)
    del store[name]
    return "{}"


def install() -> None:
    from moto.sesv2 import urls
    from moto.sesv2.responses import SESV2Response

    # moto dispatches a request to the response method named after the operation (snake_case).
    for operation, handler in (("create_configuration_set_event_destination", _create),
                               ("get_configuration_set_event_destinations", _get),
                               ("update_configuration_set_event_destination", _update),
                               ("delete_configuration_set_event_destination", _delete)):
        setattr(SESV2Response, operation, handler)
    # The server builds Flask rules from url_paths; its catch-all "{0}/v2/.*$" is taken literally there.
    urls.url_paths[_BASE + "$"] = SESV2Response.dispatch
    urls.url_paths[_BASE + "/(?P<EventDestinationName>[^/]+)$"] = SESV2Response.dispatch
