"""The guard of outbound requests to URLs users choose (repohealth/runtime/outbound.py): a table
of targets with the refusal each must get, DNS rebinding at the socket level, no redirects, the
timeouts and the read limit, and a delivery to an allowed target.

Nothing here leaves loopback: name resolution and connections are patched (tests/receiver.py);
a connection to the one public test address is carried to a receiver on 127.0.0.1.
"""

from __future__ import annotations

import pytest

from repohealth.runtime import outbound
from tests.receiver import PUBLIC, Answer

# url, what the name resolves to (None: an address literal or no lookup), the refusal's words
TARGETS = [
    ("https://169.254.169.254/latest/meta-data/", None, "169.254.169.254 is a link-local address"),
    ("https://127.0.0.1:6379/", None, "127.0.0.1 is a loopback address"),
    ("https://localhost:8000/admin/", ["127.0.0.1"], "localhost resolves to 127.0.0.1, a loopback address"),
    ("https://10.0.0.5/hook", None, "a private (RFC 1918) address"),
    ("https://172.16.1.1/hook", None, "a private (RFC 1918) address"),
    ("https://192.168.1.1/hook", None, "a private (RFC 1918) address"),
    ("https://100.64.0.1/hook", None, "a carrier-grade NAT (RFC 6598) address"),
    ("https://224.0.0.251/hook", None, "a multicast address"),
    ("https://0.0.0.0/hook", None, "an unspecified address"),
    ("https://240.0.0.1/hook", None, "a reserved address"),
    ("https://255.255.255.255/hook", None, "a reserved address"),
    ("https://192.0.2.10/hook", None, "a special-purpose (not public) address"),
    ("https://[::1]/hook", None, "::1 is a loopback address"),
    ("https://[::]/hook", None, ":: is an unspecified address"),
    ("https://[fc00::1]/hook", None, "a unique-local (private) address"),
    ("https://[fd12:3456::1]/hook", None, "a unique-local (private) address"),
    ("https://[fe80::1]/hook", None, "a link-local address"),
    ("https://[fec0::1]/hook", None, "a site-local (private) address"),
    ("https://[ff02::1]/hook", None, "a multicast address"),
    ("https://[::ffff:127.0.0.1]/hook", None, "an IPv4-mapped IPv6 address of 127.0.0.1, a loopback address"),
    ("https://[::ffff:10.0.0.1]/hook", None, "an IPv4-mapped IPv6 address of 10.0.0.1, a private (RFC 1918)"),
    ("https://[::ffff:169.254.169.254]/hook", None, "IPv4-mapped IPv6 address of 169.254.169.254, a link-local"),
    ("https://[64:ff9b::a9fe:a9fe]/hook", None, "a NAT64 IPv6 address of 169.254.169.254, a link-local address"),
    ("https://[2002:7f00:1::1]/hook", None, "a 6to4 IPv6 address of 127.0.0.1, a loopback address"),
    ("https://internal.example.test/hook", ["10.0.0.7"], "internal.example.test resolves to 10.0.0.7, a private"),
    ("https://loopback.example.test/hook", ["127.0.0.1"], "loopback.example.test resolves to 127.0.0.1, a loopback"),
    ("https://v6.example.test/hook", ["::1"], "v6.example.test resolves to ::1, a loopback address"),
    ("https://mixed.example.test/hook", [PUBLIC, "192.168.0.9"], "mixed.example.test resolves to 192.168.0.9"),
    ("https://metadata.example.test/hook", ["169.254.169.254"], "resolves to 169.254.169.254, a link-local"),
    ("http://hooks.example.test/hook", [PUBLIC], "must start with https:// (http:// needs ALERT_ALLOW_HTTP=1)"),
    ("ftp://hooks.example.test/hook", [PUBLIC], "must start with https://"),
    ("https://user:secret@hooks.example.test/hook", [PUBLIC], "may not hold a user name or password"),
    ("https://nowhere.example.test/hook", None, "could not be resolved"),
    ("https:///hook", None, "has no host"),
]


@pytest.mark.parametrize(("url", "resolves", "refusal"), TARGETS, ids=[t[0] for t in TARGETS])
def test_each_unsafe_target_is_refused_with_its_reason(fake_net, settings, url, resolves, refusal):
    settings.ALERT_ALLOW_HTTP, settings.ALERT_ALLOW_PRIVATE_TARGETS = False, False
    if resolves:
        fake_net.resolve(url.split("//", 1)[1].split("/", 1)[0].split("@")[-1].split(":")[0], *resolves)

    with pytest.raises(outbound.UnsafeTarget) as refused:
        outbound.check_url(url)

    assert refusal in str(refused.value)
    assert fake_net.connects == []


def test_a_public_target_is_allowed_with_the_addresses_it_was_checked_against(fake_net):
    fake_net.resolve("hooks.example.test", PUBLIC)
    target = outbound.check_url("https://hooks.example.test/repohealth?x=1")
    assert (target.host, target.port, target.path) == ("hooks.example.test", 443, "/repohealth?x=1")
    assert [sockaddr[0] for _, sockaddr in target.addresses] == [PUBLIC]


def test_http_needs_alert_allow_http_and_private_addresses_need_alert_allow_private_targets(fake_net, settings):
    settings.ALERT_ALLOW_HTTP, settings.ALERT_ALLOW_PRIVATE_TARGETS = True, False
    with pytest.raises(outbound.UnsafeTarget, match="loopback"):
        outbound.check_url("http://127.0.0.1:9/")
    settings.ALERT_ALLOW_PRIVATE_TARGETS = True
    assert outbound.check_url("http://127.0.0.1:9/").port == 9
    settings.ALERT_ALLOW_HTTP = False
    with pytest.raises(outbound.UnsafeTarget, match="https://"):
        outbound.check_url("http://127.0.0.1:9/")


def test_a_delivery_connects_to_the_address_that_was_checked_never_to_what_a_later_lookup_says(
        fake_net, receiver, settings):
    """DNS rebinding: the first lookup answers a public address, every later one 127.0.0.1. A
    guard that checked, then let the HTTP library resolve again, would connect to 127.0.0.1."""
    settings.ALERT_ALLOW_HTTP = True
    fake_net.resolve("rebind.example.test", [PUBLIC], ["127.0.0.1"])

    target = outbound.check_url("http://rebind.example.test/hook")
    answer = outbound.post(target, b'{"a": 1}', {"X-RepoHealth-Signature": "sha256=00"})

    assert answer.status == 200
    assert fake_net.lookups == ["rebind.example.test"], "one lookup: the one that was checked"
    assert fake_net.connects == [(PUBLIC, 80)]
    assert not any(host == "127.0.0.1" for host, _ in fake_net.connects)
    (request,) = receiver.requests
    assert request.headers["Host"] == "rebind.example.test"
    assert request.body == b'{"a": 1}'


def test_a_redirect_is_reported_never_followed(fake_net, receiver, settings):
    """A public-looking test server answers 302 to a private one: nothing goes there."""
    settings.ALERT_ALLOW_HTTP = True
    fake_net.resolve("hooks.example.test", PUBLIC)
    receiver.answer(Answer(status=302, location="http://127.0.0.1:6379/"))

    answer = outbound.post(outbound.check_url("http://hooks.example.test/hook"), b"{}", {})

    assert (answer.status, answer.location) == (302, "http://127.0.0.1:6379/")
    assert fake_net.connects == [(PUBLIC, 80)]
    assert len(receiver.requests) == 1


def test_it_reads_at_most_64_kb_of_the_answer(fake_net, receiver, settings):
    settings.ALERT_ALLOW_HTTP = True
    fake_net.resolve("hooks.example.test", PUBLIC)
    receiver.answer(Answer(body=b"x" * 1_000_000))

    answer = outbound.post(outbound.check_url("http://hooks.example.test/hook"), b"{}", {})

    assert len(answer.body) == outbound.MAX_RESPONSE_BYTES == 65536


def test_a_receiver_that_does_not_answer_in_time_is_a_timeout(fake_net, receiver, settings, monkeypatch):
    settings.ALERT_ALLOW_HTTP = True
    monkeypatch.setattr(outbound, "TOTAL_TIMEOUT", 0.5)
    fake_net.resolve("slow.example.test", PUBLIC)
    receiver.answer(Answer(delay=3))

    with pytest.raises(TimeoutError):
        outbound.post(outbound.check_url("http://slow.example.test/hook"), b"{}", {})


def test_nothing_but_the_given_headers_is_sent(fake_net, receiver, settings):
    settings.ALERT_ALLOW_HTTP = True
    fake_net.resolve("hooks.example.test", PUBLIC)

    outbound.post(outbound.check_url("http://hooks.example.test/hook"), b"{}", {"X-RepoHealth-Signature": "sha256=ab"})

    (request,) = receiver.requests
    assert {name.lower() for name in request.headers} == {
        "host", "user-agent", "content-type", "content-length", "accept-encoding", "x-repohealth-signature"}
