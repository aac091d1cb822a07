"""repositories.dependencies.spdx: SPDX 2 JSON and tag-value, SPDX 3 JSON-LD."""

import json

from repositories.dependencies import parse
from tests.repositories.dependencies.helpers import read, rows


def _spdx(packages, **extra) -> str:
    return json.dumps({"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
                       "name": "doc", "documentNamespace": "https://example.com/doc",
                       "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: test"]},
                       "packages": packages, **extra})


def _package(name, **fields) -> dict:
    return {"SPDXID": f"SPDXRef-{name}", "name": name, "downloadLocation": "NOASSERTION",
            "filesAnalyzed": False, **fields}


class TestJson:
    def test_a_real_document_maps_purls_and_locations_and_reports_what_the_validator_finds(self):
        result = parse(read("ACME-v2.3.spdx.json"), filename="ACME-v2.3.spdx.json")
        assert result.format == "spdx-json"
        assert [(p.name, p.version, p.purl, p.repository) for p in result.packages] == [
            ("Acme Applcation", "2.3", None, None),
            ("elliptic", "6.5.2", "pkg:npm/elliptic@6.5.2", "indutny/elliptic"),
            ("alpine", "latest", None, "indutny/elliptic"),  # its homepage, as the document says
            ("OpenSSL", "3.0.4", "pkg:alpine/openssl@3.0.4", None)]
        assert [p.location for p in result.packages] == [f"/packages/{i}" for i in range(4)]
        assert [p.reason[:60] for p in result.problems] == [
            "spdx: license_info_from_files must be None if files_analyzed"]

    def test_download_location_homepage_and_purls_and_noassertion_is_no_location(self):
        result = parse(_spdx([
            _package("a", versionInfo="1.0", downloadLocation="git+https://github.com/o/a@v1.0#sub/dir"),
            _package("b", homepage="https://github.com/o/b"),
            _package("c", downloadLocation="NONE", homepage="NOASSERTION", externalRefs=[
                {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                 "referenceLocator": "pkg:github/o/c@v2"}]),
            _package("d", externalRefs=[{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                         "referenceLocator": "pkg:pypi/d@1.0"}]),
        ]))
        assert rows(result) == [("a", "1.0", "o/a", "declared"), ("b", None, "o/b", "declared"),
                                ("c", "v2", "o/c", "declared"), ("d", "1.0", None, None)]  # a version from the purl
        assert result.packages[3].ecosystem == "pypi"
        assert result.invalid == []
        # four packages and no DESCRIBES relationship: the validator says so, and nothing is lost
        assert [p.reason[:46] for p in result.problems] == ["spdx: there must be at least one relationship "]

    def test_a_document_spdx_tools_refuses_is_read_as_far_as_it_goes(self):
        result = parse(_spdx([_package("a", versionInfo="1.0"), {"name": "no-spdxid", "versionInfo": "2.0"},
                              "not a package"],
                             relationships=[{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                                             "relatedSpdxElement": "SPDXRef-missing"}]))
        assert [(p.name, p.version) for p in result.packages] == [("a", "1.0"), ("no-spdxid", "2.0")]
        assert [(i.location, i.reason) for i in result.invalid] == [("/packages/2", "a package is an object")]
        assert result.problems
        assert all(p.reason.startswith("spdx: ") for p in result.problems)

    def test_a_missing_relationship_target_is_a_problem_not_a_refusal(self):
        result = parse(_spdx([_package("a")], relationships=[
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
             "relatedSpdxElement": "SPDXRef-gone"}]))
        assert rows(result) == [("a", None, None, None)]
        assert any("SPDXRef-gone" in p.reason for p in result.problems)


class TestTagValue:
    def test_a_real_tag_value_document_declares_its_download_location(self):
        result = parse(read("example2-bin.spdx"), filename="example2-bin.spdx")
        assert result.format == "spdx-tag-value"
        assert [(p.location, p.name, p.repository, p.provenance) for p in result.packages] == [
            (14, "hello-bin", "swinslow/spdx-examples", "declared")]

    def test_packages_end_at_the_next_section_and_text_blocks_are_skipped(self):
        text = ("SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: d\n"
                "DocumentNamespace: https://example.com/d\nCreator: Tool: t\nCreated: 2024-01-01T00:00:00Z\n\n"
                "PackageName: a\nSPDXID: SPDXRef-a\nPackageVersion: 1.0\nPackageDownloadLocation: NOASSERTION\n"
                "PackageComment: <text>a comment\nPackageName: not-a-package\n</text>\n"
                "ExternalRef: PACKAGE-MANAGER purl pkg:npm/a@1.0\n"
                "FileName: ./x\nPackageVersion: 9.9\n"
                "PackageName: b\nSPDXID: SPDXRef-b\nPackageDownloadLocation: https://github.com/o/b/archive/v1.tar.gz\n")
        result = parse(text)
        assert result.format == "spdx-tag-value"
        assert [(p.location, p.name, p.version, p.purl, p.repository) for p in result.packages] == [
            (9, "a", "1.0", "pkg:npm/a@1.0", None), (19, "b", None, None, "o/b")]
        assert result.problems  # FilesAnalyzed, the file's checksum...: what spdx-tools finds missing


class TestSpdx3:
    def test_software_packages_of_the_graph_with_purls_and_locations(self):
        doc = {"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
            {"type": "CreationInfo", "@id": "_:c"},
            {"type": "software_Package", "spdxId": "urn:a", "name": "a", "software_packageVersion": "1.0",
             "software_packageUrl": "pkg:npm/a@1.0", "software_downloadLocation": "git+https://github.com/o/a.git"},
            {"type": "software_Package", "spdxId": "urn:b", "name": "b",
             "externalIdentifier": [{"type": "ExternalIdentifier", "externalIdentifierType": "packageUrl",
                                     "identifier": "pkg:pypi/b@2.0"}],
             "externalRef": [{"type": "ExternalRef", "externalRefType": "vcs", "locator": ["https://github.com/o/b"]}]},
            {"type": "software_Package", "spdxId": "urn:c"}]}
        result = parse(json.dumps(doc), filename="sbom.spdx.json")
        assert result.format == "spdx3-json"
        assert [(p.location, p.name, p.purl, p.repository) for p in result.packages] == [
            ("/@graph/1", "a", "pkg:npm/a@1.0", "o/a"), ("/@graph/2", "b", "pkg:pypi/b@2.0", "o/b")]
        assert [(i.location, i.reason) for i in result.invalid] == [("/@graph/3", "no package name")]
