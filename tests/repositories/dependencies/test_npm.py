"""repositories.dependencies.npm: package-lock.json, yarn.lock v1, pnpm-lock.yaml."""

import json

from repositories.dependencies import parse
from tests.repositories.dependencies.helpers import read, rows


class TestPackageLock:
    def test_a_real_v2_lockfile_lists_its_packages_by_node_modules_path_without_the_project(self):
        result = parse(read("package-lock.json"), filename="package-lock.json")
        assert result.format == "package-lock"
        assert [(p.name, p.version) for p in result.packages] == [
            ("@aashutoshrathi/word-wrap", "1.2.6"), ("@ampproject/remapping", "2.2.0"),
            ("@babel/code-frame", "7.23.5"), ("follow-redirects", "1.15.6"), ("ansi-styles", "3.2.1")]
        assert result.packages[0].purl == "pkg:npm/%40aashutoshrathi/word-wrap@1.2.6"
        assert result.packages[4].location == "/packages/node_modules~1@babel~1code-frame~1node_modules~1ansi-styles"
        assert result.invalid == []
        assert result.problems == []

    def test_a_git_dependency_declares_its_repository_and_a_registry_tarball_does_not(self):
        doc = {"lockfileVersion": 3, "packages": {
            "": {"name": "app"},
            "node_modules/left-pad": {"version": "1.3.0", "resolved": "git+ssh://git@github.com/stevemao/left-pad.git#5d9e9a0"},
            "node_modules/github-slugger": {"version": "2.0.0",
                                             "resolved": "https://registry.npmjs.org/github-slugger/-/github-slugger-2.0.0.tgz"},
            "packages/ui": {"version": "0.0.0"},
            "node_modules/ui": {"resolved": "packages/ui", "link": True},
            "node_modules/broken": "not an object"}}
        result = parse(json.dumps(doc), format="package-lock")
        assert rows(result) == [("left-pad", "1.3.0", "stevemao/left-pad", "declared"),
                                ("github-slugger", "2.0.0", None, None)]
        assert [(i.location, i.reason) for i in result.invalid] == [
            ("/packages/node_modules~1broken", "expected an object")]

    def test_an_aliased_package_is_named_by_its_name_field(self):
        doc = {"lockfileVersion": 3, "packages": {"node_modules/str": {"name": "string-width", "version": "4.2.3"}}}
        assert rows(parse(json.dumps(doc), format="package-lock")) == [("string-width", "4.2.3", None, None)]

    def test_a_v1_lockfile_is_read_through_its_nested_dependencies(self):
        doc = {"lockfileVersion": 1, "dependencies": {
            "a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0"}}},
            "c": {"version": "github:o/c#abc123"}}}
        result = parse(json.dumps(doc), filename="npm-shrinkwrap.json")
        assert sorted(rows(result), key=str) == sorted([("a", "1.0.0", None, None), ("b", "2.0.0", None, None),
                                                        ("c", None, "o/c", "declared")], key=str)
        assert {p.location for p in result.packages} == {"/dependencies/a", "/dependencies/a/dependencies/b",
                                                         "/dependencies/c"}

    def test_repeated_nested_copies_of_one_version_count_as_duplicates(self):
        doc = {"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0.0"},
                                                  "node_modules/b/node_modules/a": {"version": "1.0.0"},
                                                  "node_modules/c/node_modules/a": {"version": "2.0.0"}}}
        result = parse(json.dumps(doc), format="package-lock")
        assert [(p.name, p.version) for p in result.packages] == [("a", "1.0.0"), ("a", "2.0.0")]
        assert result.duplicates == 1


class TestYarnLock:
    def test_a_real_v1_lockfile_gives_one_package_per_block_at_its_header_line(self):
        result = parse(read("yarn.lock"), filename="yarn.lock")
        assert result.format == "yarn-lock"
        assert [(p.location, p.name, p.version) for p in result.packages] == [
            (5, "@apideck/better-ajv-errors", "0.3.1"), (14, "@babel/code-frame", "7.16.0"),
            (21, "@babel/code-frame", "7.16.7"), (28, "@babel/compat-data", "7.16.4")]
        assert all(p.repository is None for p in result.packages)
        assert result.invalid == []

    def test_github_sources_are_declared_and_bad_blocks_are_reported_by_line(self):
        text = ('# yarn lockfile v1\n\n'
                'left-pad@github:stevemao/left-pad#5d9e9a0:\n  version "1.3.0"\n'
                '  resolved "https://codeload.github.com/stevemao/left-pad/tar.gz/5d9e9a0"\n\n'
                '"a@^1", "b@^2":\n  version "1.0.0"\n\n'
                'noversion@^1:\n  resolved "https://registry.yarnpkg.com/x"\n\n'
                'stray line\n\n'
                'ok@^1:\n  version "1.2.3"\n')
        result = parse(text)
        assert result.format == "yarn-lock"
        assert rows(result) == [("left-pad", "1.3.0", "stevemao/left-pad", "declared"), ("ok", "1.2.3", None, None)]
        assert [(i.location, i.reason) for i in result.invalid] == [
            (7, "a yarn.lock entry names more than one package"), (10, "no version"),
            (13, "expected an entry header ending in ':'")]


class TestPnpmLock:
    def test_a_real_v6_lockfile_strips_peer_suffixes_from_its_keys(self):
        result = parse(read("pnpm-lock.yaml"), filename="pnpm-lock.yaml")
        assert result.format == "pnpm-lock"
        assert [(p.name, p.version) for p in result.packages] == [
            ("@alloc/quick-lru", "5.2.0"), ("@eslint-community/eslint-utils", "4.4.0"), ("acorn", "8.9.0")]
        assert result.packages[1].location == "/packages/~1@eslint-community~1eslint-utils@4.4.0(eslint@8.43.0)"

    def test_v5_and_v9_keys_and_a_git_resolution(self):
        v5 = "lockfileVersion: 5.4\npackages:\n  /@s/a/1.0.0_react@18.2.0:\n    resolution: {integrity: x}\n"
        assert rows(parse(v5, format="pnpm-lock")) == [("@s/a", "1.0.0", None, None)]
        v9 = ("lockfileVersion: '9.0'\npackages:\n  '@s/a@1.0.0':\n    resolution: {integrity: x}\n"
              "  left-pad@https://codeload.github.com/stevemao/left-pad/tar.gz/5d9e9a0:\n"
              "    resolution: {tarball: https://codeload.github.com/stevemao/left-pad/tar.gz/5d9e9a0}\n"
              "    version: 1.3.0\n")
        assert rows(parse(v9)) == [("@s/a", "1.0.0", None, None),
                                   ("left-pad", "1.3.0", "stevemao/left-pad", "declared")]


def test_a_yarn_berry_lockfile_is_read_as_yaml_without_its_workspace():
    text = ('# This file is generated by running "yarn install" inside your project.\n\n'
            '__metadata:\n  version: 8\n  cacheKey: 10c0\n\n'
            '"@babel/core@npm:^7.23.0, @babel/core@npm:^7.24.0":\n  version: 7.24.5\n'
            '  resolution: "@babel/core@npm:7.24.5"\n  languageName: node\n  linkType: hard\n\n'
            '"left-pad@https://github.com/stevemao/left-pad.git#commit=5d9e9a0":\n  version: 1.3.0\n'
            '  resolution: "left-pad@https://github.com/stevemao/left-pad.git#commit=5d9e9a0"\n\n'
            '"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n  linkType: soft\n\n'
            '"broken@npm:^1":\n  version: 1.0.0\n')
    result = parse(text, filename="yarn.lock")
    assert result.format == "yarn-lock"
    assert rows(result) == [("@babel/core", "7.24.5", None, None),
                            ("left-pad", "1.3.0", "stevemao/left-pad", "declared")]
    assert result.packages[0].location == "/@babel~1core@npm:^7.23.0, @babel~1core@npm:^7.24.0"
    assert [(i.location, i.reason) for i in result.invalid] == [("/broken@npm:^1", "no resolution")]
    assert parse(text).format == "yarn-lock"
