"""RQ jobs: parse the arguments, call one service."""

from watch.deliveries import attempt


def deliver(delivery_id: int) -> str:
    return attempt(int(delivery_id))
