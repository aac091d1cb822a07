"""Cache key function: keys are stored exactly as the code names them.

The API contract says progress lives under `health_check:{job_id}`; Django's default key
function would store `:1:health_check:{job_id}`, which other tools reading Redis would miss.
"""


def make_key(key: str, key_prefix: str, version: int) -> str:
    if key_prefix:
        return f"{key_prefix}:{key}"
    return key
