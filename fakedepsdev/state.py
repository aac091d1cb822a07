"""What the fake holds: packages, settings (latency, failures) and what it was asked."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

SETTINGS = ("latency_ms", "error_rate", "fail_first", "seed")


@dataclass
class Config:
    latency_ms: float = 0.0  # slept before every answer
    error_rate: float = 0.0  # the share of answers that are a 503
    fail_first: int = 0  # the next N answers are a 503 (then counted down)
    seed: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class State:
    """Packages by (SYSTEM, name): {"default": version, "versions": {version: [relatedProjects...]}}."""

    def __init__(self, **settings: Any) -> None:
        self.lock = threading.Lock()
        self.config = Config()
        self.packages: dict[tuple[str, str], dict[str, Any]] = {}
        self.stopping = threading.Event()
        self.random = random.Random(0)
        self.requests: list[str] = []
        self.configure(**settings)

    def configure(self, **changes: Any) -> dict[str, Any]:
        unknown = set(changes) - set(SETTINGS)
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        with self.lock:
            for name, value in changes.items():
                setattr(self.config, name, type(getattr(self.config, name))(value))
            if "seed" in changes:
                self.random = random.Random(self.config.seed)
            return self.config.as_json()

    def add(self, system: str, name: str, versions: dict[str, Any], default: str | None = None) -> None:
        """`versions`: version -> "github.com/o/r", ("github.com/o/r", provenance) (in JSON a list
        of the two), a list of deps.dev relatedProjects, or None (deps.dev knows the version, and
        no repository)."""
        related = {str(version): _related(value) for version, value in versions.items()}
        chosen = default if default is not None else (list(related)[-1] if related else None)
        with self.lock:
            self.packages[(system.upper(), name)] = {"default": chosen, "versions": related}

    def package(self, system: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            return self.packages.get((system.upper(), name))

    def record(self, path: str) -> bool:
        """Count a request; True when it is to fail (503)."""
        with self.lock:
            self.requests.append(path)
            if self.config.fail_first > 0:
                self.config.fail_first -= 1
                return True
            return self.random.random() < self.config.error_rate

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"requests": len(self.requests), "packages": len(self.packages)}

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()


def _related(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    project, how = (value, "UNVERIFIED_METADATA") if isinstance(value, str) else value  # a pair (JSON: a list)
    return [{"projectKey": {"id": project}, "relationProvenance": how, "relationType": "SOURCE_REPO"}]
