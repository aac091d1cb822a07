"""repositories.dependencies.php: composer.lock."""

import json

from repositories.dependencies import parse
from tests.repositories.dependencies.helpers import read, rows


def test_a_real_composer_lock_declares_each_packages_source_or_archive_repository():
    result = parse(read("composer.lock"), filename="composer.lock")
    assert result.format == "composer-lock"
    assert rows(result) == [("composer/ca-bundle", "1.5.12", "composer/ca-bundle", "declared"),
                            ("composer/class-map-generator", "1.7.3", "composer/class-map-generator", "declared"),
                            ("phpstan/phpstan", "1.12.33", "phpstan/phpstan", "declared")]
    assert result.packages[0].purl == "pkg:composer/composer/ca-bundle@1.5.12"
    assert result.packages[2].location == "/packages-dev/0"


def test_path_packages_are_left_out_and_a_bad_entry_is_reported_by_pointer():
    doc = {"content-hash": "x", "packages": [
        {"name": "acme/local", "version": "dev-main", "dist": {"type": "path", "url": "../local"}},
        {"name": "psr/log", "version": "3.0.0", "source": {"type": "git", "url": "https://gitlab.com/x/y.git"}},
        "nonsense"]}
    result = parse(json.dumps(doc))
    assert rows(result) == [("psr/log", "3.0.0", None, None)]
    assert [(i.location, i.reason) for i in result.invalid] == [("/packages/2", "expected an object")]
