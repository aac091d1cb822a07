"""``python -m fakedepsdev --port 0 [--latency-ms N] [--packages FILE.json]``: serve until interrupted."""

from __future__ import annotations

import argparse
import json
import signal
import threading

from .server import FakeDepsDev


def main() -> None:
    parser = argparse.ArgumentParser(prog="fakedepsdev")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--packages", help='JSON: {"packages": [{"system", "name", "versions", "default"}]}')
    options = parser.parse_args()
    fake = FakeDepsDev(host=options.host, port=options.port, latency_ms=options.latency_ms).start()
    if options.packages:
        with open(options.packages, encoding="utf-8") as file:
            for package in json.load(file)["packages"]:
                fake.add(package["system"], package["name"], package.get("versions", {}), package.get("default"))
    print(f"fakedepsdev listening on {fake.url}", flush=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    fake.stop()


if __name__ == "__main__":
    main()
