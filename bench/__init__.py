"""`python -m bench` (`make bench`): RepoHealth's benchmarks against the fake GitHub; see bench/README.md."""

QUERIES_HEADER = "X-Bench-Queries"  # bench.wsgi reports each request's SQL query count in it
