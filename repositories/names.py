"""GitHub repository names: the naming rules and `normalize`.

Pure Python (standard library only) so it can be used and tested without Django.

`normalize` turns anything a person may paste for a repository into ``(owner, name)``:

    owner/name                              github.com/owner/name
    https://github.com/owner/name           http://www.github.com/owner/name/
    https://github.com/owner/name.git       https://github.com/owner/name#readme
    https://github.com/owner/name?tab=x     https://github.com/owner/name/issues/5 (any sub-page)
    git@github.com:owner/name.git           ssh://git@github.com/owner/name
    git+https://github.com/owner/name.git   https://api.github.com/repos/owner/name

and raises `InvalidEntry` (a ValueError) with a readable reason otherwise. Two subclasses let
callers tell the cases apart: `NotARepository` (a GitHub page that is not a repository, e.g.
``/topics/python``, a gist, a user profile) and `NotGitHub` (another host, e.g. gitlab.com).
"""

from __future__ import annotations

import re

__all__ = [
    "InvalidEntry",
    "NotARepository",
    "NotGitHub",
    "RESERVED_PATHS",
    "is_valid_name",
    "is_valid_owner",
    "normalize",
]

OWNER_MAX = 39
NAME_MAX = 100
TEXT_MAX = 2000  # longer text is not a repository reference (and is not scanned further)

# First path segments of github.com URLs that are GitHub's own pages, not users/organisations.
RESERVED_PATHS = frozenset({
    "about", "account", "apps", "blog", "codespaces", "collections", "contact", "copilot", "customer-stories",
    "dashboard", "enterprise", "events", "explore", "features", "home", "issues", "join", "login", "logout",
    "marketplace", "new", "notifications", "organizations", "orgs", "pricing", "pulls", "readme", "search",
    "security", "sessions", "settings", "signup", "site", "sponsors", "stars", "team", "topics", "trending", "users",
    "watching",
})

URL_SCHEMES = frozenset({"http", "https", "ssh", "git", "git+https", "git+ssh", "git+http"})

# Letters, digits and single inner hyphens, as GitHub asks of new accounts, and one hyphen at the
# end, which older accounts still have: `mjl-`, `Qix-`. No real name in a few thousand from awesome
# lists breaks another rule (tests/data/real-repository-names.txt).
_OWNER = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9])*-?")
_NAME = re.compile(r"[A-Za-z0-9._-]+")
# The two common cases, their owner and name in GitHub's characters (`_checked` answers them
# without another regular expression): plain owner/name, and https://github.com/owner/name[/...].
_FAST = re.compile(rf"({_OWNER.pattern})/([A-Za-z0-9._-]+)")
_FAST_URL = re.compile(rf"(?i:https?://)?(?i:www\.)?(?i:github\.com)/({_OWNER.pattern})/([A-Za-z0-9._-]+)"
                       r"(?:[/?#]\S*)?")
_SPACE = re.compile(r"\s")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://(.*)", re.S)
_SCP = re.compile(r"[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(?!//)(.*)", re.S)  # git@github.com:o/r.git
_EMAIL = re.compile(r"[^@/:]+@[^@/:]+\.[A-Za-z]{2,}")


class InvalidEntry(ValueError):
    """The text is not a GitHub repository; ``str(e)`` (and ``e.reason``) says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class NotARepository(InvalidEntry):
    """A GitHub address that is not a repository: topics, gists, a user profile, pages sites..."""


class NotGitHub(InvalidEntry):
    """A URL on another host (``.host`` holds it)."""

    def __init__(self, host: str):
        super().__init__(f"not a GitHub URL (host {host})")
        self.host = host


def is_valid_owner(s) -> bool:
    """GitHub user/organisation: letters, digits, single inner hyphens and (older accounts, such as
    `mjl-`) a hyphen at the end; 1-39 characters."""
    return isinstance(s, str) and len(s) <= OWNER_MAX and _OWNER.fullmatch(s) is not None


def is_valid_name(s) -> bool:
    """Repository name: letters, digits, ``.``, ``-``, ``_``, 1-100 characters, not ``.``/``..``,
    not ending in ``.git`` (GitHub drops that suffix, and `normalize` strips it)."""
    return (isinstance(s, str) and len(s) <= NAME_MAX and s not in (".", "..")
            and s[-4:].lower() != ".git" and _NAME.fullmatch(s) is not None)


def _short(s: str, limit: int = 60) -> str:
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _check(owner: str, name: str) -> tuple[str, str]:
    if name[-4:].lower() == ".git":
        name = name[:-4]
    if not owner:
        raise InvalidEntry("missing owner (expected owner/name)")
    if not name:
        raise InvalidEntry("missing repository name (expected owner/name)")
    if len(owner) > OWNER_MAX:
        raise InvalidEntry(f"owner name longer than {OWNER_MAX} characters")
    if not _OWNER.fullmatch(owner):
        raise InvalidEntry(f"owner '{_short(owner)}' is not a valid GitHub user or organisation name")
    if len(name) > NAME_MAX:
        raise InvalidEntry(f"repository name longer than {NAME_MAX} characters")
    if name in (".", ".."):
        raise InvalidEntry(f"repository name '{name}' is not allowed")
    if not _NAME.fullmatch(name):
        raise InvalidEntry(f"repository name '{_short(name)}' contains characters GitHub does not allow")
    if name[-4:].lower() == ".git":
        raise InvalidEntry(f"repository name '{_short(name)}' ends in .git")
    return owner, name


def _checked(owner: str, name: str) -> tuple[str, str]:
    """`_check` of an owner and a name whose characters a fast pattern matched: the lengths and
    the names GitHub refuses are all that is left to look at (a million-line list spends a
    second less); anything else is `_check`'s, which says what is wrong."""
    if len(owner) <= OWNER_MAX and len(name) <= NAME_MAX and name[-4:].lower() != ".git" and name not in (".", ".."):
        return owner, name
    return _check(owner, name)


def _from_host(host: str, path: str) -> tuple[str, str]:
    host = host.rpartition("@")[2].partition(":")[0].lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    segs = [p for p in path.split("/") if p]
    if host == "github.com":
        pass
    elif host == "api.github.com":
        if len(segs) < 3 or segs[0] != "repos":
            raise NotARepository("a GitHub API URL, not a repository")
        segs = segs[1:]
    elif host == "gist.github.com":
        raise NotARepository("a gist, not a repository")
    elif host.endswith(".github.com"):
        raise NotARepository(f"a GitHub page, not a repository ({host})")
    elif host == "github.io" or host.endswith(".github.io"):
        raise NotARepository("a GitHub Pages site, not a repository")
    elif host == "githubusercontent.com" or host.endswith(".githubusercontent.com"):
        raise NotARepository(f"a file on {host}, not a repository")
    else:
        raise NotGitHub(_short(host) or "missing")
    if not segs:
        raise NotARepository("a GitHub page, not a repository (home page)")
    first = segs[0].lower()
    if first in RESERVED_PATHS:
        raise NotARepository(f"a GitHub page, not a repository ({first})")
    if len(segs) == 1:
        raise NotARepository(f"a GitHub user or organisation, not a repository ({_short(segs[0])})")
    return _check(segs[0], segs[1])


def normalize(text: str) -> tuple[str, str]:
    """Return ``(owner, name)`` (case kept) for a repository reference, or raise `InvalidEntry`."""
    s = text.strip()
    m = _FAST.fullmatch(s)
    if m:
        return _checked(m[1], m[2])
    m = _FAST_URL.fullmatch(s)
    if m and m[1].lower() not in RESERVED_PATHS:
        return _checked(m[1], m[2])
    if not s:
        raise InvalidEntry("empty entry")
    if len(s) > TEXT_MAX:
        raise InvalidEntry(f"longer than {TEXT_MAX} characters, not a repository reference")
    if _SPACE.search(s):
        raise InvalidEntry("contains spaces (expected owner/name or a GitHub URL)")
    m = _SCHEME.match(s)
    if m:
        scheme = m[1].lower()
        if scheme not in URL_SCHEMES:
            raise InvalidEntry(f"unsupported URL scheme '{_short(scheme, 20)}'")
        authority, _, path = m[2].partition("#")[0].partition("?")[0].partition("/")
        return _from_host(authority, path)
    m = _SCP.fullmatch(s)
    if m:
        return _from_host(m[1], m[2].partition("#")[0].partition("?")[0])
    if _EMAIL.fullmatch(s):
        raise InvalidEntry("looks like an e-mail address, not a repository")
    path = s.partition("#")[0].partition("?")[0]
    first, slash, rest = path.partition("/")
    if "." in first and (slash or first.lower() in ("github.com", "www.github.com")):
        return _from_host(first, rest)
    parts = path.split("/")
    if len(parts) != 2:
        raise InvalidEntry("expected owner/name")
    return _check(parts[0], parts[1])
