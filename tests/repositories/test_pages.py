"""The page of a kept source: the coloured diff, policies, counts and downloads."""

from __future__ import annotations

import pytest

from tests.repositories.fixing import Health, imported, moved, state

pytestmark = pytest.mark.django_db
TEXT = "# List\n\n- [a](https://github.com/old/a)\n- [B](https://github.com/acme/b) - old\n"


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def source():
    kept = imported(TEXT, filename="README.md")
    moved("old/a", "new/a")
    state("acme/b", Health.ARCHIVED)
    return kept


def test_the_page_shows_the_diff_coloured_with_counts(logged_in, source):
    page = logged_in.get(f"/sources/{source.id}/").content.decode()
    assert '<span class="diff-del">-- [a](https://github.com/old/a)</span>' in page
    assert '<span class="diff-add">+- [a](https://github.com/new/a)</span>' in page
    assert "1 moved" in page
    assert "1 archived" in page
    assert "style=" not in page.split("<main", 1)[-1]


def test_the_downloads_are_the_corrected_file_and_the_patch(logged_in, source):
    file = logged_in.get(f"/sources/{source.id}/?archived=leave&download=file")
    assert file["Content-Disposition"] == 'attachment; filename="README.md"'
    assert file.content.decode() == ("# List\n\n- [a](https://github.com/new/a)\n"
                                     "- [B](https://github.com/acme/b) - old\n")
    patch = logged_in.get(f"/sources/{source.id}/?download=patch")
    assert patch["Content-Disposition"] == 'attachment; filename="README.md.patch"'
    assert patch.content.decode().startswith("--- a/README.md\n+++ b/README.md\n")


LONG = "l" * 296 + ".md"  # 300 characters: kept and downloaded as 255 bytes, the extension kept
LONG_ACCENTED = "ü" * 297 + ".md"  # 300 characters, 597 bytes


@pytest.mark.parametrize(("uploaded", "file", "patch"), [
    ('we"ird.md', r'attachment; filename="we\"ird.md"', r'attachment; filename="we\"ird.md.patch"'),
    ("ünï ✓.md", "attachment; filename=\"uni _.md\"; filename*=utf-8''%C3%BCn%C3%AF%20%E2%9C%93.md",
     "attachment; filename=\"uni _.md.patch\"; filename*=utf-8''%C3%BCn%C3%AF%20%E2%9C%93.md.patch"),
    (LONG, f'attachment; filename="{"l" * 252}.md"', f'attachment; filename="{"l" * 246}.md.patch"'),
    (LONG_ACCENTED, f"attachment; filename=\"{'u' * 126}.md\"; filename*=utf-8''{'%C3%BC' * 126}.md",
     f"attachment; filename=\"{'u' * 123}.md.patch\"; filename*=utf-8''{'%C3%BC' * 123}.md.patch"),
])
def test_a_download_keeps_the_name_the_list_was_uploaded_with(logged_in, uploaded, file, patch):
    kept = imported(TEXT, filename=uploaded)
    moved("old/a", "new/a")

    assert logged_in.get(f"/sources/{kept.id}/?download=file")["Content-Disposition"] == file
    assert logged_in.get(f"/sources/{kept.id}/?download=patch")["Content-Disposition"] == patch


def test_a_bad_policy_is_a_400(logged_in, source):
    assert logged_in.get(f"/sources/{source.id}/?dead=burn").status_code == 400


def test_the_list_of_sources_links_each_page(logged_in, source):
    assert f'href="/sources/{source.id}/"' in logged_in.get("/sources/").content.decode()


def test_the_page_offers_replace_and_inactive(logged_in, source):
    state("acme/b", Health.ARCHIVED, successor="acme/b-next", maintenance="deprecated")
    page = logged_in.get(f"/sources/{source.id}/?archived=replace&inactive=mark").content.decode()
    assert '<span class="diff-add">+- [B](https://github.com/acme/b-next) - old</span>' in page
    assert '<option value="replace" selected>' in page
    assert '<select name="inactive">' in page
    assert "1 successor" in page
    assert "inactive=mark&amp;download=file" in page
    assert logged_in.get(f"/sources/{source.id}/?inactive=burn").status_code == 400
