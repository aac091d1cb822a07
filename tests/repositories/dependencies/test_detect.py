"""repositories.dependencies.detect: the format from the file name, then from the content."""

import pytest

from repositories.dependencies import FORMATS, detect_format, format_from_filename
from tests.repositories.dependencies.helpers import DATA, read


@pytest.mark.parametrize(("filename", "fmt"), [
    ("package-lock.json", "package-lock"), ("npm-shrinkwrap.json", "package-lock"), ("yarn.lock", "yarn-lock"),
    ("pnpm-lock.yaml", "pnpm-lock"), ("requirements.txt", "requirements"), ("requirements-dev.txt", "requirements"),
    ("dev-requirements.txt", "requirements"), ("requirements.in", "requirements"), ("poetry.lock", "poetry-lock"),
    ("uv.lock", "uv-lock"), ("Pipfile.lock", "pipfile-lock"), ("go.mod", "go-mod"), ("go.sum", "go-sum"),
    ("Cargo.lock", "cargo-lock"), ("Gemfile.lock", "gemfile-lock"), ("composer.lock", "composer-lock"),
    ("bom.json", "cyclonedx-json"), ("app.cdx.json", "cyclonedx-json"), ("bom.xml", "cyclonedx-xml"),
    ("app.cdx.xml", "cyclonedx-xml"), ("app.spdx.json", "spdx-json"), ("app.spdx", "spdx-tag-value"),
    ("app.spdx3.json", "spdx3-json"), ("some/dir/Cargo.lock", "cargo-lock"), ("C:\\src\\go.mod", "go-mod"),
])
def test_the_usual_file_names(filename, fmt):
    assert format_from_filename(filename) == fmt


@pytest.mark.parametrize("filename", ["stars.csv", "list.txt", "data.json", "README.md", "", None])
def test_other_names_tell_nothing(filename):
    assert format_from_filename(filename) is None


@pytest.mark.parametrize(("name", "fmt"), [
    ("package-lock.json", "package-lock"), ("yarn.lock", "yarn-lock"), ("pnpm-lock.yaml", "pnpm-lock"),
    ("poetry.lock", "poetry-lock"), ("uv.lock", "uv-lock"), ("Pipfile.lock", "pipfile-lock"), ("go.mod", "go-mod"),
    ("go.sum", "go-sum"), ("Cargo.lock", "cargo-lock"), ("Gemfile.lock", "gemfile-lock"),
    ("composer.lock", "composer-lock"), ("juice-shop.cdx.json", "cyclonedx-json"),
    ("juice-shop.cdx.xml", "cyclonedx-xml"), ("ACME-v2.3.spdx.json", "spdx-json"),
    ("example2-bin.spdx", "spdx-tag-value"),
])
def test_every_real_file_is_known_by_its_content_alone(name, fmt):
    assert detect_format(read(name).decode("utf-8"))[0] == fmt


def test_this_projects_requirements_are_known_by_content_and_a_list_of_repositories_is_not():
    assert detect_format((DATA.parents[2] / "requirements.txt").read_text())[0] == "requirements"
    assert detect_format("django/django\nhttps://github.com/psf/requests\n")[0] is None
    assert detect_format("django\nflask\n")[0] is None  # no version anywhere: a list of names, not requirements
    assert detect_format('["django/django"]')[0] is None


def test_a_spdx3_document_named_like_spdx2_is_known_by_its_graph():
    text = '{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}'
    assert detect_format(text, "sbom.spdx.json")[0] == "spdx3-json"


def test_every_format_has_a_reader():
    from repositories.dependencies import READERS

    assert READERS.keys() == FORMATS.keys()
