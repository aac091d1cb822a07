"""repositories.dependencies.python: requirements.txt, poetry.lock, uv.lock, Pipfile.lock."""

from repositories.dependencies import parse
from tests.repositories.dependencies.helpers import read, rows

REQUIREMENTS = """\
# Runtime dependencies, pinned.
Django==5.2.19
djangorestframework>=3.16,<4   # unpinned: a range
psycopg[binary]==3.3.9 ; python_version >= "3.11"
requests
-r base.txt
--constraint constraints.txt
--index-url https://pypi.org/simple
-e git+https://github.com/o/editable.git@v1#egg=editable-pkg
mylib @ git+https://github.com/o/mylib.git@v2.0
Jinja2==3.1.4 \\
    --hash=sha256:0123456789abcdef
this is not a requirement
zope.interface===7.0
-e ./local-folder
"""


class TestRequirements:
    def test_pinned_and_unpinned_requirements_urls_and_editables(self):
        result = parse(REQUIREMENTS, filename="requirements.txt")
        assert result.format == "requirements"
        assert [(p.location, p.name, p.version, p.repository, p.provenance) for p in result.packages] == [
            (2, "Django", "5.2.19", None, None),
            (3, "djangorestframework", None, None, None),
            (4, "psycopg", "3.3.9", None, None),
            (5, "requests", None, None, None),
            (9, "editable-pkg", None, "o/editable", "declared"),
            (10, "mylib", None, "o/mylib", "declared"),
            (11, "Jinja2", "3.1.4", None, None),
            (14, "zope.interface", "7.0", None, None),
        ]
        assert result.packages[0].purl == "pkg:pypi/django@5.2.19"

    def test_included_files_are_reported_not_followed_and_bad_lines_are_reported_by_line(self):
        result = parse(REQUIREMENTS, filename="requirements-dev.txt")
        assert [(i.location, i.reason.split(":")[0]) for i in result.invalid] == [
            (6, "refers to another requirements file (base.txt), which is not read"),
            (7, "refers to another constraints file (constraints.txt), which is not read"),
            (13, "not a requirement"),
            (15, "an editable install without #egg=NAME names no package"),
        ]

    def test_names_differing_only_by_pep_503_normalisation_are_one_package(self):
        result = parse("Foo_Bar==1.0\nfoo-bar==1.0\nfoo.bar==2.0\n", format="requirements")
        assert [(p.name, p.version) for p in result.packages] == [("Foo_Bar", "1.0"), ("foo.bar", "2.0")]
        assert result.duplicates == 1

    def test_this_projects_own_requirements_file_is_read_whole(self):
        from tests.repositories.dependencies.helpers import DATA

        result = parse((DATA.parents[2] / "requirements.txt").read_bytes(), filename="requirements.txt")
        assert result.invalid == []
        assert len(result.packages) > 30
        assert all(p.version for p in result.packages)


class TestLockfiles:
    def test_a_real_poetry_lock_with_a_git_source(self):
        result = parse(read("poetry.lock"), filename="poetry.lock")
        assert result.format == "poetry-lock"
        assert rows(result) == [("anyio", "4.13.0", None, None),
                                ("poetry-core", "2.4.1", "python-poetry/poetry-core", "declared")]
        assert [p.location for p in result.packages] == ["/package/0", "/package/1"]

    def test_a_real_uv_lock_leaves_out_the_virtual_project(self):
        result = parse(read("uv.lock"), filename="uv.lock")
        assert result.format == "uv-lock"
        assert [(p.name, p.version, p.location) for p in result.packages] == [("anyio", "4.12.1", "/package/0")]

    def test_a_uv_git_source_is_declared(self):
        text = ('version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "x"\nversion = "1.0"\n'
                'source = { git = "https://github.com/o/x?rev=v1#0123abc" }\n')
        assert rows(parse(text)) == [("x", "1.0", "o/x", "declared")]

    def test_a_real_pipfile_lock_reads_default_and_develop(self):
        result = parse(read("Pipfile.lock"), filename="Pipfile.lock")
        assert result.format == "pipfile-lock"
        assert [(p.name, p.version, p.location) for p in result.packages] == [
            ("pyserial", "3.4", "/default/pyserial"), ("arcade", "2.2.1", "/develop/arcade"),
            ("jeepney", "0.6.0", "/develop/jeepney")]
