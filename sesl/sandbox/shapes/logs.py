"""CloudWatch Logs: what DescribeLogGroups really returns."""

from __future__ import annotations

from sesl.sandbox.shapes import Response, shaping


@shaping("logs", "DescribeLogGroups",
         what="each log group gains logGroupClass STANDARD when none was chosen at creation",
         source="go-to-k/cdk-real-drift tests/corpus/AWS__Logs__LogGroup.Lg.json (live read: LogGroupClass "
                "STANDARD on a group created without one); CloudWatch Logs API reference, CreateLogGroup "
                "logGroupClass (\"If you omit this parameter, the default of STANDARD is used\")")
def log_group_class(response: Response, request: Response) -> Response:
    groups = [{"logGroupClass": "STANDARD", **g} for g in response.get("logGroups", [])]
    return {**response, "logGroups": groups}
