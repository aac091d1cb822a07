"""A GitHub App's installation tokens: ``POST /app/installations/{id}/access_tokens`` and
``DELETE /installation/token``.

https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app: the app
authenticates with a JWT signed with its private key (checked in ``rs256.py`` against the
configured ``app_public_key``) and gets a token that lasts an hour (``app_token_seconds``).
https://docs.github.com/rest/apps/installations#revoke-an-installation-access-token: the token
itself can be revoked at once.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timezone

from . import responses
from .request import ApiRequest
from .responses import Response
from .rs256 import InvalidJWT, verify_jwt
from .state import FakeState

DOCS_APP_TOKEN = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app"
DOCS_REVOKE = "https://docs.github.com/rest/apps/installations#revoke-an-installation-access-token"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def post_access_token(state: FakeState, request: ApiRequest, installation_id: int) -> Response:
    """201 with a new installation token, 401 for a JWT GitHub would refuse, 404 for another
    installation. Asking spends no rate-limit points."""
    config = state.config
    if config.app_id is None or not config.app_public_key:
        return responses.error(401, "A JSON web token could not be decoded", DOCS_APP_TOKEN)
    try:
        verify_jwt(request.token or "", config.app_public_key, config.app_id)
    except InvalidJWT as refused:
        return responses.error(401, str(refused), DOCS_APP_TOKEN)
    if installation_id != config.app_installation_id:
        return responses.not_found(DOCS_APP_TOKEN)
    token = "ghs_" + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36]
    expires = time.time() + config.app_token_seconds
    state.add_app_token(token, expires, installation_id)
    return responses.json_response(201, {
        "token": token,
        "expires_at": _iso(expires),
        "permissions": {"metadata": "read"},
        "repository_selection": "all",
    })


def delete_installation_token(state: FakeState, request: ApiRequest) -> Response:
    """204: the installation token that authenticates this request no longer works."""
    if not request.token or not state.revoke_app_token(request.token):
        return responses.error(401, "Bad credentials", DOCS_REVOKE, with_status=True)
    return Response(204)
