"""repositories.dependencies.ruby: Gemfile.lock."""

from repositories.dependencies import parse
from tests.repositories.dependencies.helpers import read, rows


def test_a_real_gemfile_lock_reads_gem_specs_and_leaves_out_the_path_gem():
    result = parse(read("Gemfile.lock"), filename="Gemfile.lock")
    assert result.format == "gemfile-lock"
    assert [(p.location, p.name, p.version, p.purl) for p in result.packages] == [
        (9, "rake", "13.0.6", "pkg:gem/rake@13.0.6")]


def test_git_sources_platform_versions_dependencies_and_bad_spec_lines():
    text = ("GIT\n  remote: https://github.com/rails/rails.git\n  revision: abc\n  specs:\n"
            "    rails (7.2.0)\n      actionpack (= 7.2.0)\n\n"
            "GEM\n  remote: https://rubygems.org/\n  specs:\n"
            "    nokogiri (1.16.0-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.7.3)\n    broken spec\n\n"
            "PLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  rails!\n\nBUNDLED WITH\n   2.5.3\n")
    result = parse(text)
    assert result.format == "gemfile-lock"
    assert rows(result) == [("rails", "7.2.0", "rails/rails", "declared"), ("nokogiri", "1.16.0", None, None),
                            ("racc", "1.7.3", None, None)]
    assert [(i.location, i.text) for i in result.invalid] == [(14, "    broken spec")]
