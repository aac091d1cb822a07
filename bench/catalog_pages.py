"""The catalog page at a large catalog, on SQLite, through Django's test client (not a `make bench`
row: it needs no worker, no fake GitHub, and its catalog is made in SQL).

    .venv/bin/python -m bench.catalog_pages --repositories 1000000 --db /tmp/catalog-1m.sqlite3

The first run migrates a new database and fills it with one INSERT ... SELECT (1,000,000
repositories in about two minutes: a realistic mix of healths, verdicts and 30 languages, every
other repository under one of 20 labels), then counts them (`manage.py recount`'s work); later
runs reuse it. Each page is asked 15 times after a warm-up: the median CPU time of this process
(SQLite runs in it, so the machine's other work moves it less than wall time), the best wall
time, the status and the number of queries. Its own temporary folder holds the Redis it starts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

LANGUAGES = ["Python", "Go", "Rust", "JavaScript", "TypeScript", "C", "C++", "Java", "Ruby", "PHP", "Shell", "Swift",
             "Kotlin", "Scala", "Haskell", "Elixir", "Erlang", "Lua", "Perl", "R", "Julia", "Dart", "Zig", "Nim",
             "OCaml", "Clojure", "Vim Script", "Emacs Lisp", "HTML", ""]
LABELS = 20
PAGES = ["/", "/?page=2", "/?page=200", "/?page=20000", "/?health=healthy", "/?maintenance=quiet", "/?language=Go",
         "/?label=list-4", "/?ordering=-stars"]
RUNS = 15
NAME = "'owner' || (i % 5000) || '/repo' || i"
# Columns given a value of their own (the others get their field's default, or NULL).
VALUES = {
    "imported_name": NAME, "full_name": NAME, "html_url": f"'https://github.com/' || {NAME}", "github_id": "i",
    "stars": "(i * 7919) % 100000", "forks": "(i * 31) % 5000",
    "health": "CASE WHEN i % 20 < 12 THEN 'healthy' WHEN i % 20 < 15 THEN 'stale' WHEN i % 20 < 17 THEN 'archived' "
              "WHEN i % 20 = 17 THEN 'moved' WHEN i % 20 = 18 THEN 'not_found' ELSE 'unknown' END",
    "maintenance": "CASE WHEN i % 10 < 5 THEN 'active' WHEN i % 10 < 7 THEN 'quiet' WHEN i % 10 < 9 THEN 'inactive' "
                   "ELSE 'unknown' END",
    "language": f"(SELECT name FROM bench_languages WHERE k = i % {len(LANGUAGES)})",
    "pushed_at": "datetime('2020-01-01', '+' || (i % 2000) || ' days')",
    "last_checked_at": "datetime('now')", "added_at": "datetime('now')",
}


def _default_sql(field) -> str:
    if field.null:
        return "NULL"
    default = field.get_default()
    if isinstance(default, (list, dict)):
        return "'[]'" if isinstance(default, list) else "'{}'"
    if isinstance(default, (bool, int)):
        return str(int(default))
    return "''"


def fill(count: int) -> None:
    from django.db import connection

    from repositories import counts
    from repositories.models import Label, Repository

    fields = [f for f in Repository._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = ", ".join(VALUES.get(f.column) or _default_sql(f) for f in fields)
    table, labels = Repository._meta.db_table, Label._meta.db_table
    through = Repository.labels.through._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_languages (k INTEGER PRIMARY KEY, name TEXT)")
        cursor.executemany("INSERT INTO bench_languages VALUES (%s, %s)", list(enumerate(LANGUAGES)))
        cursor.execute("BEGIN")
        cursor.execute(f"WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {count}) "
                       f"INSERT INTO {table} ({columns}) SELECT {values} FROM seq")
        cursor.executemany(f"INSERT INTO {labels} (name, created_at) VALUES (%s, datetime('now'))",
                           [(f"list-{k}",) for k in range(LABELS)])
        cursor.execute(f"INSERT INTO {through} (repository_id, label_id) SELECT r.id, l.id FROM {table} r "
                       f"JOIN {labels} l ON l.name = 'list-' || (r.id % {LABELS}) WHERE r.id % 2 = 0")
        cursor.execute("COMMIT")
        cursor.execute("ANALYZE")
    print(f"inserted {count:,} repositories in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    counts.recount()
    print(f"counted them in {time.perf_counter() - started:.1f} s", flush=True)


def measure(client, url: str) -> str:
    from django.conf import settings
    from django.db import connection, reset_queries

    client.get(url)  # warm
    cpu, wall = [], []
    for _ in range(RUNS):
        started, clock = time.process_time(), time.perf_counter()
        response = client.get(url)
        cpu.append((time.process_time() - started) * 1000)
        wall.append((time.perf_counter() - clock) * 1000)
    settings.DEBUG = True  # for connection.queries
    reset_queries()
    client.get(url)
    settings.DEBUG = False
    return (f"{url:24} cpu median {statistics.median(cpu):6.1f} ms  wall best {min(wall):6.1f} ms  "
            f"status {response.status_code}  queries {len(connection.queries)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repositories", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, required=True, help="a SQLite file: made when missing, reused after")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-catalog-pages-"))
    os.environ.update({"DJANGO_SETTINGS_MODULE": "repohealth.settings", "DJANGO_SECRET_KEY": "bench",
                       "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "testserver", "REPOHEALTH_VAR_DIR": str(folder),
                       "DATABASE_URL": f"sqlite:///{args.db.resolve()}"})
    from devserver.embedded_redis import wait_until_up
    from devserver.processes import start_redis

    socket_path = folder / "redis" / "redis.sock"
    redis = start_redis(socket_path, persist=False, log=folder / "redis.log", name="bench-redis")
    try:
        wait_until_up(socket_path)
        os.environ["REDIS_URL"] = f"unix://{socket_path}?db=0"
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client

        from repositories.models import Repository

        call_command("migrate", verbosity=0)
        if not Repository.objects.exists():
            fill(args.repositories)
        user, _ = get_user_model().objects.get_or_create(username="bench")
        client = Client()
        client.force_login(user)
        print(f"{Repository.objects.count():,} repositories", flush=True)
        for url in PAGES:
            print(measure(client, url), flush=True)
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
