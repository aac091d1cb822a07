"""The API's JSON parser: every way a body can be bad is a 400 that says what was wrong.

DRF's own JSONParser turns a syntax error into a 400, but JSON nested a few thousand levels deep
makes the decoder raise RecursionError, which became a 500. Here that, a decoding error, nesting
deeper than MAX_DEPTH, and strings the database cannot store (NUL, lone surrogates) are all a
ParseError (400) naming the problem and, for a string, where it is (`$.repository_ids[3]`).
"""

from __future__ import annotations

import re

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

MAX_DEPTH = 32  # our bodies are two levels deep; nothing legitimate comes near this
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_PLAIN = frozenset({int, float, bool, type(None)})


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            # Read whole, then decoded: a codecs reader over the stream cost 30 ms of a 700 kB body.
            data = json.loads(stream.read().decode(encoding),
                              parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            raise ParseError(f"JSON parse error - the body is nested too deeply (at most {MAX_DEPTH} levels)") from None
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NaN/Infinity in strict mode
            raise ParseError(f"JSON parse error - {exc}") from None
        check(data)
        return data


def check(data) -> None:
    """Walk the parsed value without recursion: depth, and strings the database cannot store."""
    stack = [(data, "$", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            if match := _UNSTORABLE.search(value):
                raise ParseError(f"JSON parse error - the string at {path} contains "
                                 f"U+{ord(match.group()):04X}, which is not allowed")
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise ParseError(f"JSON parse error - the body is nested too deeply (at most {MAX_DEPTH} levels)")
        if isinstance(value, dict):
            for key, item in value.items():
                if match := _UNSTORABLE.search(key):
                    raise ParseError(f"JSON parse error - a key in {path} contains "
                                     f"U+{ord(match.group()):04X}, which is not allowed")
                stack.append((item, f"{path}.{key}", depth + 1))
        else:
            # Only strings and containers can be wrong: a list of 100,000 ids must not cost 100,000
            # paths (they were half the time of starting a 100,000-id scan).
            if _PLAIN.issuperset(map(type, value)):
                continue  # numbers, booleans, nulls: nothing to check (a list of ids, at C speed)
            stack.extend((item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value)
                         if isinstance(item, (str, dict, list)))
