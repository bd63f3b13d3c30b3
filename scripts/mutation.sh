#!/usr/bin/env bash
# Mutation testing with mutmut, one module at a time, each against only the tests that cover it.
#
#   scripts/mutation.sh                 every module below, one after the other
#   scripts/mutation.sh diff ignore     only these modules
#   scripts/mutation.sh --list          the modules and their tests
#   FRESH=1 scripts/mutation.sh spec    forget the cached verdicts of these modules first
#
# Each module has its own work directory, .mutation/<module>/, where mutmut keeps its copy of the
# code and its verdicts. A later run is incremental: a killed mutant stays killed while its function
# is unchanged; survivors, untested and not-yet-run mutants are tried again (new tests may kill them).
# BASELINE=1 measures without the tests/test_pinned_* files. mutmut runs under `nice -n 19` (NICENESS);
# WORKERS (default 2) is the number of mutants tested at once.
# docs/mutation.md says what survives by design and the scores.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
WORKERS="${WORKERS:-2}"
NICENESS="${NICENESS:-19}"

# module name -> source file mutated
declare -A SOURCE=(
  [diff]=sesl/diff.py
  [ignore]=sesl/ignore.py
  [firehose_rules]=sesl/firehose_rules.py
  [spec]=sesl/spec.py
  [queries]=sesl/queries/__init__.py
  [reconcile]=sesl/reconcile.py
  [athena_named_query]=sesl/resources/athena_named_query.py
  [athena_workgroup]=sesl/resources/athena_workgroup.py
  [budget]=sesl/resources/budget.py
  [cloudwatch_alarm]=sesl/resources/cloudwatch_alarm.py
  [cloudwatch_dashboard]=sesl/resources/cloudwatch_dashboard.py
  [firehose_stream]=sesl/resources/firehose_stream.py
  [glue_crawler]=sesl/resources/glue_crawler.py
  [glue_database]=sesl/resources/glue_database.py
  [glue_table]=sesl/resources/glue_table.py
  [iam_role]=sesl/resources/iam_role.py
  [log_group]=sesl/resources/log_group.py
  [s3_bucket]=sesl/resources/s3_bucket.py
  [ses_event_destination]=sesl/resources/ses_event_destination.py
  [sns_topic]=sesl/resources/sns_topic.py
  [resources_base]=sesl/resources/base.py
  [vpc_endpoint]=sesl/resources/vpc_endpoint.py
  [vpc_rules]=sesl/vpc_rules.py
  [glue_rules]=sesl/glue_rules.py
  [cloudwatch_rules]=sesl/cloudwatch_rules.py
)

# module name -> the test files that cover it (globs; files that do not exist are left out). Each module gets its
# own unit-level tests, not the end-to-end ones: mutmut runs every covering test of a mutant that survives, and on
# 2 cores a moto converge of a minute per mutant would not fit. The pinned tests come first: they fail fastest.
declare -A TESTS=(
  [diff]="tests/test_pinned_diff*.py"
  [ignore]="tests/test_pinned_ignore*.py tests/test_operations.py"
  [firehose_rules]="tests/test_pinned_firehose*.py tests/test_firehose_rules.py"
  [spec]="tests/test_pinned_spec*.py tests/test_spec.py tests/test_validate_cli.py tests/test_environments.py"
  [queries]="tests/test_pinned_queries*.py tests/test_queries.py"
  [reconcile]="tests/test_engine.py tests/test_convergence.py"
  [athena_named_query]="tests/test_pinned_athena*.py tests/test_athena.py"
  [athena_workgroup]="tests/test_pinned_athena*.py tests/test_athena.py"
  [budget]="tests/test_pinned_monitoring*.py tests/test_monitoring.py"
  [cloudwatch_alarm]="tests/test_pinned_monitoring*.py tests/test_monitoring.py"
  [cloudwatch_dashboard]="tests/test_pinned_monitoring*.py tests/test_monitoring.py"
  [firehose_stream]="tests/test_pinned_firehose*.py tests/test_firehose_stream.py tests/test_firehose_rules.py"
  [glue_crawler]="tests/test_pinned_glue*.py tests/test_catalog.py tests/test_retry.py"
  [glue_database]="tests/test_pinned_glue*.py tests/test_glue_aws_shapes.py tests/test_lakeformation.py"
  [glue_table]="tests/test_pinned_glue*.py tests/test_catalog.py tests/test_schema_evolution.py"
  [iam_role]="tests/test_pinned_iam*.py tests/test_iam_role.py"
  [log_group]="tests/test_pinned_logs*.py tests/test_log_group.py"
  [s3_bucket]="tests/test_pinned_s3*.py tests/test_s3_bucket.py"
  [ses_event_destination]="tests/test_pinned_ses*.py tests/test_ses_event_destination.py"
  [sns_topic]="tests/test_pinned_monitoring*.py tests/test_monitoring_shapes.py"
  [resources_base]="tests/test_engine.py tests/test_registry.py"
  [vpc_endpoint]="tests/test_pinned_vpc*.py tests/test_vpc_endpoint.py"
  [vpc_rules]="tests/test_pinned_vpc*.py tests/test_vpc_endpoint.py"
  [glue_rules]="tests/test_pinned_glue*.py tests/test_cross_rules.py tests/test_catalog.py tests/test_model_check.py"
  [cloudwatch_rules]="tests/test_pinned_monitoring*.py tests/test_cross_rules.py tests/test_monitoring.py"
)

# the order of a full run: the modules issue 14 names first
ORDER=(diff ignore firehose_rules glue_rules cloudwatch_rules vpc_rules spec queries s3_bucket iam_role cloudwatch_alarm budget cloudwatch_dashboard
       sns_topic firehose_stream glue_crawler glue_database glue_table athena_named_query athena_workgroup
       log_group ses_event_destination vpc_endpoint reconcile)

# BASELINE=1: the same modules without the tests/test_pinned_* files, in .mutation/baseline/ (the score before them)
tests_of() {
  local pattern file
  for pattern in ${TESTS[$1]}; do
    for file in $pattern; do
      [ -f "$file" ] || continue
      [ "${BASELINE:-0}" = 1 ] && [[ $file == tests/test_pinned_* ]] && continue
      echo "$file"
    done
  done
}
WORK_ROOT="$ROOT/.mutation"
[ "${BASELINE:-0}" = 1 ] && WORK_ROOT="$ROOT/.mutation/baseline"

if [ "${1:-}" = "--list" ]; then
  for m in "${ORDER[@]}" resources_base; do echo "$m: ${SOURCE[$m]} <- $(tests_of "$m" | tr '\n' ' ')"; done
  exit 0
fi

modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=("${ORDER[@]}")
for m in "${modules[@]}"; do
  [ -n "${SOURCE[$m]+x}" ] || { echo "unknown module '$m' (scripts/mutation.sh --list names them)" >&2; exit 1; }
done

# mutmut is in the optional group `mutation` of pyproject.toml, not in `test`.
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
if [ ! -x "$VENV/bin/mutmut" ]; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[test,mutation]"
fi

run_module() {
  local m=$1 work="$WORK_ROOT/$1"
  [ "${FRESH:-0}" = 1 ] && rm -rf "$work"
  mkdir -p "$work"
  # mutmut mutates a copy under <work>/mutants; the links give it the code, the tests and pytest's settings, and
  # the docs some tests read (tests/test_cross_rules.py checks docs/validation.md names code that exists).
  ln -sfn "$ROOT/sesl" "$work/sesl"
  ln -sfn "$ROOT/tests" "$work/tests"
  ln -sfn "$ROOT/pyproject.toml" "$work/pyproject.toml"
  ln -sfn "$ROOT/docs" "$work/docs"
  {
    echo "[mutmut]"
    echo "source_paths = sesl"
    echo "also_copy = docs"
    echo "only_mutate = ${SOURCE[$m]}"
    echo "pytest_add_cli_args = -p no:xdist"
    echo "pytest_add_cli_args_test_selection ="
    tests_of "$m" | sed 's/^/    /'
  } >"$work/setup.cfg"
  rm -rf "$work/mutants/tests"  # the tests are copied afresh; a deleted test must not linger
  "$VENV/bin/python" "$ROOT/scripts/_mutation_meta.py" retry "$work/mutants/${SOURCE[$m]}.meta"
  [ -n "$(tests_of "$m")" ] || { echo "$m: no test file in its mapping" >&2; return 1; }
  echo "== $m (${SOURCE[$m]}) against: $(tests_of "$m" | tr '\n' ' ')"
  local started=$SECONDS
  (cd "$work" && env -u PYTHONPATH nice -n "$NICENESS" "$VENV/bin/mutmut" run --max-children "$WORKERS" \
     >"$work/run.log" 2>&1) || {
    echo "mutmut failed for $m; the end of $work/run.log:" >&2
    tail -n 20 "$work/run.log" >&2
    return 1
  }
  (cd "$work" && env -u PYTHONPATH "$VENV/bin/mutmut" results >"$work/survivors.txt" 2>&1) || true
  "$VENV/bin/python" "$ROOT/scripts/_mutation_meta.py" score "$work/mutants/${SOURCE[$m]}.meta" "$m"
  echo "   ($((SECONDS - started)) s)"
}

failed=0
for m in "${modules[@]}"; do run_module "$m" || failed=1; done
echo
echo "== scores (killed / total); survivors are listed in .mutation/<module>/survivors.txt"
for m in "${modules[@]}"; do
  "$VENV/bin/python" "$ROOT/scripts/_mutation_meta.py" score "$WORK_ROOT/$m/mutants/${SOURCE[$m]}.meta" "$m" \
    2>/dev/null || echo "$m: no result"
done
exit "$failed"
