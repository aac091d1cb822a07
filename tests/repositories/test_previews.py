"""The import preview's store (repositories/previews.py), in the suite's Redis cache."""

from __future__ import annotations

from repositories.previews import preview_drop, preview_get, preview_store


def test_a_stored_preview_is_found_by_its_token_for_its_user_only_until_it_is_dropped():
    token = preview_store(user_id=7, source=b"acme/tool\n", filename="list.txt", label="tools")

    assert preview_get(token=token, user_id=7) == {"user_id": 7, "source": b"acme/tool\n", "filename": "list.txt",
                                                   "label": "tools"}
    assert preview_get(token=token, user_id=8) is None, "another user's preview"
    preview_drop(token=token)
    assert preview_get(token=token, user_id=7) is None, "an imported preview is not imported again"


def test_a_token_it_could_not_have_made_is_never_looked_up():
    assert preview_get(token="../../etc", user_id=7) is None
    assert preview_get(token="", user_id=7) is None
