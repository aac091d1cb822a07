"""Settings come from the environment; a malformed value stops start-up naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import BASE_DIR


def load_settings(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SCAN_", "GITHUB_", "IMPORT_"))}
    environment.update(env)
    return subprocess.run([sys.executable, "-c", "import repohealth.settings as s; print(s.GITHUB_GRAPHQL_URL)"],
                          cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("name", "value", "words"), [
    ("PORT", "eighty", "PORT='eighty' is not a whole number"),
    ("PORT", "70000", "PORT=70000 is above the maximum of 65535"),
    ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG='maybe' is not a boolean"),
    ("SCAN_MODE", "soap", "SCAN_MODE='soap' must be one of auto, rest, graphql"),
    ("SCAN_CONCURRENCY", "0", "SCAN_CONCURRENCY=0 is below the minimum of 1"),
    ("REDIS_URL", "localhost:6379", "REDIS_URL='localhost:6379' is not a URL"),
    ("DATABASE_URL", "mysql://x/y", "DATABASE_URL='mysql://x/y' is not a URL with one of the schemes"),
    ("GITHUB_API_URL", "api.github.com", "GITHUB_API_URL='api.github.com' is not a URL"),
])
def test_a_malformed_value_stops_start_up_naming_the_variable(name, value, words):
    result = load_settings(**{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert words in result.stderr


@pytest.mark.parametrize(("api", "graphql"), [
    ("https://api.github.com", "https://api.github.com/graphql"),
    ("https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql"),
])
def test_the_graphql_url_follows_the_api_url(api, graphql):
    result = load_settings(GITHUB_API_URL=api)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == graphql


def test_a_renamed_variable_is_read_under_its_former_name_with_a_warning():
    result = subprocess.run(
        [sys.executable, "-c",
         "import repohealth.settings as s; print(s.UPKEEP_INTERVAL_SECONDS, s.HEALTH_RECHECK_SCANS)"],
        cwd=BASE_DIR, env={**os.environ, "MAINTENANCE_INTERVAL_SECONDS": "45", "HEALTH_CONFIRM_SCANS": "3"},
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["45", "3"]
    assert "MAINTENANCE_INTERVAL_SECONDS is deprecated: set UPKEEP_INTERVAL_SECONDS instead" in result.stderr
    assert "HEALTH_CONFIRM_SCANS is deprecated: set HEALTH_RECHECK_SCANS instead" in result.stderr


def test_the_new_name_wins_the_old_is_warned_about_once_and_errors_name_what_was_set(monkeypatch, caplog):
    from django.core.exceptions import ImproperlyConfigured

    from repohealth import env

    monkeypatch.setattr(env, "_WARNED", set())
    monkeypatch.setenv("OLD_SECONDS", "7")
    assert env.env_int("NEW_SECONDS", 1, deprecated="OLD_SECONDS") == 7
    assert env.env_int("NEW_SECONDS", 1, deprecated="OLD_SECONDS") == 7
    assert [r.getMessage() for r in caplog.records] == ["OLD_SECONDS is deprecated: set NEW_SECONDS instead"]
    monkeypatch.setenv("NEW_SECONDS", "9")
    assert env.env_int("NEW_SECONDS", 1, deprecated="OLD_SECONDS") == 9
    monkeypatch.delenv("NEW_SECONDS")
    monkeypatch.setenv("OLD_SECONDS", "soon")
    with pytest.raises(ImproperlyConfigured, match="OLD_SECONDS='soon' is not a whole number"):
        env.env_int("NEW_SECONDS", 1, deprecated="OLD_SECONDS")
