"""The Glue databases pinned whole: both databases' definitions, the CreateDatabase and UpdateDatabase requests
(UpdateDatabase replaces the whole definition, so every member sesl does not own is sent back), the state read
from GetDatabase and GetTables, which tables keep a database on destroy, and every Lake Formation warning with
its grants. A recording Glue client stands in for AWS; the moto round trips are in tests/test_glue_aws_shapes.py
and tests/test_lakeformation.py."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import botocore.exceptions
import pytest

from sesl import lakeformation
from sesl.model import Action, DestroyOptions, FieldChange
from sesl.naming import Names
from sesl.resources.base import Env, Request
from sesl.resources.glue_database import DatabaseSpec, DatabaseState, GlueDatabaseKind, database_state
from sesl.resources.glue_database import lake_formation_warnings as warnings_of
from sesl.spec import default_spec

ACCOUNT = "123456789012"
N = Names("dev", "us-west-2", ACCOUNT)
SPEC = default_spec("dev")
ENV = Env(SPEC, N)
DB, RAW = "email_events_db_dev", "email_events_raw_dev"
DB_ARN = f"arn:aws:glue:us-west-2:{ACCOUNT}:database/{DB}"
OWNED = {"sesl:managed-by": "sesl", "sesl:env": "dev"}
IAM_ONLY = [{"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Permissions": ["ALL"]}]
PROJECTION_DESCRIPTION = "SES email events (dev): Firehose conversion schema and Athena tables"


def _projection() -> DatabaseSpec:
    return GlueDatabaseKind().desired(ENV)[0]


def _raw() -> DatabaseSpec:
    return GlueDatabaseKind().desired(ENV)[1]


def _state(**changes: Any) -> DatabaseState:
    fields: dict[str, Any] = {"name": DB, "owned": True, "arn": DB_ARN, "description": PROJECTION_DESCRIPTION,
                              "tables": (), "tags": dict(OWNED), "kept": {}}
    return DatabaseState(**{**fields, **changes})


# --- what sesl asks for ------------------------------------------------------------------------------
def test_both_databases_exactly() -> None:
    assert GlueDatabaseKind().desired(Env(replace(SPEC, tags={"team": "data"}), N)) == [
        DatabaseSpec(DB, DB_ARN, PROJECTION_DESCRIPTION, {"team": "data", **OWNED},
                     ("newsletter_events", "transactional_events")),
        DatabaseSpec(RAW, f"arn:aws:glue:us-west-2:{ACCOUNT}:database/{RAW}",
                     "Raw SES JSON as the weekly crawler sees it (dev); crawler-owned", {"team": "data", **OWNED}, ()),
    ]


def test_no_raw_database_without_the_crawler() -> None:
    off = Env(replace(SPEC, glue=replace(SPEC.glue, crawler_enabled=False)), N)
    assert [d.name for d in GlueDatabaseKind().desired(off)] == [DB]


def test_the_create_request_and_fields() -> None:
    want = _projection()
    assert GlueDatabaseKind().requests(want) == [Request("glue", "CreateDatabase", {
        "DatabaseInput": {"Name": DB, "Description": PROJECTION_DESCRIPTION}, "Tags": OWNED})]
    assert GlueDatabaseKind().create_fields(want) == (FieldChange("Description", None, PROJECTION_DESCRIPTION),)


@pytest.mark.parametrize(("name", "ok"), [("email_events_db_dev", True), ("x" * 255, True), ("x" * 256, False),
                                          ("Email_events", False), ("email-events", False), ("", False)])
def test_database_names_are_athenas(name: str, ok: bool) -> None:
    got = GlueDatabaseKind().validate(ENV, replace(_projection(), name=name))
    assert got == ([] if ok else [f"database name {name!r} must be 1-255 lowercase letters, digits or '_' "
                                  "(Athena supports only '_')"])


# --- the calls ---------------------------------------------------------------------------------------
class FakeGlue:
    def __init__(self, database: dict[str, Any] | None, pages: list[dict[str, Any]] | None = None) -> None:
        self.database, self.pages = database, pages or []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def get_database(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("get_database", params))
        if self.database is None:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "EntityNotFoundException", "Message": "Database x not found."}}, "GetDatabase")
        return {"Database": self.database}

    def get_tags(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("get_tags", params))
        return {"Tags": OWNED}

    def get_paginator(self, operation: str) -> Any:
        def paginate(**params: Any) -> list[dict[str, Any]]:
            self.calls.append((operation, params))
            return self.pages

        return SimpleNamespace(paginate=paginate)

    def __getattr__(self, operation: str) -> Any:
        return lambda **params: self.calls.append((operation, params))


def _ctx(glue: FakeGlue, env: str = "dev") -> Any:
    return SimpleNamespace(client=lambda service: {"glue": glue}[service], spec=replace(SPEC, env=env), names=N)


def test_read_lists_every_page_of_tables() -> None:
    glue = FakeGlue({"Name": DB, "Description": "d", "CreateTime": "t", "CatalogId": ACCOUNT},
                    [{"TableList": [{"Name": "a"}]}, {}, {"TableList": [{"Name": "b"}]}])
    state = GlueDatabaseKind().read(_ctx(glue), _projection())
    assert state == DatabaseState(DB, True, DB_ARN, "d", ("a", "b"), OWNED, {}, (), ())
    assert glue.calls == [("get_database", {"Name": DB}), ("get_tags", {"ResourceArn": DB_ARN}),
                          ("get_tables", {"DatabaseName": DB})]


def test_read_of_a_missing_database_is_none() -> None:
    glue = FakeGlue(None)
    assert GlueDatabaseKind().read(_ctx(glue), _projection()) is None
    assert [op for op, _ in glue.calls] == ["get_database"]


def test_read_in_another_env_is_not_sesls() -> None:
    state = GlueDatabaseKind().read(_ctx(FakeGlue({"Name": DB}), env="prod"), _projection())
    assert state is not None and state.owned is False and state.description == ""


def test_the_state_keeps_what_others_set_and_names_registered_and_sesls_tables() -> None:
    database = {"Name": DB, "Description": None, "CreateTime": "t", "CatalogId": ACCOUNT,
                "LocationUri": "s3://x/", "Parameters": {"team": "a"}, "CreateTableDefaultPermissions": IAM_ONLY,
                "TargetDatabase": {"CatalogId": "1", "DatabaseName": "d"}, "FederatedDatabase": {"Identifier": "f"}}
    tables: list[dict[str, Any]] = [{"Name": "mine", "Parameters": OWNED, "IsRegisteredWithLakeFormation": True},
              {"Name": "other_env", "Parameters": {**OWNED, "sesl:env": "prod"}},
              {"Name": "theirs", "IsRegisteredWithLakeFormation": False, "Parameters": None}]
    state = database_state(database, tables, {}, _projection(), "dev")
    assert state == DatabaseState(DB, False, DB_ARN, "", ("mine", "other_env", "theirs"), {},
                                  {k: database[k] for k in ("LocationUri", "Parameters",
                                                            "CreateTableDefaultPermissions", "TargetDatabase",
                                                            "FederatedDatabase")},
                                  ("mine",), ("mine",))


def test_create_sends_the_request() -> None:
    glue = FakeGlue(None)
    GlueDatabaseKind().create(_ctx(glue), _projection())
    assert glue.calls == [("create_database", {"DatabaseInput": {"Name": DB, "Description": PROJECTION_DESCRIPTION},
                                               "Tags": OWNED})]


def test_the_description_update_sends_back_every_member_sesl_does_not_own() -> None:
    glue = FakeGlue(None)
    kept = {"LocationUri": "s3://x/", "Parameters": {"team": "a"}, "CreateTableDefaultPermissions": IAM_ONLY}
    GlueDatabaseKind().update_description(_ctx(glue), _projection(), _state(description="old", kept=kept))
    assert glue.calls == [("update_database", {"Name": DB, "DatabaseInput": {
        **kept, "Name": DB, "Description": PROJECTION_DESCRIPTION}})]


def test_tags_and_delete() -> None:
    glue = FakeGlue(None)
    GlueDatabaseKind().update_tags(_ctx(glue), _projection(), _state())
    GlueDatabaseKind().delete(_ctx(glue), _state())
    assert glue.calls == [("tag_resource", {"ResourceArn": DB_ARN, "TagsToAdd": OWNED}),
                          ("delete_database", {"Name": DB})]


# --- the plan ----------------------------------------------------------------------------------------
def test_the_plan_names_description_and_tags() -> None:
    assert GlueDatabaseKind().diff(_state(), _projection()) == []
    have = _state(description="old", tags={"sesl:managed-by": "sesl"})
    changes = GlueDatabaseKind().diff(have, _projection())
    assert [(c.kind, c.name, c.action, c.aspect, c.fields) for c in changes] == [
        ("glue_database", DB, Action.UPDATE, "description",
         (FieldChange("Description", "old", PROJECTION_DESCRIPTION),)),
        ("glue_database", DB, Action.UPDATE, "tags", (FieldChange("tags.sesl:env", None, "dev"),)),
    ]
    assert all(c.want == _projection() and c.have is have for c in changes)


# --- destroy: DeleteDatabase deletes every table in it -------------------------------------------------
def test_a_database_with_only_sesls_tables_may_go() -> None:
    kind, ctx = GlueDatabaseKind(), _ctx(FakeGlue(None))
    have = _state(tables=("newsletter_events", "transactional_events", "retired_events"),
                  owned_tables=("retired_events",))
    assert kind.keep_reason(ctx, have, DestroyOptions()) is None


def test_a_database_holding_others_tables_is_kept_naming_three_of_them() -> None:
    kind, ctx = GlueDatabaseKind(), _ctx(FakeGlue(None))
    have = _state(tables=("newsletter_events", "a", "b", "c", "d"))
    assert kind.keep_reason(ctx, have, DestroyOptions(delete_data=True)) == (
        "holds 4 table(s) sesl did not define (a, b, c): kept")
    assert kind.keep_reason(ctx, _state(tables=("x",)), DestroyOptions()) == (
        "holds 1 table(s) sesl did not define (x): kept")


def test_the_crawlers_database_goes_with_the_tables_it_found() -> None:
    kind, ctx = GlueDatabaseKind(), _ctx(FakeGlue(None))
    assert kind.keep_reason(ctx, _state(name=RAW, tables=("raw_newsletter", "raw_x")), DestroyOptions()) is None


# --- Lake Formation ------------------------------------------------------------------------------------
GRANT = "aws lakeformation grant-permissions --principal DataLakePrincipalIdentifier="
FIREHOSE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/email-events-firehose-dev"
CRAWLER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/email-events-crawler-dev"
LF = lakeformation.DataLakeSettings


def _with(monkeypatch: pytest.MonkeyPatch, found: lakeformation.DataLakeSettings | lakeformation.Unknown) -> Any:
    monkeypatch.setattr(lakeformation, "settings", lambda ctx: found)
    return _ctx(FakeGlue(None))


def test_unknown_settings_are_said_once_on_the_projection_database(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _with(monkeypatch, lakeformation.Unknown("lakeformation:GetDataLakeSettings failed: AccessDenied: no"))
    assert warnings_of(ctx, _projection(), None) == [
        "could not check whether Lake Formation governs the Data Catalog (lakeformation:GetDataLakeSettings failed: "
        "AccessDenied: no); if it does, Firehose needs Lake Formation grants to convert to Parquet (see "
        "docs/resources/glue_database.md)"]
    assert warnings_of(ctx, _raw(), None) == []


@pytest.mark.parametrize(("found", "kept", "exists", "why"), [
    (LF(True, True), None, True, None),
    (LF(True, True), IAM_ONLY, True, None),
    # the database's own setting decides for its tables, whatever the account's
    (LF(False, False), IAM_ONLY, True, None),
    (LF(True, True), [], True, "its CreateTableDefaultPermissions do not grant ALL to IAM_ALLOWED_PRINCIPALS"),
    (LF(True, False), None, True,
     "the account's data lake settings do not use only IAM access control for new tables"),
    (LF(False, True), None, True, None),  # it exists already: the new-database default no longer matters
    (LF(False, True), None, False, "the account's data lake settings do not use only IAM access control for new "
                                   "databases: creating it needs CREATE_DATABASE or a data lake administrator"),
    (LF(True, False), None, False,
     "the account's data lake settings do not use only IAM access control for new tables"),
])
def test_when_lake_formation_governs_the_projection_tables(monkeypatch: pytest.MonkeyPatch, found: Any, kept: Any,
                                                          exists: bool, why: str | None) -> None:
    ctx = _with(monkeypatch, found)
    have = _state(kept={} if kept is None else {"CreateTableDefaultPermissions": kept}) if exists else None
    grants = " ; ".join(
        f"{GRANT}{FIREHOSE_ROLE} --permissions SELECT DESCRIBE --resource "
        f"'{{\"Table\":{{\"DatabaseName\":\"{DB}\",\"Name\":\"{t}\"}}}}'"
        for t in ("newsletter_events", "transactional_events"))
    assert warnings_of(ctx, _projection(), have) == ([] if why is None else [
        f"Lake Formation governs the tables of {DB} ({why}): Firehose needs these grants to read the conversion "
        "schema (records go to errors/ without them); sesl does not make grants (docs/resources/glue_database.md), "
        f"a data lake administrator runs: {grants}"])


def test_the_crawlers_grants_on_its_database_and_the_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _with(monkeypatch, LF(True, False))
    have = _state(name=RAW, registered=("raw_a", "raw_b"))
    assert warnings_of(ctx, _raw(), have) == [
        f"Lake Formation governs the tables of {RAW} (the account's data lake settings do not use only IAM access "
        "control for new tables); tables registered with Lake Formation: raw_a, raw_b: the crawler needs these "
        "grants to write its tables; sesl does not make grants (docs/resources/glue_database.md), a data lake "
        f"administrator runs: {GRANT}{CRAWLER_ROLE} --permissions CREATE_TABLE ALTER DESCRIBE --resource "
        f"'{{\"Database\":{{\"Name\":\"{RAW}\"}}}}' ; {GRANT}{CRAWLER_ROLE} --permissions DATA_LOCATION_ACCESS "
        "--resource '{\"DataLocation\":{\"ResourceArn\":\"arn:aws:s3:::daily-system-design-email-events-dev\"}}' "
        "(only if the bucket is registered with Lake Formation: aws lakeformation list-resources)"]


def test_the_kind_reports_the_lake_formation_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _with(monkeypatch, LF(True, False))
    assert GlueDatabaseKind().observed_warnings(ctx, _projection(), None) == warnings_of(ctx, _projection(), None)
    assert len(warnings_of(ctx, _projection(), None)) == 1
