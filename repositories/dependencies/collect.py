"""`Collector`: what every format's reader hands its entries to. It builds each package's purl
(packageurl-python), maps it to a repository (`github`), merges repeats, records the entries it
cannot use and counts everything against the import's entry limit."""

from __future__ import annotations

from packageurl import PackageURL
from packaging.utils import canonicalize_name

from ..decoding import too_many_entries
from .github import go_module_repository, repository_from_purl, repository_from_url
from .model import DependencyResult, Invalid, Location, Package, Problem, clip

# Ecosystems whose names carry a namespace before the last slash: @scope/name, vendor/name, a Go path.
_NAMESPACED = frozenset({"npm", "composer", "golang"})


def _purl_of(ecosystem: str, name: str, version: str | None) -> PackageURL | None:
    namespace = None
    if ecosystem in _NAMESPACED and "/" in name:
        namespace, _, name = name.rpartition("/")
    try:
        return PackageURL(type=ecosystem, namespace=namespace, name=name, version=version)
    except ValueError:
        return None


class Collector:
    def __init__(self, fmt: str, max_entries: int):
        self.result = DependencyResult(fmt)
        self.max_entries = max_entries
        self.count = 0
        self._seen: dict[tuple, int] = {}

    def _candidate(self) -> None:
        self.count += 1
        if self.count > self.max_entries:
            raise too_many_entries(self.max_entries)

    def reject(self, location: Location, text: str, reason: str) -> None:
        self._candidate()
        self.result.invalid.append(Invalid(location, clip(str(text)), clip(reason)))

    def problem(self, location: Location | None, reason: str) -> None:
        self.result.problems.append(Problem(location, clip(reason)))

    def package(self, *, location: Location, name: object, version: object = None,
                ecosystem: str | None = None, purl: object = None, urls: tuple = (),
                text: str = "") -> None:
        """Add one package. ``purl``: the document's own package URL (a string), if it has one;
        otherwise one is built from ``ecosystem``, ``name`` and ``version``. ``urls``: the
        document's references to the package's source, most trusted first."""
        if not isinstance(name, str) or not name.strip():
            self.reject(location, text, "no package name")
            return
        version = version.strip() or None if isinstance(version, str) else None
        parsed = None
        if isinstance(purl, str) and purl.strip():
            try:
                parsed = PackageURL.from_string(purl.strip())
            except ValueError as e:
                self.problem(location, f"invalid purl '{clip(purl)}': {e}")
        if parsed is not None:
            ecosystem = ecosystem or parsed.type
            version = version or parsed.version  # a document may name the version in its purl only
        elif ecosystem:
            parsed = _purl_of(ecosystem, name.strip(), version)
        self._candidate()
        repository, provenance = self._map(parsed, urls)
        self._add(Package(ecosystem, name.strip(), version, parsed.to_string() if parsed else None,
                          repository, provenance, location), parsed)

    @staticmethod
    def _map(purl: PackageURL | None, urls: tuple) -> tuple[str | None, str | None]:
        repository = repository_from_purl(purl) if purl is not None else None
        for url in urls:
            repository = repository or repository_from_url(url)
        if repository:
            return repository, "declared"
        if purl is not None and purl.type == "golang":
            path = f"{purl.namespace}/{purl.name}" if purl.namespace else purl.name
            repository = go_module_repository(path)
            if repository:
                return repository, "module_path"
        return None, None

    def _add(self, package: Package, purl: PackageURL | None) -> None:
        if purl is not None:  # @babel/core and @other/core are two packages named "core"
            key = (purl.type, purl.namespace, canonicalize_name(purl.name) if purl.type == "pypi" else purl.name,
                   package.version)
        else:
            key = (package.ecosystem, None, package.name, package.version)
        index = self._seen.get(key)
        if index is None:
            self._seen[key] = len(self.result.packages)
            self.result.packages.append(package)
            return
        self.result.duplicates += 1
        if self.result.packages[index].repository is None and package.repository is not None:
            self.result.packages[index] = package  # the repeat says where it comes from
