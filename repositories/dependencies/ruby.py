"""Ruby: ``Gemfile.lock``, read by hand (Bundler's own parser is Ruby). Sections ``GEM``
(``remote:`` a gem server), ``GIT`` (``remote:`` the repository) and ``PATH`` (local, skipped);
a gem is a four-space ``name (version)`` line under ``specs:``; its dependencies, six spaces in,
are listed as gems of their own."""

from __future__ import annotations

import re

from .collect import Collector

_SPEC = re.compile(r"^    ([A-Za-z0-9][\w.-]*) \(([^)\s]+)\)$")
_PLATFORM = re.compile(r"-(?:x86|x64|arm|aarch64|universal|java|mingw|mswin|darwin|linux|ruby)[\w.-]*$")


def read_gemfile_lock(text: str, col: Collector, doc=None) -> None:
    section, remote = None, None
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip()
        if not line:
            continue
        if not line.startswith(" "):
            section, remote = line.strip(), None
            continue
        if section not in ("GEM", "GIT", "PATH", "PLUGIN SOURCE"):
            continue
        if line.startswith("  remote:"):
            remote = line.split(":", 1)[1].strip()
        elif line.startswith("    ") and not line.startswith("     ") and section != "PATH":
            m = _SPEC.match(line)
            if m is None:
                col.reject(number, raw, "expected '    NAME (VERSION)' under specs:")
                continue
            version = _PLATFORM.sub("", m[2])  # nokogiri (1.16.0-x86_64-linux) is nokogiri 1.16.0
            col.package(location=number, ecosystem="gem", name=m[1], version=version,
                        urls=(remote,) if section == "GIT" and remote else (), text=line.strip())
