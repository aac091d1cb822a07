"""repositories.dependencies.go: go.mod and go.sum."""

from repositories.dependencies import parse
from tests.repositories.dependencies.helpers import read, rows


def test_a_real_go_mod_gives_its_requirements_with_their_lines_and_not_its_own_module():
    result = parse(read("go.mod"), filename="go.mod")
    assert result.format == "go-mod"
    assert [(p.location, p.name, p.version, p.repository, p.provenance) for p in result.packages] == [
        (6, "github.com/cpuguy83/go-md2man/v2", "v2.0.6", "cpuguy83/go-md2man", "module_path"),
        (7, "github.com/inconshreveable/mousetrap", "v1.1.0", "inconshreveable/mousetrap", "module_path"),
        (8, "github.com/spf13/pflag", "v1.0.9", "spf13/pflag", "module_path"),
        (9, "go.yaml.in/yaml/v3", "v3.0.4", None, None),
    ]
    assert result.packages[0].purl == "pkg:golang/github.com/cpuguy83/go-md2man/v2@v2.0.6"
    assert result.invalid == []


def test_single_line_requires_comments_replace_and_bad_lines():
    text = ("module example.com/app\n\ngo 1.22\n\n"
            "require golang.org/x/net v0.25.0 // indirect\n"
            "require (\n\tgopkg.in/yaml.v3 v3.0.1\n\tnot-a-requirement\n)\n"
            "replace github.com/a/b => ../b\n"
            "frobnicate everything\n")
    result = parse(text, filename="go.mod")
    assert rows(result) == [("golang.org/x/net", "v0.25.0", "golang/net", "module_path"),
                            ("gopkg.in/yaml.v3", "v3.0.1", "go-yaml/yaml", "module_path")]
    assert [(i.location, i.reason) for i in result.invalid] == [(8, "expected 'MODULE VERSION'"),
                                                                (11, "not a go.mod directive")]
    assert [(p.location, p.reason) for p in result.problems] == [
        (10, "replace directive not applied: github.com/a/b => ../b")]


def test_a_real_go_sum_lists_each_built_module_once():
    result = parse(read("go.sum"), filename="go.sum")
    assert result.format == "go-sum"
    assert [(p.name, p.version) for p in result.packages] == [
        ("github.com/cpuguy83/go-md2man/v2", "v2.0.6"), ("github.com/inconshreveable/mousetrap", "v1.1.0"),
        ("github.com/russross/blackfriday/v2", "v2.1.0"), ("github.com/spf13/pflag", "v1.0.9"),
        ("go.yaml.in/yaml/v3", "v3.0.4"), ("gopkg.in/check.v1", "v0.0.0-20161208181325-20d25e280405")]
    assert result.packages[-1].repository == "go-check/check"


def test_go_sum_lines_are_detected_by_content_and_a_bad_one_is_reported():
    text = "golang.org/x/text v0.14.0 h1:abc=\ngolang.org/x/text v0.14.0/go.mod h1:def=\ngarbage\n"
    result = parse(text)
    assert result.format == "go-sum"
    assert rows(result) == [("golang.org/x/text", "v0.14.0", "golang/text", "module_path")]
    assert [(i.location, i.text) for i in result.invalid] == [(3, "garbage")]
