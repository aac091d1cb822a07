"""Row `dependencies`: import and map a CycloneDX SBOM of 5,000 components (npm, PyPI, Cargo, Go,
RubyGems and Maven; 60 % declare their GitHub repository, 40 % only a purl, mapped through the
fake deps.dev at 25 ms) and a package-lock.json of 2,000 entries (none declares a repository:
every one is asked), each imported twice: the first import's seconds and resolver requests
(at most 2 per distinct package asked), and the second's requests (0: the answers are kept).
In the bench process, against `python -m fakedepsdev` in a child process.
"""

from __future__ import annotations

import json
import sys
import time

import requests

from bench.harness import Bench
from bench.report import Line, Row
from bench.sizes import IMPORT_TARGET_SECONDS
from devserver.processes import Child

DEPSDEV_LATENCY_MS = 25
SBOM_COMPONENTS = 5_000
DECLARED_SHARE = 0.6
LOCKFILE_ENTRIES = 2_000
# purl type, deps.dev system, the name deps.dev is asked for, the purl
ECOSYSTEMS = (
    ("npm", "NPM", lambda i: f"bench-pkg-{i}", lambda i: f"pkg:npm/bench-pkg-{i}@1.0.{i % 7}"),
    ("pypi", "PYPI", lambda i: f"bench-dist-{i}", lambda i: f"pkg:pypi/bench-dist-{i}@2.{i % 5}.0"),
    ("cargo", "CARGO", lambda i: f"bench_crate_{i}", lambda i: f"pkg:cargo/bench_crate_{i}@0.{i % 9}.1"),
    ("golang", "GO", lambda i: f"go.bench.example/mod{i}",
     lambda i: f"pkg:golang/go.bench.example/mod{i}@v1.{i % 3}.0"),
    ("gem", "RUBYGEMS", lambda i: f"bench-gem-{i}", lambda i: f"pkg:gem/bench-gem-{i}@3.{i % 4}.0"),
    ("maven", "MAVEN", lambda i: f"org.bench:artifact{i}", lambda i: f"pkg:maven/org.bench/artifact{i}@1.{i % 6}"),
)


def sbom() -> tuple[str, list[dict]]:
    """The SBOM, and the packages the fake deps.dev serves for its undeclared components."""
    components, served = [], []
    for i in range(SBOM_COMPONENTS):
        _, system, name, purl = ECOSYSTEMS[i % len(ECOSYSTEMS)]
        version = purl(i).rsplit("@", 1)[1]
        item = {"type": "library", "bom-ref": f"c{i}", "name": name(i).rsplit("/", 1)[-1].split(":")[-1],
                "version": version, "purl": purl(i)}
        if i % 10 < DECLARED_SHARE * 10:
            item["externalReferences"] = [{"type": "vcs", "url": f"https://github.com/bench-deps/declared-{i}"}]
        else:
            served.append({"system": system, "name": name(i),
                           "versions": {version: [f"github.com/bench-deps/resolved-{i}", "SLSA_ATTESTATION"]}})
        components.append(item)
    document = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": components}
    return json.dumps(document), served


def package_lock() -> tuple[str, list[dict]]:
    packages: dict[str, dict] = {"": {"name": "bench-app", "version": "1.0.0"}}
    served = []
    for i in range(LOCKFILE_ENTRIES):
        name = f"@bench/scoped-{i}" if i % 10 == 0 else f"bench-lock-{i}"
        version = f"4.{i % 11}.0"
        packages[f"node_modules/{name}"] = {"version": version,
                                            "resolved": f"https://registry.npmjs.org/{name}/-/x-{version}.tgz"}
        served.append({"system": "NPM", "name": name,
                       "versions": {version: [f"github.com/bench-npm/lock-{i}", "UNVERIFIED_METADATA"]}})
    return json.dumps({"name": "bench-app", "version": "1.0.0", "lockfileVersion": 3, "packages": packages}), served


def _import_twice(url: str, text: str, filename: str) -> dict:
    from repositories.services import repositories_import

    figures = {}
    for attempt in ("first", "second"):
        requests.post(f"{url}/_fake/reset", timeout=10)
        started = time.perf_counter()
        report = repositories_import(source=text, filename=filename, label=f"bench-deps-{attempt}")
        seconds = time.perf_counter() - started
        asked = requests.get(f"{url}/_fake/stats", timeout=10).json()["requests"]
        figures[attempt] = {"seconds": round(seconds, 3), "resolver_requests": asked, "packages": report.packages,
                            "unmapped": report.unmapped, "repositories": len(report.repository_ids),
                            "unreachable": report.resolver["unreachable"]}
    return figures


def dependencies(bench: Bench) -> Row:
    from django.conf import settings

    document, sbom_served = sbom()
    lockfile, lock_served = package_lock()
    served_file = bench.var_dir / "depsdev-packages.json"
    served_file.write_text(json.dumps({"packages": sbom_served + lock_served}))
    fake = Child("fakedepsdev", [sys.executable, "-u", "-m", "fakedepsdev", "--port", "0", "--latency-ms",
                                 str(DEPSDEV_LATENCY_MS), "--packages", str(served_file)],
                 env=None, log=bench.log_dir / "fakedepsdev.log")
    before = settings.DEPSDEV_API_URL
    try:
        url = fake.wait_for_line("listening on", timeout=120).rsplit(" ", 1)[-1].strip()
        settings.DEPSDEV_API_URL = url
        data = {"latency_ms": DEPSDEV_LATENCY_MS, "concurrent": settings.DEPSDEV_MAX_CONCURRENT,
                "target_seconds": IMPORT_TARGET_SECONDS}
        asked = {"sbom": len(sbom_served), "package_lock": len(lock_served)}
        for key, text, filename in (("sbom", document, "bench.cdx.json"),
                                    ("package_lock", lockfile, "package-lock.json")):
            bench.say(f"  {filename}: imported twice")
            figures = _import_twice(url, text, filename)
            figures["asked_packages"] = asked[key]
            figures["within_target"] = figures["first"]["seconds"] < IMPORT_TARGET_SECONDS
            figures["within_request_bound"] = figures["first"]["resolver_requests"] <= 2 * asked[key]
            data[key] = figures
    finally:
        settings.DEPSDEV_API_URL = before
        fake.stop()
    lines = []
    for key, title in (("sbom", f"CycloneDX, {SBOM_COMPONENTS:,} components"),
                       ("package_lock", f"package-lock.json, {LOCKFILE_ENTRIES:,} entries")):
        figures = data[key]
        verdict = "[green]under[/]" if figures["within_target"] else "[red]over[/]"
        lines.append(Line(title, {"seconds": figures["first"]["seconds"],
                                  "requests": figures["first"]["resolver_requests"],
                                  "asked": figures["asked_packages"],
                                  "second_requests": figures["second"]["resolver_requests"],
                                  "second_seconds": figures["second"]["seconds"]},
                          note=f"{verdict} the {IMPORT_TARGET_SECONDS:g} s target"))
    return Row("dependencies", "dependencies: import and map", data, lines)
