"""GitHub App credentials: the client mints installation tokens, replaces a rejected one, pools
them with personal tokens; the settings read them. Against fakegithub over HTTP (the app's JWT
and the refresh before expiry: test_tokens.py)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
import requests

from fakegithub import FakeGitHub
from repohealth.runtime.logging import RedactTokensFilter
from scans.github.client import GitHubClient
from scans.github.errors import BadCredentials
from scans.run.connect import shared_budget
from tests.conftest import BASE_DIR
from tests.scans.app_keys import APP_ID, INSTALLATION, app, key_pair, new_key_pair


@pytest.fixture
def fake():
    with FakeGitHub(catalog=[{"id": i, "full_name": f"acme/tool-{i}"} for i in range(1, 9)], tokens="personal",
                    app_id=APP_ID, app_public_key=key_pair()[1], app_installation_id=INSTALLATION) as server:
        yield server


def client_for(fake: FakeGitHub, **kwargs) -> GitHubClient:
    return GitHubClient(api_url=fake.url, budget=shared_budget(), backoff=0.01, **kwargs)


def tokens_sent(fake: FakeGitHub) -> list[str]:
    return [entry["token"] for entry in fake.request_log() if entry["endpoint"] == "rest_repo"]


def test_the_client_mints_an_installation_token_once_and_sends_it(fake):
    client = client_for(fake, app=app())

    statuses = [client.get_repository(f"acme/tool-{i}").status for i in range(1, 9)]

    assert statuses == [200] * 8
    assert fake.stats()["app_tokens_created"] == 1
    sent = set(tokens_sent(fake))
    assert len(sent) == 1
    assert sent.pop().startswith("ghs_")
    assert client.authenticated
    assert client.points_spent == 8


def test_installation_tokens_are_pooled_with_personal_tokens(fake):
    client = client_for(fake, tokens=["personal"], app=app())

    for i in range(1, 9):
        client.get_repository(f"acme/tool-{i}")

    # The shared budget hands out grants in small batches, each to the next token in turn: both
    # credentials carry requests, though not strictly one each in turn.
    kinds = ["installation" if token.startswith("ghs_") else token for token in tokens_sent(fake)]
    assert len(kinds) == 8
    assert set(kinds) == {"personal", "installation"}
    assert client.core.snapshot()["tokens"] == 2


def test_a_token_github_rejects_is_replaced_by_a_new_one_and_the_request_goes_on(fake):
    client = client_for(fake, app=app())
    client.get_repository("acme/tool-1")
    [first] = tokens_sent(fake)
    requests.delete(f"{fake.url}/installation/token", headers={"Authorization": f"Bearer {first}"}, timeout=10)

    answer = client.get_repository("acme/tool-2")

    assert answer.status == 200
    statuses = [entry["status"] for entry in fake.request_log() if entry["endpoint"] == "rest_repo"]
    assert statuses == [200, 401, 200]
    assert tokens_sent(fake)[2] != first
    assert fake.stats()["app_tokens_created"] == 2


def test_a_key_github_does_not_accept_fails_with_the_settings_to_check(fake):
    client = client_for(fake, app=app(private_key=new_key_pair()[0]))
    with pytest.raises(BadCredentials, match="GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY"):
        client.get_repository("acme/tool-1")


def test_an_unknown_installation_fails_with_the_setting_to_check(fake):
    client = client_for(fake, app=app(installation_id=78))
    with pytest.raises(BadCredentials, match="GITHUB_APP_INSTALLATION_ID"):
        client.get_repository("acme/tool-1")


def test_a_broken_app_leaves_the_personal_tokens_working(fake, caplog):
    client = client_for(fake, tokens=["personal"], app=app(installation_id=78))

    statuses = [client.get_repository(f"acme/tool-{i}").status for i in range(1, 5)]

    assert statuses == [200] * 4
    assert set(tokens_sent(fake)) == {"personal"}
    assert "GITHUB_APP_INSTALLATION_ID" in caplog.text


def test_installation_tokens_and_app_jwts_never_reach_a_log_line(settings):
    settings.GITHUB_TOKENS = []
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sent %s and %s", (
        "ghs_16C7e42F292c6912E7710c838347Ae178B4a", app().jwt()), None)
    RedactTokensFilter().filter(record)
    assert record.getMessage() == "sent [redacted] and [redacted]"


# --------------------------------------------------------------------------- settings

def load_app_settings(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SCAN_", "GITHUB_"))}
    environment.update(env)
    code = ("import repohealth.settings as s; "
            "print(s.GITHUB_APP_CONFIGURED, s.GITHUB_APP_ID, s.GITHUB_APP_INSTALLATION_ID, "
            "s.GITHUB_APP_PRIVATE_KEY.startswith('-----BEGIN RSA PRIVATE KEY-----'), s.SCAN_FULL_METADATA_HOURS)")
    return subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True,
                          text=True, timeout=60)


def test_the_settings_read_the_app_with_its_key_as_pem_text_or_a_path(tmp_path):
    pem = key_pair()[0]
    (tmp_path / "app.pem").write_text(pem)
    for key in (pem, pem.replace("\n", "\\n"), str(tmp_path / "app.pem")):
        result = load_app_settings(GITHUB_APP_ID=APP_ID, GITHUB_APP_PRIVATE_KEY=key,
                                   GITHUB_APP_INSTALLATION_ID=str(INSTALLATION))
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["True", APP_ID, str(INSTALLATION), "True", "24"]


@pytest.mark.parametrize(("env", "words"), [
    ({"GITHUB_APP_ID": "1"}, "missing: GITHUB_APP_PRIVATE_KEY, GITHUB_APP_INSTALLATION_ID"),
    ({"GITHUB_APP_ID": "1", "GITHUB_APP_PRIVATE_KEY": "/nowhere/app.pem", "GITHUB_APP_INSTALLATION_ID": "2"},
     "GITHUB_APP_PRIVATE_KEY: cannot read the PEM file /nowhere/app.pem"),
    ({"GITHUB_APP_PRIVATE_KEY": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"},
     "GITHUB_APP_PRIVATE_KEY is neither a PEM private key"),
    ({"GITHUB_APP_INSTALLATION_ID": "seven"}, "GITHUB_APP_INSTALLATION_ID='seven' is not a whole number"),
    ({"SCAN_FULL_METADATA_HOURS": "-1"}, "SCAN_FULL_METADATA_HOURS=-1 is below the minimum of 0"),
])
def test_a_malformed_app_setting_stops_start_up_naming_the_variable(env, words):
    result = load_app_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert words in result.stderr
