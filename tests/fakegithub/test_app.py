"""The fake's GitHub App endpoint: installation tokens for a JWT signed with the app's key."""

from __future__ import annotations

import calendar
import time

import jwt
import pytest
import requests

from fakegithub import FakeGitHub
from fakegithub.rs256 import InvalidJWT, public_numbers, verify_jwt
from tests.scans.app_keys import key_pair, new_key_pair

APP_ID, INSTALLATION = "4242", 77


def app_jwt(*, issuer=APP_ID, issued=None, lifetime=540, key=None) -> str:
    issued = int(time.time()) - 60 if issued is None else issued
    return jwt.encode({"iat": issued, "exp": issued + lifetime, "iss": issuer}, key or key_pair()[0],
                      algorithm="RS256")


@pytest.fixture
def fake():
    with FakeGitHub(catalog=[{"id": 1, "full_name": "acme/tool"}], tokens="personal", app_id=APP_ID,
                    app_public_key=key_pair()[1], app_installation_id=INSTALLATION,
                    rate_limit=(3, 60)) as server:
        yield server


def mint(fake: FakeGitHub, token: str, installation: int = INSTALLATION) -> requests.Response:
    return requests.post(f"{fake.url}/app/installations/{installation}/access_tokens",
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)


def get_repo(fake: FakeGitHub, token: str) -> requests.Response:
    return requests.get(f"{fake.url}/repos/acme/tool", headers={"Authorization": f"token {token}"}, timeout=10)


def test_a_valid_app_jwt_gets_an_installation_token_that_works_for_an_hour(fake):
    answer = mint(fake, app_jwt())

    assert answer.status_code == 201
    body = answer.json()
    assert body["token"].startswith("ghs_")
    assert body["repository_selection"] == "all"
    expires = calendar.timegm(time.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ"))
    assert 3590 < expires - time.time() <= 3600
    assert get_repo(fake, body["token"]).status_code == 200
    assert fake.stats()["app_tokens_created"] == 1
    assert fake.stats()["points_spent"]["core"] == 1


def test_an_installation_token_is_refused_once_it_expired(fake):
    fake.configure(app_token_seconds=0.3)
    token = mint(fake, app_jwt()).json()["token"]
    assert get_repo(fake, token).status_code == 200
    time.sleep(0.4)  # the token's 0.3 s life passes: the fake's clock is the wall clock
    refused = get_repo(fake, token)
    assert refused.status_code == 401
    assert refused.json()["message"] == "Bad credentials"


def test_the_tokens_of_one_installation_share_its_rate_limit(fake):
    first, second = (mint(fake, app_jwt()).json()["token"] for _ in range(2))
    statuses = [get_repo(fake, token).status_code for token in (first, second, first, second)]
    assert statuses == [200, 200, 200, 403]
    assert get_repo(fake, "personal").status_code == 200  # a personal token is another account


@pytest.mark.parametrize(("token", "message"), [
    (lambda: app_jwt(key=new_key_pair()[0]), "A JSON web token could not be decoded"),
    (lambda: "not.a.jwt", "A JSON web token could not be decoded"),
    (lambda: app_jwt(issued=int(time.time()) - 2000), "'Expiration time' claim ('exp') must be a numeric value"),
    (lambda: app_jwt(lifetime=900), "'Expiration time' claim ('exp') is too far in the future"),
    (lambda: app_jwt(issued=int(time.time()) + 600), "'Issued at' claim ('iat') must be an Integer"),
    (lambda: app_jwt(issuer="999"), "Integration not found"),
])
def test_a_jwt_github_would_refuse_answers_401_with_githubs_message(fake, token, message):
    answer = mint(fake, token())
    assert answer.status_code == 401
    assert answer.json()["message"].startswith(message)


def test_a_revoked_installation_token_is_refused_at_once(fake):
    token = mint(fake, app_jwt()).json()["token"]
    revoke = requests.delete(f"{fake.url}/installation/token", headers={"Authorization": f"Bearer {token}"},
                             timeout=10)
    assert revoke.status_code == 204
    assert get_repo(fake, token).status_code == 401
    assert requests.delete(f"{fake.url}/installation/token", headers={"Authorization": "Bearer personal"},
                           timeout=10).status_code == 401


def test_another_installation_is_not_found(fake):
    assert mint(fake, app_jwt(), installation=78).status_code == 404


def test_without_an_app_configured_every_jwt_is_refused():
    with FakeGitHub(catalog=[]) as server:
        assert mint(server, app_jwt()).status_code == 401


def test_a_public_key_that_is_not_pem_is_refused_when_configured():
    with pytest.raises(ValueError, match="RSA public key in PEM"):
        FakeGitHub(catalog=[], app_public_key="ssh-rsa AAAA")


def test_the_pure_python_check_agrees_with_the_cryptography_package():
    public = key_pair()[1]
    token = app_jwt()
    assert verify_jwt(token, public, APP_ID)["iss"] == APP_ID
    head, claims, signature = token.split(".")
    tampered = f"{head}.{claims}.{signature[:-4]}AAAA"
    with pytest.raises(InvalidJWT):
        verify_jwt(tampered, public, APP_ID)
    n, e = public_numbers(public)
    assert e == 65537
    assert n.bit_length() == 2048
