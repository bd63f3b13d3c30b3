"""Lake Formation: every plan says whether it governs the catalog's tables, with the exact grants sesl's roles
need; sesl never makes a grant, and a caller that may not read the settings gets a warning, not a failure."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from sesl import lakeformation, reconcile
from sesl.context import AwsContext
from tests.conftest import ACCOUNT, boto
from tests.ladder import converge

DB, RAW = "email_events_db_dev", "email_events_raw_dev"
FIREHOSE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/email-events-firehose-dev"
CRAWLER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/email-events-crawler-dev"
IAM_ONLY = [{"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Permissions": ["ALL"]}]
GRANT = "aws lakeformation grant-permissions --principal DataLakePrincipalIdentifier="


def _switch_to_lake_formation() -> None:
    """What "Changing the default settings for your data lake" does: no IAM_ALLOWED_PRINCIPALS defaults."""
    boto("lakeformation").put_data_lake_settings(DataLakeSettings={
        "DataLakeAdmins": [], "CreateDatabaseDefaultPermissions": [], "CreateTableDefaultPermissions": []})


def _warnings(ctx: AwsContext, about: str = "Lake Formation") -> list[str]:
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("glue_database",)))
    return [w for w in the_plan.warnings if about in w]


def test_the_iam_only_signal() -> None:
    assert lakeformation.iam_only(IAM_ONLY)
    assert not lakeformation.iam_only([])
    assert not lakeformation.iam_only(None)
    assert not lakeformation.iam_only([{"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"},
                                        "Permissions": ["DESCRIBE"]}])
    assert not lakeformation.iam_only([{"Principal": {"DataLakePrincipalIdentifier": FIREHOSE_ROLE},
                                        "Permissions": ["ALL"]}])


def test_an_account_on_iam_access_control_gets_no_warning(ctx: AwsContext) -> None:
    assert _warnings(ctx) == []
    converge(ctx, ["glue_database"])
    assert _warnings(ctx) == []


def test_a_governed_account_is_told_the_exact_grants(ctx: AwsContext) -> None:
    _switch_to_lake_formation()
    projection, raw = _warnings(ctx)
    firehose = [f"{GRANT}{FIREHOSE_ROLE} --permissions SELECT DESCRIBE --resource "
                f"'{{\"Table\":{{\"DatabaseName\":\"{DB}\",\"Name\":\"{t}\"}}}}'"
                for t in ("newsletter_events", "transactional_events")]
    assert projection == (
        f"glue_database.{DB}: Lake Formation governs the tables of {DB} (the account's data lake settings do not use "
        "only IAM access control for new databases: creating it needs CREATE_DATABASE or a data lake administrator)"
        ": Firehose needs these grants to read the conversion schema (records go to errors/ without them); sesl "
        "does not make grants (docs/resources/glue_database.md), a data lake administrator runs: "
        + " ; ".join(firehose))
    assert raw.startswith(f"glue_database.{RAW}: Lake Formation governs the tables of {RAW} ")
    assert raw.endswith(
        f"the crawler needs these grants to write its tables; sesl does not make grants "
        f"(docs/resources/glue_database.md), a data lake administrator runs: "
        f"{GRANT}{CRAWLER_ROLE} --permissions CREATE_TABLE ALTER DESCRIBE --resource '{{\"Database\":{{\"Name\":"
        f"\"{RAW}\"}}}}' ; {GRANT}{CRAWLER_ROLE} --permissions DATA_LOCATION_ACCESS --resource '{{\"DataLocation\":"
        "{\"ResourceArn\":\"arn:aws:s3:::daily-system-design-email-events-dev\"}}' (only if the bucket is "
        "registered with Lake Formation: aws lakeformation list-resources)")


def test_sesl_makes_no_grant(ctx: AwsContext) -> None:
    _switch_to_lake_formation()
    converge(ctx, ["glue_database"])
    assert [c for c in ctx.log.calls if c.startswith("lakeformation:")] == ["lakeformation:GetDataLakeSettings"]
    assert boto("lakeformation").list_permissions()["PrincipalResourcePermissions"] == []


def test_a_database_keeps_its_own_setting_after_the_account_switches(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database"])  # created under IAM access control: its tables stay IAM-controlled
    _switch_to_lake_formation()
    assert _warnings(AwsContext(ctx.spec)) == []


def test_a_database_upgraded_to_lake_formation_is_reported(ctx: AwsContext) -> None:
    converge(ctx, ["glue_database"])
    database = boto("glue").get_database(Name=DB)["Database"]
    boto("glue").update_database(Name=DB, DatabaseInput={"Name": DB, "Description": database["Description"],
                                                         "CreateTableDefaultPermissions": []})
    (warning,) = _warnings(AwsContext(ctx.spec))
    assert warning.startswith(f"glue_database.{DB}: Lake Formation governs the tables of {DB} (its "
                              "CreateTableDefaultPermissions do not grant ALL to IAM_ALLOWED_PRINCIPALS): ")


@pytest.mark.parametrize("code", ["AccessDeniedException", "AccessDenied"])
def test_no_permission_to_read_the_settings_is_a_warning_not_a_failure(ctx: AwsContext, code: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**_: Any) -> Any:
        raise botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "not authorized"}},
                                              "GetDataLakeSettings")

    monkeypatch.setattr(ctx.client("lakeformation"), "get_data_lake_settings", refuse)
    assert _warnings(ctx, "could not check") == [
        f"glue_database.{DB}: could not check whether Lake Formation governs the Data Catalog "
        f"(lakeformation:GetDataLakeSettings failed: {code}: not authorized); if it does, Firehose needs Lake "
        "Formation grants to convert to Parquet (see docs/resources/glue_database.md)"]
    converge(ctx, ["glue_database"])  # apply goes on
    assert boto("glue").get_database(Name=DB)["Database"]["Name"] == DB


def test_the_settings_are_read_once_per_run(ctx: AwsContext) -> None:
    _warnings(ctx)
    _warnings(ctx)
    assert ctx.log.calls["lakeformation:GetDataLakeSettings"] == 1


def test_tables_registered_with_lake_formation_are_named(ctx: AwsContext) -> None:
    from sesl.resources.glue_database import GlueDatabaseKind, database_state, lake_formation_warnings

    _switch_to_lake_formation()
    want = GlueDatabaseKind().desired(reconcile.make_env(ctx))[0]
    listed = [{"Name": "newsletter_events", "IsRegisteredWithLakeFormation": True},
              {"Name": "transactional_events", "IsRegisteredWithLakeFormation": False}]
    have = database_state({"Name": DB, "CreateTableDefaultPermissions": []}, listed, want.tags, want, "dev")
    (warning,) = lake_formation_warnings(ctx, want, have)
    assert warning.startswith(f"Lake Formation governs the tables of {DB} (its CreateTableDefaultPermissions do not "
                              "grant ALL to IAM_ALLOWED_PRINCIPALS); tables registered with Lake Formation: "
                              "newsletter_events: Firehose needs")
