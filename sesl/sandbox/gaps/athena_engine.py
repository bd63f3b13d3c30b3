"""Athena runs the SQL in the sandbox: moto 5.2.5 accepts a query, runs nothing and answers no rows.

StartQueryExecution here parses the query as Trino SQL with sqlglot, replaces its `?` with the
ExecutionParameters in order (Athena guide, querying-with-prepared-statements: parameters replace the
question marks in order), reads each table it names from moto's Glue backend, lists the table's
objects in moto's S3 (partition projection: `storage.location.template` with the partition values from
the path, each value checked against its `projection.<key>.*` settings; otherwise the Location with
Hive-style `key=value` folders), prunes the partitions with the query's predicates on partition keys,
loads the Parquet objects left into an in-memory DuckDB as `database.table`, and runs the query
transpiled to DuckDB SQL. DataScannedInBytes is the size of the objects read. Over the workgroup's
BytesScannedCutoffPerQuery the query fails (Athena guide, workgroups-setting-control-limits-cloudwatch:
a query over the per-query limit is cancelled). The result is written to `<OutputLocation>/<id>.csv`
(the workgroup's when the request names none or the workgroup enforces its own), every value quoted,
nulls empty, the header first (Athena guide, querying: query results files). The `.csv.metadata`
object Athena also writes is a binary format AWS does not document: the sandbox does not write it.

GetQueryResults pages through the rows, the header row first, MaxResults 1-1000 (default 1000),
NextToken; ColumnInfo in the shape the AWS CLI example shows (awscli/examples/athena/get-query-results.rst:
CatalogName "hive", empty SchemaName/TableName, Precision, Scale, Nullable "UNKNOWN", CaseSensitive true
for varchar). SQL the engine cannot run fails the query with a reason; it never answers a 500.
Results moto was seeded with (its documented `query_results_queue`) still win.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import decimal
import io
import json
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sesl import hive_types

MAX_RESULTS = 1000  # GetQueryResults MaxResults: 1-1000 (botocore athena MaxQueryResults)
# Not in the AWS documentation, which says only that the query is cancelled; the wording Athena's
# StateChangeReason is widely reported with.
CUTOFF_REASON = "Query cancelled! : Bytes scanned limit was exceeded"
_STORE = "_sesl_query_outcomes"
# ColumnInfo.Precision as the AWS CLI example shows it for varchar, integer and date; the others follow Trino.
_PRECISION = {"varchar": 2147483647, "integer": 10, "bigint": 19, "smallint": 5, "tinyint": 3, "double": 17,
              "real": 24, "boolean": 0, "date": 0, "timestamp": 3}
_DUCK_TYPES = {"VARCHAR": "varchar", "BIGINT": "bigint", "HUGEINT": "bigint", "INTEGER": "integer",
               "SMALLINT": "smallint", "TINYINT": "tinyint", "UBIGINT": "bigint", "UINTEGER": "bigint",
               "DOUBLE": "double", "FLOAT": "real", "BOOLEAN": "boolean", "DATE": "date",
               "TIMESTAMP": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamp with time zone"}


class QueryFailed(Exception):
    """The query fails with this StateChangeReason."""


@dataclass
class Outcome:
    state: str
    reason: str = ""
    columns: list[tuple[str, str]] = field(default_factory=list)  # (name, Athena type)
    rows: list[list[str | None]] = field(default_factory=list)
    scanned: int = 0
    millis: int = 0


# --- reading a table ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Part:
    key: str
    size: int
    values: tuple[str, ...]  # partition values, in PartitionKeys order


@dataclass
class Table:
    database: str
    name: str
    columns: list[tuple[str, Any]]  # (name, HiveType)
    keys: list[tuple[str, str]]     # partition keys (name, Hive type string)
    bucket: str
    parts: list[Part]


def _split_s3(url: str) -> tuple[str, str]:
    if not url.startswith("s3://"):
        raise QueryFailed(f"HIVE_METASTORE_ERROR: table location {url!r} is not an s3:// location")
    bucket, _, key = url[5:].partition("/")
    return bucket, key


def _projected(params: dict[str, str], key: str, value: str) -> bool:
    """Would partition projection produce `value` for `key`? (Athena guide, partition-projection-supported-types)"""
    kind = params.get(f"projection.{key}.type")
    if kind == "integer":
        low, _, high = params.get(f"projection.{key}.range", "").partition(",")
        digits = int(params.get(f"projection.{key}.digits", "0") or 0)
        if not value.isdigit() or not low.strip().lstrip("-").isdigit():
            return False
        number = int(value)
        return int(low) <= number <= int(high) and value == str(number).zfill(digits)
    if kind == "enum":
        return value in [v.strip() for v in params.get(f"projection.{key}.values", "").split(",")]
    return True  # date and injected projections: any value the path holds


def _template_regex(template_key: str, keys: list[str]) -> re.Pattern[str]:
    pattern = ""
    for piece in re.split(r"(\$\{[^}]+\})", template_key):
        match = re.fullmatch(r"\$\{([^}]+)\}", piece)
        pattern += f"(?P<{_group(match.group(1), keys)}>[^/]+)" if match else re.escape(piece)
    return re.compile(pattern + ".*")


def _group(name: str, keys: list[str]) -> str:
    return f"k{keys.index(name)}" if name in keys else "unknown"


def _list(s3: Any, bucket: str, prefix: str) -> list[tuple[str, int]]:
    try:
        found = s3.get_bucket(bucket)
    except Exception:  # moto raises its own MissingBucket
        raise QueryFailed(f"HIVE_PARTITION_SCHEMA_MISMATCH: bucket {bucket} of the table does not exist") from None
    keys = []
    for name, key in found.keys.items():
        if name.startswith(prefix) and getattr(key, "size", None) is not None:
            base = name.rsplit("/", 1)[-1]
            if base and not base.startswith(("_", ".")):  # Athena ignores _ and . files
                keys.append((name, int(key.size)))
    return sorted(keys)


def _parts(s3: Any, described: dict[str, Any], keys: list[str]) -> tuple[str, list[Part]]:
    params = described.get("Parameters") or {}
    location = (described.get("StorageDescriptor") or {}).get("Location", "")
    if params.get("projection.enabled", "").lower() == "true" and params.get("storage.location.template"):
        bucket, template = _split_s3(params["storage.location.template"])
        fixed = template.split("${", 1)[0]
        regex = _template_regex(template, keys)
        parts = []
        for name, size in _list(s3, bucket, fixed):
            match = regex.fullmatch(name)
            if match is None:
                continue
            values = tuple(match.group(f"k{i}") for i in range(len(keys)))
            if all(_projected(params, k, v) for k, v in zip(keys, values, strict=True)):
                parts.append(Part(name, size, values))
        return bucket, parts
    bucket, prefix = _split_s3(location)
    parts = []
    for name, size in _list(s3, bucket, prefix):
        folders = dict(p.split("=", 1) for p in name[len(prefix):].split("/")[:-1] if "=" in p)
        if all(k in folders for k in keys):
            parts.append(Part(name, size, tuple(folders[k] for k in keys)))
    return bucket, parts


def read_table(account: str, region: str, database: str, name: str) -> Table:
    from moto.glue.models import glue_backends
    from moto.s3.models import s3_backends

    glue = glue_backends[account][region]
    try:
        described = glue.get_table(database, name).as_dict()
    except Exception:  # moto's EntityNotFound for the database or the table
        raise QueryFailed(f"TABLE_NOT_FOUND: Table 'awsdatacatalog.{database}.{name}' does not exist") from None
    descriptor = described.get("StorageDescriptor") or {}
    serde = json.dumps(descriptor.get("SerdeInfo", {})) + descriptor.get("InputFormat", "")
    if "parquet" not in serde.lower():
        raise QueryFailed(f"NOT_SUPPORTED: the sandbox reads only Parquet tables; {database}.{name} is not one")
    columns = [(c["Name"].lower(), hive_types.parse(c["Type"])) for c in descriptor.get("Columns", [])]
    keys = [(k["Name"].lower(), k.get("Type", "string")) for k in described.get("PartitionKeys") or []]
    partition = "aws" if not region.startswith("cn-") else "aws-cn"
    bucket, parts = _parts(s3_backends[account][partition], described, [k for k, _ in keys])
    return Table(database, name, columns, keys, bucket, parts)


# --- the query ------------------------------------------------------------------------------------
def parse(sql: str, parameters: list[str]) -> Any:
    import sqlglot
    from sqlglot import exp

    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to a Command" warning
    try:
        statements = [s for s in sqlglot.parse(sql, read="trino") if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise QueryFailed(f"SYNTAX_ERROR: {_first_line(str(exc))}") from None
    if len(statements) != 1:
        raise QueryFailed("SYNTAX_ERROR: only one statement can be run at a time")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        verb = str(tree.this if isinstance(tree, exp.Command) else tree.key).split()[0].upper()
        raise QueryFailed(f"NOT_SUPPORTED: the sandbox runs only SELECT queries, not {verb}")
    placeholders = list(tree.find_all(exp.Placeholder))
    if len(placeholders) != len(parameters):
        raise QueryFailed(f"INVALID_PARAMETER_USAGE: the query has {len(placeholders)} parameter(s) (?) but "
                          f"{len(parameters)} execution parameter(s) were given")
    for placeholder, value in zip(placeholders, parameters, strict=True):
        try:
            placeholder.replace(sqlglot.parse_one(value, read="trino"))
        except sqlglot.errors.ParseError:
            raise QueryFailed(f"INVALID_PARAMETER_USAGE: execution parameter {value!r} is not a SQL value") from None
    return tree


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _cte_names(tree: Any) -> set[str]:
    from sqlglot import exp

    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def data_tables(tree: Any, database: str | None) -> list[tuple[Any, str, str]]:
    """(node, database, table) for every table reference that is not a CTE."""
    from sqlglot import exp

    ctes = _cte_names(tree)
    found = []
    for node in tree.find_all(exp.Table):
        name = node.name.lower()
        if not node.db and name in ctes:
            continue
        db = (node.db or database or "").lower()
        if not db:
            raise QueryFailed(f"SEMANTIC_ERROR: table {name} names no database and the query has no "
                              "QueryExecutionContext.Database")
        found.append((node, db, name))
    return found


def _constants(tree: Any) -> dict[str, dict[str, Any]]:
    """CTEs that are a single SELECT of constants (no FROM): {cte: {column: expression}}."""
    from sqlglot import exp

    out: dict[str, dict[str, Any]] = {}
    for cte in tree.find_all(exp.CTE):
        body = cte.this
        if isinstance(body, exp.Select) and not body.args.get("from") and not list(body.find_all(exp.Column)):
            out[cte.alias_or_name.lower()] = {e.alias_or_name.lower(): (e.this if isinstance(e, exp.Alias) else e)
                                              for e in body.expressions}
    return out


def partition_predicates(node: Any, keys: list[str], constants: dict[str, dict[str, Any]]) -> list[Any]:
    """The conjuncts of the WHERE around `node` that use only its partition keys and constant CTE columns,
    rewritten to read the keys unqualified."""
    from sqlglot import exp

    select = node.find_ancestor(exp.Select)
    where = select.args.get("where") if select is not None else None
    if where is None:
        return []
    alias = (node.alias or node.name).lower()
    condition = where.this
    conjuncts = list(condition.flatten()) if isinstance(condition, exp.And) else [condition]
    out = []
    for conjunct in conjuncts:
        candidate = conjunct.copy()
        if candidate.find(exp.Select, exp.Subquery) is None and _localise(candidate, alias, keys, constants):
            out.append(candidate)
    return out


def _localise(candidate: Any, alias: str, keys: list[str], constants: dict[str, dict[str, Any]]) -> bool:
    from sqlglot import exp

    for column in list(candidate.find_all(exp.Column)):
        qualifier, name = column.table.lower(), column.name.lower()
        if qualifier in ("", alias) and name in keys:
            column.replace(exp.column(name, quoted=True))
        elif qualifier in constants and name in constants[qualifier]:
            column.replace(constants[qualifier][name].copy())
        else:
            return False
    return True


def prune(table: Table, predicates: list[Any]) -> list[Part]:
    """The parts whose partition values satisfy every predicate (evaluated by DuckDB on the values alone)."""
    import duckdb

    if not predicates or not table.parts:
        return table.parts
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    names = [k for k, _ in table.keys]
    con.execute("CREATE TABLE _parts (_i INTEGER, " + ", ".join(f'"{k}" VARCHAR' for k in names) + ")")
    con.executemany(f"INSERT INTO _parts VALUES ({', '.join('?' for _ in range(len(names) + 1))})",
                    [[i, *p.values] for i, p in enumerate(table.parts)])
    where = " AND ".join(f"({p.sql(dialect='duckdb')})" for p in predicates)
    try:
        kept = {row[0] for row in con.execute(f"SELECT _i FROM _parts WHERE {where}").fetchall()}
    except duckdb.Error:
        return table.parts  # a predicate the values alone cannot decide: read everything
    return [p for i, p in enumerate(table.parts) if i in kept]


def load(table: Table, parts: list[Part], account: str) -> Any:
    """The table's rows in the objects `parts` as one Arrow table, partition columns appended."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from moto.s3.models import s3_backends

    from sesl.sandbox.gaps.firehose_delivery import arrow_type

    schema = pa.schema([pa.field(n, arrow_type(t)) for n, t in table.columns]
                       + [pa.field(k, _key_type(t)) for k, t in table.keys])
    s3 = s3_backends[account]["aws"]
    pieces = []
    for part in parts:
        stored = s3.get_object(table.bucket, part.key)
        if stored is None:
            continue  # deleted since it was listed
        body = stored.value
        try:
            found = pq.read_table(io.BytesIO(body))
        except Exception as exc:  # pyarrow raises several kinds for a non-Parquet object
            raise QueryFailed(f"HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3://{table.bucket}/{part.key}: "
                              f"{_first_line(str(exc))}") from None
        pieces.append(_aligned(found, table, part, schema))
    return pa.concat_tables(pieces) if pieces else schema.empty_table()


def _key_type(hive: str) -> Any:
    import pyarrow as pa

    return {"int": pa.int32(), "integer": pa.int32(), "bigint": pa.int64()}.get(hive.lower(), pa.string())


def _aligned(found: Any, table: Table, part: Part, schema: Any) -> Any:
    import pyarrow as pa

    arrays = []
    lowered = {n.lower(): n for n in found.column_names}
    for f in schema:
        if f.name in {k for k, _ in table.keys}:
            value = part.values[[k for k, _ in table.keys].index(f.name)]
            arrays.append(pa.array([value] * found.num_rows, pa.string()).cast(f.type))
        elif f.name in lowered:
            try:
                arrays.append(found.column(lowered[f.name]).cast(f.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise QueryFailed(f"HIVE_BAD_DATA: column {f.name} of s3://{table.bucket}/{part.key} does not "
                                  f"match the table's type") from None
        else:
            arrays.append(pa.nulls(found.num_rows, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


# --- running --------------------------------------------------------------------------------------
@dataclass
class Request:
    account: str
    region: str
    sql: str
    database: str | None
    parameters: list[str]
    cutoff: int | None


def run(request: Request) -> Outcome:
    import duckdb

    began = time.monotonic()
    tree = parse(request.sql, request.parameters)
    constants = _constants(tree)
    tables: dict[tuple[str, str], Table] = {}
    wanted: dict[tuple[str, str], set[int]] = {}  # ids of the parts some reference to the table reads
    for node, db, name in data_tables(tree, request.database):
        table = tables.get((db, name)) or read_table(request.account, request.region, db, name)
        tables[(db, name)] = table
        kept = prune(table, partition_predicates(node, [k for k, _ in table.keys], constants))
        wanted[(db, name)] = wanted.get((db, name), set()) | {id(p) for p in kept}
        node.set("catalog", None)
        node.set("db", _identifier(db))
        node.set("this", _identifier(name))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    scanned = 0
    for (db, name), table in tables.items():
        parts = [p for p in table.parts if id(p) in wanted[(db, name)]]
        scanned += sum(p.size for p in parts)
        if request.cutoff is not None and scanned > request.cutoff:
            return Outcome("FAILED", CUTOFF_REASON, scanned=scanned, millis=_ms(began))
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{db}"')
        con.register(f"_sesl_{db}_{name}", load(table, parts, request.account))
        con.execute(f'CREATE VIEW "{db}"."{name}" AS SELECT * FROM "_sesl_{db}_{name}"')
    sql = tree.sql(dialect="duckdb")
    try:
        relation = con.sql(sql)
        columns = [(c, _athena_type(str(t))) for c, t in zip(relation.columns, relation.types, strict=True)]
        rows = [[_text(v) for v in row] for row in relation.fetchall()]
    except duckdb.Error as exc:
        raise QueryFailed(_duck_reason(exc)) from None
    return Outcome("SUCCEEDED", columns=columns, rows=rows, scanned=scanned, millis=_ms(began))


def _identifier(name: str) -> Any:
    from sqlglot import exp

    return exp.to_identifier(name, quoted=True)


def _ms(began: float) -> int:
    return int((time.monotonic() - began) * 1000)


def _duck_reason(exc: Exception) -> str:
    import duckdb

    message = _first_line(str(exc))
    if isinstance(exc, duckdb.BinderException | duckdb.CatalogException):
        return f"SEMANTIC_ERROR: {message}"
    if isinstance(exc, duckdb.ParserException):
        return f"NOT_SUPPORTED: the sandbox's engine cannot run this SQL: {message}"
    return f"GENERIC_INTERNAL_ERROR: the sandbox's engine failed: {message}"


def _athena_type(duck: str) -> str:
    if duck.startswith("DECIMAL"):
        return "decimal"
    if duck.endswith("[]"):
        return "array"
    if duck.startswith("MAP"):
        return "map"
    if duck.startswith("STRUCT"):
        return "row"
    return _DUCK_TYPES.get(duck, duck.lower())


def _java_double(value: float) -> str:
    """A double as Java's Double.toString writes it (how Trino renders double in results)."""
    if value != value or value in (float("inf"), float("-inf")):
        return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(value)]
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(float(value))
        return text if "e" not in text else f"{value:.17g}"
    _sign, digits, exponent = decimal.Decimal(repr(abs(value))).as_tuple()  # the shortest digits that round-trip
    text = "".join(str(d) for d in digits).rstrip("0") or "0"
    power = len(digits) + int(exponent) - 1
    return f"{'-' if value < 0 else ''}{text[0]}.{text[1:] or '0'}E{power}"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _java_double(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, dt.date | decimal.Decimal | int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) or "null" for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_text(v) or 'null'}" for k, v in value.items()) + "}"
    return str(value)


def csv_bytes(outcome: Outcome) -> bytes:
    """The results file as Athena writes it: every value quoted, the header first, nulls empty."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([name for name, _ in outcome.columns])
    for row in outcome.rows:
        writer.writerow(["" if v is None else v for v in row])
    # csv.QUOTE_ALL quotes empty strings too; Athena leaves a null unquoted.
    text = out.getvalue()
    lines = [text.split("\n")[0]] + [_unquote_nulls(line, row) for line, row in
                                      zip(text.split("\n")[1:], outcome.rows, strict=False)]
    return ("\n".join(lines) + "\n").encode()


def _unquote_nulls(line: str, row: list[str | None]) -> str:
    if all(v is not None for v in row):
        return line
    cells = next(csv.reader([line]))
    return ",".join("" if v is None else '"' + c.replace('"', '""') + '"' for c, v in zip(cells, row, strict=True))


# --- moto hooks -----------------------------------------------------------------------------------
def _invalid(message: str) -> Any:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("InvalidRequestException", message)


def _outcomes(backend: Any) -> dict[str, Outcome]:
    store: dict[str, Outcome] = backend.__dict__.setdefault(_STORE, {})
    return store


def _result_configuration(execution: Any, group: Any) -> None:
    configuration = (group.configuration or {}) if group is not None else {}
    wanted = configuration.get("ResultConfiguration") or {}
    enforced = configuration.get("EnforceWorkGroupConfiguration", True)
    if (execution.config and execution.config.get("OutputLocation")) and not (enforced and wanted):
        return
    if wanted.get("OutputLocation"):
        location = wanted["OutputLocation"]
        execution.config = {**wanted, "OutputLocation": f"{location.rstrip('/')}/{execution.id}.csv"}


def start_query_execution(original: Any) -> Any:
    def start(self: Any) -> Any:
        backend = self.athena_backend
        workgroup = self._get_param("WorkGroup") or "primary"
        if backend.query_results_queue or not backend.get_work_group(workgroup):
            return original(self)  # moto's seeded results, and its answer for a missing workgroup
        from sesl.sandbox.gaps.firehose_delivery import flush_due

        flush_due()
        context = self._get_param("QueryExecutionContext") or {}
        parameters = [str(p) for p in self._get_param("ExecutionParameters") or []]
        execution_id = backend.start_query_execution(
            query=self._get_param("QueryString"), context=context, config=self._get_param("ResultConfiguration"),
            workgroup=workgroup, execution_parameters=parameters or None)
        execution = backend.executions[execution_id]
        group = backend.work_groups.get(workgroup)
        _result_configuration(execution, group)
        cutoff = ((group.configuration or {}).get("BytesScannedCutoffPerQuery") if group is not None else None)
        request = Request(backend.account_id, backend.region_name, execution.query, context.get("Database"),
                          parameters, int(cutoff) if cutoff else None)
        outcome = _outcome(request)
        if outcome.state == "SUCCEEDED":
            outcome = _write_results(backend, execution, outcome)
        if outcome.state == "FAILED":
            execution._transitions = [("QUEUED", "RUNNING"), ("RUNNING", "FAILED")]
        _outcomes(backend)[execution_id] = outcome
        return json.dumps({"QueryExecutionId": execution_id})
    return start


def _outcome(request: Request) -> Outcome:
    try:
        return run(request)
    except QueryFailed as exc:
        return Outcome("FAILED", str(exc))
    except Exception as exc:  # whatever the engine meets fails the query, never the API call
        return Outcome("FAILED", f"GENERIC_INTERNAL_ERROR: the sandbox's engine failed: {_first_line(str(exc))}")


def _write_results(backend: Any, execution: Any, outcome: Outcome) -> Outcome:
    from moto.s3.models import s3_backends

    location = (execution.config or {}).get("OutputLocation")
    if not location:
        return outcome
    bucket, key = _split_s3(location)
    try:
        s3_backends[backend.account_id][backend.partition].put_object(bucket, key, csv_bytes(outcome))
    except Exception:  # moto's MissingBucket
        return Outcome("FAILED", f"Unable to verify/create output bucket {bucket}", scanned=outcome.scanned)
    return outcome


def get_query_execution(original: Any) -> Any:
    def get(self: Any) -> Any:
        execution_id = self._get_param("QueryExecutionId")
        if execution_id not in self.athena_backend.executions:
            raise _invalid(f"QueryExecution {execution_id} was not found")
        answer = json.loads(original(self))
        outcome = _outcomes(self.athena_backend).get(execution_id)
        if outcome is None:
            return json.dumps(answer)
        execution = answer["QueryExecution"]
        execution["Statistics"].update({"DataScannedInBytes": outcome.scanned,
                                        "EngineExecutionTimeInMillis": outcome.millis,
                                        "TotalExecutionTimeInMillis": outcome.millis})
        parameters = self.athena_backend.executions[execution_id].execution_parameters
        if parameters:
            execution["ExecutionParameters"] = parameters
        if execution["Status"]["State"] == "FAILED":
            execution["Status"]["StateChangeReason"] = outcome.reason
            # AthenaError: ErrorCategory 2 is USER (Athena API reference, AthenaError).
            execution["Status"]["AthenaError"] = {"ErrorCategory": 2, "Retryable": False,
                                                  "ErrorMessage": outcome.reason}
        return json.dumps(answer)
    return get


def _page(outcome: Outcome, token: str | None, size: int) -> tuple[list[list[str | None]], str | None]:
    header: list[str | None] = [name for name, _ in outcome.columns]
    rows = [header, *outcome.rows]
    start = 0
    if token:
        try:
            start = int(base64.b64decode(token.encode()).decode())
        except ValueError:
            raise _invalid("The NextToken is not valid") from None
    end = start + size
    return rows[start:end], (base64.b64encode(str(end).encode()).decode() if end < len(rows) else None)


def column_info(columns: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name, "Label": name, "Type": kind,
             "Precision": _PRECISION.get(kind, 0), "Scale": 0, "Nullable": "UNKNOWN",
             "CaseSensitive": kind == "varchar"} for name, kind in columns]


def get_query_results(original: Any) -> Any:
    def results(self: Any) -> Any:
        backend = self.athena_backend
        execution_id = self._get_param("QueryExecutionId")
        outcome = _outcomes(backend).get(execution_id)
        if outcome is None:
            if execution_id not in backend.executions:
                raise _invalid(f"QueryExecution {execution_id} was not found")
            return original(self)
        state = backend.executions[execution_id].status
        if state == "FAILED":
            raise _invalid(f"Query did not finish successfully. Final query state: FAILED. {outcome.reason}")
        if state != "SUCCEEDED":
            raise _invalid(f"Query has not yet finished. Current state: {state}")
        size = int(self._get_param("MaxResults") or MAX_RESULTS)
        if not 1 <= size <= MAX_RESULTS:
            raise _invalid(f"MaxResults must be between 1 and {MAX_RESULTS}")
        rows, token = _page(outcome, self._get_param("NextToken"), size)
        answer: dict[str, Any] = {"UpdateCount": 0, "ResultSet": {
            "Rows": [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in rows],
            "ResultSetMetadata": {"ColumnInfo": column_info(outcome.columns)}}}
        if token:
            answer["NextToken"] = token
        return json.dumps(answer)
    return results


def install() -> None:
    from moto.athena.responses import AthenaResponse

    if getattr(AthenaResponse.start_query_execution, "__sesl__", False):
        return
    for name, wrap in (("start_query_execution", start_query_execution), ("get_query_execution", get_query_execution),
                       ("get_query_results", get_query_results)):
        handler = wrap(getattr(AthenaResponse, name))
        handler.__sesl__ = True
        setattr(AthenaResponse, name, handler)
