"""GitHub's published schemas, for checking the fake's answers and the queries its tests send."""

from tests.scans.fetch.test_github_schema import github_graphql_schema, github_openapi  # noqa: F401
