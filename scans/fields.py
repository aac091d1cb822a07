"""`IdListField`: a list of repository ids stored compactly (8 bytes an id, in order).

A scan keeps the ids it checks in its row. As a JSON array, writing 100,000 of them cost a
`json.dumps` of 700 kB on every start (a tenth of the POST) and a `json.loads` in every shard; as
packed 64-bit integers both are a copy. Python code sees a plain `list[int]`; `dumpdata` writes
the list as JSON and `loaddata` reads it back.
"""

from __future__ import annotations

import json
import sys
from array import array

from django.db import models

_ITEM = "q"  # signed 64-bit, as the id columns (bigint); stored little-endian on every machine
_SWAP = sys.byteorder != "little"


def pack(ids) -> bytes:
    packed = array(_ITEM, ids)
    if _SWAP:
        packed.byteswap()
    return packed.tobytes()


def unpack(data: bytes | memoryview) -> list[int]:
    packed = array(_ITEM)
    packed.frombytes(data)
    if _SWAP:
        packed.byteswap()
    return packed.tolist()


class IdListField(models.BinaryField):
    description = "A list of ids, packed"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("default") is list:
            del kwargs["default"]
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return None if value is None else unpack(value)

    def to_python(self, value):
        if value is None or isinstance(value, list):
            return value
        if isinstance(value, str):  # loaddata: what value_to_string wrote
            return [int(i) for i in json.loads(value)]
        if isinstance(value, (bytes, bytearray, memoryview)):
            return unpack(value)
        return [int(i) for i in value]

    def get_prep_value(self, value):
        if value is None or isinstance(value, (bytes, bytearray, memoryview)):
            return value
        return pack(value)

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))
