"""Plan = apply: each change carries what is written and the operations called, ignored differences
survive any apply, whole-resource APIs get one call, what AWS cannot do is refused when planning, and
the safety rules (write gate, protect, the lease lock, re-plan under the lock) live in the library."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sesl import lock, reconcile
from sesl.cli import plan_cmds
from sesl.cli.main import cli
from sesl.context import AwsContext, CallLog
from sesl.errors import LockError, RefusedError, SeslError
from sesl.fold import fold_attribute
from sesl.model import Action, Change, Plan
from sesl.resources.base import Aspect, Env, Kind
from sesl.resources.s3_bucket import S3BucketKind
from sesl.spec import EnvSpec, IgnoreRule, default_spec
from tests.conftest import boto
from tests.ladder import converge

WORKGROUP = "email-analytics-dev"
BUCKET = "daily-system-design-email-events-dev"
GIB = 1024 ** 3


def with_rules(spec: EnvSpec, *paths: str) -> EnvSpec:
    return replace(spec, ignore=[IgnoreRule(p, "accepted on purpose") for p in paths])


def _workgroup_config() -> dict[str, Any]:
    return dict(boto("athena").get_work_group(WorkGroup=WORKGROUP)["WorkGroup"]["Configuration"])


def _drift_workgroup() -> None:
    boto("athena").update_work_group(WorkGroup=WORKGROUP, ConfigurationUpdates={
        "BytesScannedCutoffPerQuery": 100 * GIB, "PublishCloudWatchMetricsEnabled": False})


# -- ignored differences survive, whole-resource APIs get one call ------------------------------------------------

def test_an_ignored_scan_cutoff_survives_an_apply_of_the_same_workgroup(aws: None) -> None:
    """The reproduction: the cut-off went from 100 GiB back to 1 GiB when another aspect was applied."""
    ctx = AwsContext(with_rules(default_spec("dev"), "athena_workgroup.*.scan_cutoff"))
    converge(ctx, ["s3_bucket", "athena_workgroup"])
    _drift_workgroup()
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("athena_workgroup",)))
    assert [(c.aspect, c.operations, c.call) for c in the_plan.changes] == [
        ("metrics", ("athena:UpdateWorkGroup",), "whole")]
    assert [c.aspect for c, _ in the_plan.ignored] == ["scan_cutoff"]
    ctx.log.clear()
    reconcile.execute(ctx, the_plan)
    assert ctx.log.mutating == ["athena:UpdateWorkGroup"]
    config = _workgroup_config()
    assert (config["BytesScannedCutoffPerQuery"], config["PublishCloudWatchMetricsEnabled"]) == (100 * GIB, True)


def test_without_the_rule_both_aspects_are_written_by_one_call(ctx: AwsContext) -> None:
    converge(ctx, ["s3_bucket", "athena_workgroup"])
    _drift_workgroup()
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("athena_workgroup",)))
    assert sorted(c.aspect for c in the_plan.changes) == ["metrics", "scan_cutoff"]
    ctx.log.clear()
    reconcile.execute(ctx, the_plan)
    assert ctx.log.calls["athena:UpdateWorkGroup"] == 1  # before: one per drifted aspect
    assert _workgroup_config()["BytesScannedCutoffPerQuery"] == GIB


def test_an_ignored_inline_policy_is_not_deleted_when_the_others_are_written(aws: None) -> None:
    role = "email-events-firehose-dev"
    ctx = AwsContext(with_rules(default_spec("dev"), f"iam_role.{role}.inline_policies.added-by-security"))
    converge(ctx, ["s3_bucket", "iam_role"])
    iam = boto("iam")
    [sesls] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    extra = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}
    iam.put_role_policy(RoleName=role, PolicyName="added-by-security", PolicyDocument=json.dumps(extra))
    tampered = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    iam.put_role_policy(RoleName=role, PolicyName=sesls, PolicyDocument=json.dumps(tampered))
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=(f"iam_role.{role}",)))
    assert [(c.aspect, c.action) for c in the_plan.changes] == [("inline_policies", Action.UPDATE)]
    ctx.log.clear()
    reconcile.execute(ctx, the_plan)
    assert sorted(iam.list_role_policies(RoleName=role)["PolicyNames"]) == sorted([sesls, "added-by-security"])
    assert ctx.log.mutating == ["iam:PutRolePolicy"]
    assert reconcile.plan(ctx, reconcile.PlanOptions(targets=(f"iam_role.{role}",))).changes == ()


def test_two_drifted_aspects_of_a_table_are_one_update_table(ctx: AwsContext) -> None:
    converge(ctx, ["s3_bucket", "glue_database", "glue_table"])
    glue = boto("glue")
    table = glue.get_table(DatabaseName="email_events_db_dev", Name="newsletter_events")["Table"]
    params = {**table["Parameters"], "projection.day.digits": "1", "classification": "json"}
    table_input = {k: table[k] for k in ("Name", "StorageDescriptor", "PartitionKeys", "TableType")}
    glue.update_table(DatabaseName="email_events_db_dev", TableInput={**table_input, "Parameters": params})
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("glue_table.newsletter_events",)))
    assert sorted((c.aspect, c.call) for c in the_plan.changes) == [("parameters", "whole"), ("projection", "whole")]
    assert reconcile.steps(the_plan.actionable) == [list(the_plan.actionable)]
    ctx.log.clear()
    reconcile.execute(ctx, the_plan)
    assert ctx.log.calls["glue:UpdateTable"] == 1


def test_an_ignored_buffering_interval_survives_a_prefix_repair(aws: None) -> None:
    stream = "email-events-newsletter-dev"
    rule = f"firehose_stream.{stream}.buffering.BufferingHints.IntervalInSeconds"
    ctx = AwsContext(with_rules(default_spec("dev"), rule))
    converge(ctx)
    firehose = boto("firehose")
    described = firehose.describe_delivery_stream(DeliveryStreamName=stream)["DeliveryStreamDescription"]
    hints = described["Destinations"][0]["ExtendedS3DestinationDescription"]["BufferingHints"]
    firehose.update_destination(
        DeliveryStreamName=stream, CurrentDeliveryStreamVersionId=described["VersionId"],
        DestinationId=described["Destinations"][0]["DestinationId"],
        ExtendedS3DestinationUpdate={"BufferingHints": {**hints, "IntervalInSeconds": 300},
                                     "ErrorOutputPrefix": "elsewhere/"})
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("firehose_stream",)))
    assert [(c.name, c.aspect) for c in the_plan.changes] == [(stream, "prefixes")]
    reconcile.execute(ctx, the_plan)
    after = firehose.describe_delivery_stream(DeliveryStreamName=stream)["DeliveryStreamDescription"]
    s3 = after["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert s3["BufferingHints"]["IntervalInSeconds"] == 300
    assert s3["ErrorOutputPrefix"] != "elsewhere/"


# -- the engine's rules, on a kind built for the test -------------------------------------------------------------

@dataclass(frozen=True)
class Thing:
    name: str
    config: dict[str, Any]
    other: str = "x"
    owned: bool = True


class ThingKind(Kind[Thing, Thing]):
    kind = "thing"

    def desired(self, env: Env) -> Sequence[Thing]:
        return []

    def read(self, ctx: AwsContext, want: Thing) -> Thing | None:
        return None

    def diff(self, have: Thing, want: Thing) -> list[Change]:
        from sesl.diff import diff_values

        return [*self.change(want, have, "a", diff_values(have.config.get("a"), want.config["a"], "a")),
                *self.change(want, have, "b", diff_values(have.config.get("b"), want.config["b"], "b")),
                *self.change(want, have, "other", diff_values(have.other, want.other, "other")),
                *self.change(want, have, "fixed", diff_values(have.config.get("fixed"), want.config["fixed"]))]

    def create(self, ctx: AwsContext, want: Thing) -> None: ...

    def delete(self, ctx: AwsContext, have: Thing) -> None: ...

    def write_other(self, ctx: AwsContext, want: Thing, have: Thing) -> None: ...

    ASPECTS = (Aspect[Thing, Thing]("a", fold=fold_attribute("config")),
               Aspect[Thing, Thing]("b"),  # whole, but no fold declared
               Aspect[Thing, Thing]("other", ("svc:PutOther",), write_other),
               Aspect[Thing, Thing]("fixed", refuse="cannot change in place: recreate it by hand"))
    WHOLE = ("svc:UpdateThing",)


@pytest.fixture
def thing(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThingKind]:
    kind = ThingKind()
    monkeypatch.setitem(reconcile.KINDS, "thing", kind)
    yield kind


def _plan(kind: ThingKind, have: Thing, want: Thing, *rules: str) -> tuple[list[Change], list[Change]]:
    import datetime as dt

    from sesl.ignore import apply_ignore_rules

    kept, ignored, _ = apply_ignore_rules(kind.diff(have, want), [IgnoreRule(r, "ok") for r in rules],
                                          dt.date.today())
    return reconcile.declared_changes(kept, ignored), [c for c, _ in ignored]


LIVE = Thing("t", {"a": {"x": 1, "y": 2}, "b": 5, "fixed": 1}, other="live")
WANT = Thing("t", {"a": {"x": 9, "y": 9}, "b": 6, "fixed": 1}, other="wanted")


def test_a_field_ignored_in_a_whole_aspect_is_folded_into_what_is_written(thing: ThingKind) -> None:
    kept, ignored = _plan(thing, LIVE, WANT, "thing.t.a.a.x")
    assert [(c.aspect, c.call, c.operations) for c in kept] == [
        ("a", "whole", ("svc:UpdateThing",)), ("b", "whole", ("svc:UpdateThing",)),
        ("other", "other", ("svc:PutOther",))]
    written = kept[0].want
    assert written.config["a"] == {"x": 1, "y": 9}  # the ignored x as it lives, y as wanted
    assert all(c.want is written for c in kept)
    assert [f.path for c in ignored for f in c.fields] == ["a.x"]


def test_an_ignored_whole_aspect_without_a_fold_refuses_the_shared_call(thing: ThingKind) -> None:
    kept, _ = _plan(thing, LIVE, WANT, "thing.t.b")
    assert [(c.aspect, c.action) for c in kept] == [("a", Action.REFUSE), ("other", Action.UPDATE)]
    assert "would overwrite the ignored b.b" in kept[0].reason and kept[0].operations == ()


def test_an_aspect_with_its_own_call_ignored_needs_nothing_kept(thing: ThingKind) -> None:
    kept, _ = _plan(thing, LIVE, WANT, "thing.t.other")
    assert [(c.aspect, c.action) for c in kept] == [("a", Action.UPDATE), ("b", Action.UPDATE)]


def test_a_fold_that_does_not_keep_the_value_is_caught_by_the_proof(thing: ThingKind,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    broken = Aspect[Thing, Thing]("a", fold=lambda want, have, fields: want)  # claims to keep, keeps nothing
    monkeypatch.setattr(ThingKind, "ASPECTS", (broken, *ThingKind.ASPECTS[1:]))
    kept, _ = _plan(thing, LIVE, WANT, "thing.t.a.a.x")
    assert [(c.aspect, c.action) for c in kept] == [("a", Action.REFUSE), ("b", Action.REFUSE),
                                                    ("other", Action.UPDATE)]


def test_what_aws_cannot_change_in_place_is_refused_when_planning(thing: ThingKind) -> None:
    live = replace(LIVE, config={**LIVE.config, "fixed": 2})
    kept, _ = _plan(thing, live, WANT)
    refused = [c for c in kept if c.action is Action.REFUSE]
    assert [(c.aspect, c.reason) for c in refused] == [("fixed", "cannot change in place: recreate it by hand")]
    with pytest.raises(RefusedError, match="recreate it by hand; nothing was changed"):
        reconcile.refuse_unappliable(Plan("dev", "1", "r", tuple(kept)), allow_replace=False)
    # An ignored refusal is never written, so it blocks nothing.
    kept, _ = _plan(thing, live, WANT, "thing.t.fixed")
    assert Action.REFUSE not in {c.action for c in kept}


def test_steps_group_whole_changes_of_one_resource_where_the_first_is() -> None:
    def c(name: str, aspect: str, call: str) -> Change:
        return Change("k", name, Action.UPDATE, aspect, call=call)

    changes = [c("x", "a", "whole"), c("x", "t", "tags"), c("y", "a", "whole"), c("x", "b", "whole")]
    assert reconcile.steps(changes) == [[changes[0], changes[3]], [changes[1]], [changes[2]]]


# -- only the planned operations, from the CLI -------------------------------------------------------------------

@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = CallLog.record

    def record(self: CallLog, service: str, operation: str) -> None:
        seen.append(f"{service}:{operation}")
        original(self, service, operation)

    monkeypatch.setattr(CallLog, "record", record)
    return seen


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--no-color", "--no-config", *args], input=stdin)


def mutating(seen: list[str]) -> list[str]:
    from sesl.context import is_read

    return [c for c in seen if not is_read(c.split(":", 1)[1])]


LOCK_CALLS = {"ssm:PutParameter", "ssm:DeleteParameter"}


def test_a_saved_plan_applies_exactly_the_operations_it_lists(ctx: AwsContext, calls: list[str],
                                                              tmp_path: Path) -> None:
    converge(ctx)
    _drift_workgroup()
    boto("s3").put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    saved = tmp_path / "plan.json"
    assert run("diff", "--env", "dev", "--out", str(saved)).exit_code == 2
    document = json.loads(saved.read_text())
    listed = {op for change in document["changes"] for op in change["operations"]}
    assert listed == {"athena:UpdateWorkGroup", "s3:PutBucketVersioning"}
    calls.clear()
    result = run("apply", str(saved), "--yes")
    assert result.exit_code == 0, result.output
    assert set(mutating(calls)) - LOCK_CALLS == listed
    assert mutating(calls).count("athena:UpdateWorkGroup") == 1


def test_an_undeclared_operation_is_refused_before_it_is_sent(ctx: AwsContext, monkeypatch: pytest.MonkeyPatch) -> None:
    converge(ctx, ["s3_bucket"])
    boto("s3").put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    undeclared = tuple(replace(a, operations=()) if a.name == "versioning" else a for a in S3BucketKind.ASPECTS)
    monkeypatch.setattr(S3BucketKind, "ASPECTS", undeclared)
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=(f"s3_bucket.{BUCKET}",)))
    with pytest.raises(SeslError, match="s3:PutBucketVersioning is not among the operations planned"):
        reconcile.execute(ctx, the_plan)
    assert boto("s3").get_bucket_versioning(Bucket=BUCKET)["Status"] == "Suspended"


def test_a_converged_apply_takes_no_lock_and_writes_nothing(ctx: AwsContext, calls: list[str]) -> None:
    converge(ctx)
    calls.clear()
    result = run("apply", "--env", "dev", "--yes")
    assert result.exit_code == 0, result.output
    assert mutating(calls) == []


def test_a_refused_plan_writes_nothing_not_even_the_lock(ctx: AwsContext, calls: list[str]) -> None:
    converge(ctx, ["s3_bucket", "glue_database", "glue_table"])
    glue = boto("glue")
    table = glue.get_table(DatabaseName="email_events_db_dev", Name="newsletter_events")["Table"]
    storage = table["StorageDescriptor"]
    storage["Columns"] = [{**c, "Type": "int"} if c["Name"] == "eventtype" else c for c in storage["Columns"]]
    glue.update_table(DatabaseName="email_events_db_dev", TableInput={
        **{k: table[k] for k in ("Name", "PartitionKeys", "TableType", "Parameters")}, "StorageDescriptor": storage})
    calls.clear()
    result = run("apply", "--env", "dev", "--yes", "--target", "glue_table")
    assert result.exit_code == 1
    assert "x glue_table.newsletter_events (column_types)" in result.stdout
    assert "nothing was changed" in result.stderr
    assert mutating(calls) == []


# -- re-plan under the lock ---------------------------------------------------------------------------------------

def test_a_confirmed_plan_that_went_stale_before_the_lock_is_refused(ctx: AwsContext,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    converge(ctx)
    boto("s3").put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})

    def someone_edits_meanwhile(*_: Any, **__: Any) -> None:
        _drift_workgroup()

    monkeypatch.setattr(plan_cmds, "confirm", someone_edits_meanwhile)
    result = run("apply", "--env", "dev")
    assert result.exit_code == 1
    assert "the live state changed after the plan was shown" in result.stderr
    assert boto("s3").get_bucket_versioning(Bucket=BUCKET)["Status"] == "Suspended"  # nothing applied


def test_with_yes_the_fresh_plan_under_the_lock_is_shown_and_applied(ctx: AwsContext,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    converge(ctx)
    boto("s3").put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    acquire = lock.acquire

    def edited_while_waiting(*args: Any, **kwargs: Any) -> dict[str, Any]:
        _drift_workgroup()
        return acquire(*args, **kwargs)

    monkeypatch.setattr(lock, "acquire", edited_while_waiting)
    result = run("apply", "--env", "dev", "--yes")
    assert result.exit_code == 0, result.output
    assert "The live state changed while waiting for the lock" in result.stdout
    assert boto("s3").get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    assert _workgroup_config()["BytesScannedCutoffPerQuery"] == GIB


# -- the lease ---------------------------------------------------------------------------------------------------

def test_the_holder_renews_its_lease_while_it_works(ctx: AwsContext) -> None:
    ctx.allow_mutations()
    with lock.env_lock(ctx, "apply", ttl=3.0) as lease:
        first = lock.read_lock(ctx)
        assert first is not None
        lease.every = 0.05
        time.sleep(1.2)  # the first tick fires after `every` of the original third; then every 50 ms
        later = lock.read_lock(ctx)
        assert later is not None and later["id"] == first["id"]
        assert later["expires_at"] > first["expires_at"]
        lease.check()  # still ours
    assert lock.read_lock(ctx) is None


def test_a_holder_taken_over_stops_before_its_next_change(ctx: AwsContext) -> None:
    ctx.allow_mutations()
    holder = lock.acquire(ctx, "apply", ttl=60)
    assert lock.renew(ctx, holder)
    other = AwsContext(default_spec("dev"))
    other.allow_mutations()
    lock.remove(other)
    lock.acquire(other, "apply")
    assert not lock.renew(ctx, holder)
    lease = lock.Lease(ctx, holder, every=0.05)
    try:
        deadline = time.monotonic() + 5
        while lease.lost is None and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(LockError, match="stalled past its lease and was taken over"):
            lease.check()
    finally:
        lease.stop()


def test_an_apply_whose_lease_was_lost_stops_before_the_next_change(ctx: AwsContext) -> None:
    converge(ctx, ["s3_bucket"])
    for bucket in (BUCKET, "daily-system-design-athena-results-dev"):
        boto("s3").put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    the_plan = reconcile.plan(ctx, reconcile.PlanOptions(targets=("s3_bucket",)))
    checks = iter([None, LockError("taken over")])

    def between() -> None:
        outcome = next(checks)
        if outcome is not None:
            raise outcome

    with pytest.raises(SeslError, match="applied 1 of 2 change"):
        reconcile.execute(ctx, the_plan, between=between)


# -- the write gate and protect, in the library ------------------------------------------------------------------

def test_no_mutating_call_before_the_account_is_verified(aws: None) -> None:
    pinned = AwsContext(replace(default_spec("dev"), account_id="111111111111"))
    with pytest.raises(SeslError, match="internal guard: PutParameter attempted before the account was verified"):
        pinned.client("ssm").put_parameter(Name="/x", Value="y", Type="String")
    with pytest.raises(SeslError, match="pinned to 111111111111"):
        pinned.allow_mutations()
    assert not pinned.mutations_allowed


def test_drift_notify_with_the_wrong_account_sends_nothing(aws: None, tmp_path: Path, calls: list[str]) -> None:
    config = tmp_path / "sesl.toml"
    config.write_text('[env.dev]\naccount_id = "111111111111"\n')
    result = CliRunner().invoke(cli, ["--no-color", "--config", str(config), "drift", "--env", "dev", "--notify"])
    assert result.exit_code == 1
    assert mutating(calls) == []


def test_protect_is_enforced_by_the_library(ctx: AwsContext) -> None:
    converge(ctx, ["s3_bucket"])
    protected = AwsContext(replace(default_spec("dev"), protect=True))
    with pytest.raises(RefusedError, match="env dev is protected"):
        reconcile.plan_destroy(protected)
    the_plan = reconcile.plan_destroy(ctx, reconcile.PlanOptions(targets=("s3_bucket",)))
    with pytest.raises(RefusedError, match="env dev is protected"):
        reconcile.execute(protected, the_plan)
    assert len(boto("s3").list_buckets()["Buckets"]) == 2


def test_every_change_a_kind_makes_is_declared(ctx: AwsContext) -> None:
    """Every aspect a diff can return has a declaration (the registry's kinds, on the converged env)."""
    for kind in reconcile.KINDS.values():
        names = {a.name for a in kind.ASPECTS}
        assert len(names) == len(kind.ASPECTS), kind.kind
        for aspect in kind.ASPECTS:
            assert aspect.refuse or aspect.update is not None or kind.WHOLE, (kind.kind, aspect.name)
            assert all(":" in op for op in aspect.operations), (kind.kind, aspect.name)
        assert kind.CREATE and kind.DELETE, kind.kind
