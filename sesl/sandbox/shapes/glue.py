"""Glue: what GetCrawler, GetDatabase and GetTable(s) really return."""

from __future__ import annotations

from sesl.sandbox.shapes import Response, shaping


@shaping("glue", "GetCrawler",
         what="Role comes back as the role's name although an ARN was sent; each S3 target gains "
              "`Exclusions: []`",
         source="terraform-provider-aws internal/service/glue/crawler.go (role DiffSuppressFunc: "
                "\"Glue API always returns name\"; flattenS3Targets reads Exclusions); Glue API reference, "
                "GetCrawler response syntax (S3Target.Exclusions)")
def crawler_role_as_name(response: Response, request: Response) -> Response:
    crawler = dict(response.get("Crawler", {}))
    role = str(crawler.get("Role", ""))
    if role.startswith("arn:"):
        crawler["Role"] = role.split("/")[-1]
    targets = dict(crawler.get("Targets", {}))
    targets["S3Targets"] = [{"Exclusions": [], **t} for t in targets.get("S3Targets", [])]
    crawler["Targets"] = targets
    return {**response, "Crawler": crawler}
