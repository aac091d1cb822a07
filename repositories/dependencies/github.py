"""From what a dependency document says to a GitHub repository ``"owner/name"``.

- `repository_from_url`: a github.com URL in any form a package manager writes
  (``git+https://github.com/o/r.git@rev#subdir``, ``git://``, ``ssh://git@github.com/o/r.git``,
  ``git@github.com:o/r``, ``github:o/r``, ``https://github.com/o/r/tree/main/pkg``...);
- `repository_from_purl`: ``pkg:github/o/r``, or any purl whose ``vcs_url`` qualifier is one;
- `go_module_repository`: a Go module path that names its repository, directly
  (``github.com/o/r/...``) or by the rule of a well-known vanity host (`VANITY`).

Each returns None when it cannot tell; nothing here is guessed or looked up. Owner and name are
checked with the catalog's own rules (`repositories.names`)."""

from __future__ import annotations

import re

from packageurl import PackageURL

from ..names import InvalidEntry, is_valid_name, is_valid_owner, normalize

__all__ = ["VANITY", "go_module_repository", "repository_from_purl", "repository_from_url"]

_SHORTHAND = re.compile(r"(?i)github:([^/#@\s]+)/([^/#@\s]+)")  # npm/yarn's github:o/r#ref
_URL = re.compile(r"(?i)(?:git\+)?(?:https?|ssh|git)://(?:[^@/]+@)?(?:www\.|codeload\.)?github\.com(?::\d+)?/+([^/?#]+)/+([^/?#]+)")
_API = re.compile(r"(?i)https?://api\.github\.com/repos/([^/?#]+)/([^/?#]+)")  # Composer's dist zipballs
_SCP = re.compile(r"(?i)(?:git\+)?[\w.-]+@github\.com:/?([^/?#]+)/+([^/?#]+)")
_VERSION_SUFFIX = re.compile(r"\.v\d+$")
_MAJOR = re.compile(r"v\d+$")


def _repository(owner: str, name: str) -> str | None:
    name = name.split("@", 1)[0]  # git+https://github.com/o/r@v1.2 names a revision
    try:
        owner, name = normalize(f"https://github.com/{owner}/{name}")  # GitHub's own pages refused
    except InvalidEntry:
        return None
    return f"{owner}/{name}"


def repository_from_url(url: object) -> str | None:
    """``"owner/name"`` for a URL on github.com that names a repository, else None."""
    if not isinstance(url, str):
        return None
    s = url.strip()
    if "github" not in s.lower() or len(s) > 2000:
        return None
    if s.lower().startswith(("github.com/", "www.github.com/")):
        s = "https://" + s
    m = _URL.match(s) or _SCP.match(s) or _SHORTHAND.match(s) or _API.match(s)
    return _repository(m[1], m[2]) if m else None


def repository_from_purl(purl: PackageURL) -> str | None:
    """``pkg:github/o/r`` names its repository; so does a ``vcs_url`` qualifier on github.com."""
    if purl.type == "github" and purl.namespace and "/" not in purl.namespace:
        return _repository(purl.namespace, purl.name)
    qualifiers = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
    return repository_from_url(qualifiers.get("vcs_url"))


def _major(segment: str) -> bool:
    return bool(_MAJOR.fullmatch(segment))


def _gopkg(parts: list[str]) -> str | None:
    # gopkg.in/OWNER/NAME.vN -> OWNER/NAME; gopkg.in/NAME.vN -> go-NAME/NAME
    if len(parts) >= 2 and _VERSION_SUFFIX.search(parts[1]):
        return _checked(parts[0], _VERSION_SUFFIX.sub("", parts[1]))
    if parts and _VERSION_SUFFIX.search(parts[0]):
        name = _VERSION_SUFFIX.sub("", parts[0])
        return _checked(f"go-{name}", name)
    return None


def _checked(owner: str, name: str) -> str | None:
    return f"{owner}/{name}" if is_valid_owner(owner) and is_valid_name(name) else None


# Vanity hosts whose module paths name their GitHub repository by a fixed rule: the host and
# what the first path segment(s) after it become. Anything else goes to a resolver.
VANITY = {
    "golang.org/x": lambda parts: _checked("golang", parts[0]) if parts else None,
    "gopkg.in": _gopkg,
    "k8s.io": lambda parts: _checked("kubernetes", parts[0]) if parts else None,
    "google.golang.org/grpc": lambda parts: "grpc/grpc-go",
    "go.uber.org": lambda parts: _checked("uber-go", parts[0]) if parts else None,
}


def go_module_repository(path: object) -> str | None:
    """``"owner/name"`` that a Go module (or package) path names, else None:
    ``github.com/o/r/v2/sub`` -> ``o/r``; ``golang.org/x/NAME`` -> ``golang/NAME``;
    ``gopkg.in/NAME.vN`` -> ``go-NAME/NAME``; ``gopkg.in/OWNER/NAME.vN`` -> ``OWNER/NAME``;
    ``k8s.io/NAME`` -> ``kubernetes/NAME``; ``google.golang.org/grpc`` -> ``grpc/grpc-go``;
    ``go.uber.org/NAME`` -> ``uber-go/NAME``."""
    if not isinstance(path, str) or len(path) > 1000:
        return None
    parts = [p for p in path.strip().split("/") if p]
    if not parts:
        return None
    host = parts[0].lower()
    if host == "github.com":
        return _repository(parts[1], parts[2]) if len(parts) >= 3 else None
    for prefix, rule in VANITY.items():
        head = prefix.split("/")
        if [p.lower() for p in parts[: len(head)]] == head:
            rest = parts[len(head):]
            if rest and _major(rest[0]) and prefix != "gopkg.in":
                return None  # a path such as k8s.io/v2 names no repository
            return rule(rest) if (rest or prefix == "google.golang.org/grpc") else None
    return None
