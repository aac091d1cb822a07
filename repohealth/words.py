"""Counted nouns in what RepoHealth says to people: "1 repository", "388 repositories"."""

from __future__ import annotations


def plural(noun: str) -> str:
    """The English plural of the nouns RepoHealth counts: repository → repositories, package → packages."""
    return noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"


def counted(n: int, noun: str) -> str:
    """`n` and the noun, singular for one: "1 package", "1,672 packages"."""
    return f"{n:,} {noun if n == 1 else plural(noun)}"
