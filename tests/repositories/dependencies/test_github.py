"""repositories.dependencies.github: a URL, purl or Go module path to "owner/name"."""

import pytest
from packageurl import PackageURL

from repositories.dependencies.github import go_module_repository, repository_from_purl, repository_from_url


@pytest.mark.parametrize("url", [
    "git+https://github.com/o/r@rev#sub",
    "git+https://github.com/o/r.git@v1.2.3#packages/core",
    "git://github.com/o/r.git",
    "ssh://git@github.com/o/r.git",
    "git+ssh://git@github.com/o/r.git#4e1d2f0",
    "git@github.com:o/r.git",
    "https://github.com/o/r/tree/main/packages/x",
    "https://github.com/o/r#readme",
    "http://www.github.com/o/r/",
    "github.com/o/r",
    "github:o/r#semver:^1",
    "https://codeload.github.com/o/r/tar.gz/4e1d2f0",
    "https://api.github.com/repos/o/r/zipball/4e1d2f0",
])
def test_every_form_of_a_github_url_names_its_repository(url):
    assert repository_from_url(url) == "o/r"


@pytest.mark.parametrize("url", [
    "https://gitlab.com/o/r", "https://babel.dev/docs", "NOASSERTION", "NONE", "",
    "https://github.com/topics/python", "https://github.com/o", "https://gist.github.com/o/abc",
    "https://github.com/sponsors/o", None, 42,
])
def test_what_names_no_github_repository_gives_none(url):
    assert repository_from_url(url) is None


def test_a_github_purl_and_a_vcs_url_qualifier_name_their_repository():
    assert repository_from_purl(PackageURL.from_string("pkg:github/o/r@v1")) == "o/r"
    assert repository_from_purl(PackageURL.from_string(
        "pkg:npm/left-pad@1.3.0?vcs_url=git%2Bhttps://github.com/stevemao/left-pad.git")) == "stevemao/left-pad"
    assert repository_from_purl(PackageURL.from_string("pkg:npm/left-pad@1.3.0")) is None


@pytest.mark.parametrize(("path", "repository"), [
    ("github.com/spf13/cobra", "spf13/cobra"),
    ("github.com/cpuguy83/go-md2man/v2", "cpuguy83/go-md2man"),
    ("github.com/o/r/sub/pkg", "o/r"),
    ("golang.org/x/net", "golang/net"),
    ("golang.org/x/tools/gopls", "golang/tools"),
    ("gopkg.in/yaml.v3", "go-yaml/yaml"),
    ("gopkg.in/check.v1", "go-check/check"),
    ("gopkg.in/alecthomas/kingpin.v2", "alecthomas/kingpin"),
    ("k8s.io/client-go", "kubernetes/client-go"),
    ("k8s.io/apimachinery", "kubernetes/apimachinery"),
    ("google.golang.org/grpc", "grpc/grpc-go"),
    ("google.golang.org/grpc/credentials", "grpc/grpc-go"),
    ("go.uber.org/zap", "uber-go/zap"),
    ("go.uber.org/multierr", "uber-go/multierr"),
])
def test_a_go_module_path_names_its_repository_directly_or_by_a_vanity_rule(path, repository):
    assert go_module_repository(path) == repository


@pytest.mark.parametrize("path", [
    "go.yaml.in/yaml/v3", "google.golang.org/protobuf", "sigs.k8s.io/yaml", "example.com/x",
    "github.com/o", "golang.org/x", "gopkg.in/yaml", "k8s.io/v2", "", None,
])
def test_other_module_paths_are_left_to_the_resolver(path):
    assert go_module_repository(path) is None
