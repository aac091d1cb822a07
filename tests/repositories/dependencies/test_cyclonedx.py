"""repositories.dependencies.cyclonedx: CycloneDX JSON and XML."""

import json

import pytest

from repositories.dependencies import parse
from tests.repositories.dependencies.helpers import read, refusal, rows

JUICE_SHOP = [("helper-string-parser", "7.19.4", "babel/babel", "declared"),
              ("helper-validator-identifier", "7.19.1", "babel/babel", "declared")]


def _bom(components, version="1.6", **extra) -> str:
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": version, "version": 1,
                       "components": components, **extra})


class TestJson:
    def test_a_real_sbom_reads_nested_components_after_their_parent_and_is_schema_valid(self):
        result = parse(read("juice-shop.cdx.json"), filename="juice-shop.cdx.json")
        assert result.format == "cyclonedx-json"
        assert rows(result)[:2] == JUICE_SHOP
        assert [(p.name, p.location) for p in result.packages[2:]] == [
            ("node-pre-gyp", "/components/2"), ("ansi-regex", "/components/2/components/0")]
        assert result.packages[0].purl == ("pkg:npm/%40babel/helper-string-parser@7.19.4"
                                           "#packages/babel-helper-string-parser")
        assert result.problems == []
        assert result.invalid == []

    def test_vcs_comes_before_website_and_a_github_purl_before_both(self):
        result = parse(_bom([
            {"type": "library", "name": "a", "version": "1", "purl": "pkg:npm/a@1", "externalReferences": [
                {"type": "website", "url": "https://github.com/web/a"}, {"type": "vcs", "url": "git+https://github.com/vcs/a.git"}]},
            {"type": "library", "name": "b", "version": "1", "purl": "pkg:npm/b@1", "externalReferences": [
                {"type": "website", "url": "https://github.com/web/b#readme"}, {"type": "vcs", "url": "https://gitlab.com/x/b"}]},
            {"type": "library", "name": "c", "version": "1", "purl": "pkg:github/own/c@1",
             "externalReferences": [{"type": "vcs", "url": "https://github.com/vcs/c"}]},
            {"type": "library", "name": "d", "version": "v1.2.0", "purl": "pkg:golang/golang.org/x/net@v1.2.0"},
            {"type": "library", "name": "e", "version": "1"},
        ]))
        assert rows(result) == [("a", "1", "vcs/a", "declared"), ("b", "1", "web/b", "declared"),
                                ("c", "1", "own/c", "declared"), ("d", "v1.2.0", "golang/net", "module_path"),
                                ("e", "1", None, None)]
        assert result.packages[4].ecosystem is None
        assert result.packages[4].purl is None

    def test_a_fault_the_schema_finds_is_a_problem_and_the_components_are_kept(self):
        result = parse(_bom([{"type": "library", "name": "a", "version": "1", "purl": "pkg:npm/a@1", "colour": "red"},
                             {"type": "library", "version": "2"},
                             "not a component",
                             {"type": "library", "name": "b", "purl": "not a purl"}]))
        assert [(p.name, p.purl) for p in result.packages] == [("a", "pkg:npm/a@1"), ("b", None)]
        assert [(i.location, i.reason) for i in result.invalid] == [
            ("/components/1", "no package name"), ("/components/2", "a component is an object")]
        problems = [(p.location, p.reason) for p in result.problems]
        assert any(loc == "/components/3" and reason.startswith("invalid purl 'not a purl': ")
                   for loc, reason in problems)
        assert any(loc == "/components/0" and "colour" in reason for loc, reason in problems)
        assert any(loc == "/components/1" and "'name' is a required property" in reason for loc, reason in problems)

    def test_repeated_components_are_a_schema_problem_found_without_comparing_every_pair(self):
        component = {"type": "library", "name": "a", "version": "1"}
        result = parse(_bom([component, component]))
        assert len(result.packages) == 1
        assert result.duplicates == 1
        assert [p.location for p in result.problems] == ["/components"]
        assert "repeated" in result.problems[0].reason

    def test_an_unknown_spec_version_is_read_and_said_to_be_unchecked(self):
        result = parse(_bom([{"type": "library", "name": "a"}], version="9.9"))
        assert rows(result) == [("a", None, None, None)]
        assert [p.location for p in result.problems] == ["/specVersion"]

    def test_a_large_sbom_is_checked_for_its_first_thousand_components_and_says_so(self):
        components = [{"type": "library", "name": f"p{i}", "version": "1"} for i in range(1001)]
        components[1000]["colour"] = "red"  # past the checked part
        result = parse(_bom(components))
        assert len(result.packages) == 1001
        assert [p.reason for p in result.problems] == [
            "schema checked for the first 1,000 of 1,001 top-level components only"]


class TestXml:
    def test_a_real_xml_sbom_reads_like_its_json_twin(self):
        result = parse(read("juice-shop.cdx.xml"), filename="juice-shop.cdx.xml")
        assert result.format == "cyclonedx-xml"
        assert rows(result) == JUICE_SHOP
        assert [p.location for p in result.packages] == ["/components/0", "/components/1"]
        assert result.problems == []
        assert result.invalid == []

    def test_nested_components_and_a_schema_fault_with_its_line(self):
        text = ('<?xml version="1.0"?>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">\n'
                '<components>\n<component type="library"><name>a</name><version>1</version>\n'
                '<externalReferences><reference type="vcs"><url>https://github.com/o/a</url></reference></externalReferences>\n'
                '<components><component type="library"><name>b</name><colour/></component></components>\n'
                '</component>\n</components>\n</bom>\n')
        result = parse(text)
        assert result.format == "cyclonedx-xml"
        assert rows(result) == [("a", "1", "o/a", "declared"), ("b", None, None, None)]
        assert result.packages[1].location == "/components/0/components/0"
        assert [p.location for p in result.problems] == [6]

    @pytest.mark.parametrize("doctype", [
        '<!DOCTYPE bom [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
        '<!DOCTYPE bom [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE bom SYSTEM "http://example.com/bom.dtd">',
    ])
    def test_entities_and_doctypes_are_refused_naming_the_problem(self, doctype):
        text = f'<?xml version="1.0"?>\n{doctype}\n<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components/></bom>'
        error = refusal(text, format="cyclonedx-xml")
        assert error.reason == "format"
        assert "DTD or entities" in error.message

    def test_broken_xml_is_refused_with_its_position(self):
        error = refusal('<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components>', format="cyclonedx-xml")
        assert error.message.startswith("Invalid XML: ")
        assert "line 1" in error.message


@pytest.mark.parametrize("kind", ["json", "xml"])
def test_components_nested_beyond_any_real_sbom_are_refused_quickly(kind):
    depth = 5000
    if kind == "json":
        doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}
        level = doc
        for _ in range(100):  # JSON this deep already reaches what the JSON reader itself accepts
            level["components"].append({"type": "library", "name": "a", "components": []})
            level = level["components"][0]
        text = json.dumps(doc)
    else:
        text = ('<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>'
                + '<component type="library"><name>a</name><components>' * depth
                + "</components></component>" * depth + "</components></bom>")
    error = refusal(text)
    assert error.reason == "format"
    assert "nested more than 64 deep" in error.message
