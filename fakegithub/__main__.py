"""``python -m fakegithub``: run the fake GitHub API until interrupted or terminated."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Sequence

from .server import FakeGitHub
from .state import parse_rate, parse_tokens


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m fakegithub", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--catalog", help="catalog JSON file (default: the demo catalog)")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--latency-jitter-ms", type=float, default=0.0)
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of 502/503 answers")
    parser.add_argument("--rate-limit", type=parse_rate, help="REST limit N/SECONDS per token")
    parser.add_argument("--graphql-rate-limit", type=parse_rate, help="GraphQL points N/SECONDS")
    parser.add_argument("--graphql-max-batch", type=int, help="more aliases than this -> 502")
    parser.add_argument("--tokens", type=parse_tokens, help="comma-separated accepted tokens")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--app-id", help="a GitHub App's id: POST /app/installations/{id}/access_tokens works")
    parser.add_argument("--app-public-key", type=Path, help="that app's RSA public key (PEM file)")
    parser.add_argument("--app-installation-id", type=int, help="the installation it may mint tokens for")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the server, print the listening line, and serve until SIGINT or SIGTERM."""
    args = parse_args(argv)
    fake = FakeGitHub(
        catalog=args.catalog, latency_ms=args.latency_ms, error_rate=args.error_rate,
        rate_limit=args.rate_limit, tokens=args.tokens, graphql_rate_limit=args.graphql_rate_limit,
        graphql_max_batch=args.graphql_max_batch, seed=args.seed, host=args.host, port=args.port,
        latency_jitter_ms=args.latency_jitter_ms, app_id=args.app_id,
        app_public_key=args.app_public_key.read_text() if args.app_public_key else None,
        app_installation_id=args.app_installation_id)
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    fake.start()
    print(f"fakegithub listening on {fake.url}", flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
