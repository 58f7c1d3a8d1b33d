"""flows.netguard: which addresses are public, and what a frontier row remembers of its trust."""

from __future__ import annotations

import pytest

from flows.errors import RefusedURL
from flows.netguard import ANYWHERE, PUBLIC, Reach, check_reach, is_public_address, links_trust, read_trust

PUBLIC_ADDRS = ["8.8.8.8", "93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e",
                "64:ff9b::808:808",  # NAT64 of 8.8.8.8: how a v6-only network with DNS64 reaches v4 sites
                "2002:808:808::1",  # 6to4 of 8.8.8.8
                "::ffff:8.8.8.8"]

NOT_PUBLIC = [
    # IPv4 classes
    "127.0.0.1", "127.255.255.254", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "0.1.2.3", "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9", "224.0.0.1",
    "239.255.255.250", "240.0.0.1", "255.255.255.255",
    # IPv6 classes
    "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "fec0::1", "ff02::1", "ff0e::1",
    "2001:db8::1", "3fff::1", "100::1", "5f00::1", "2001:2::1", "2001:20::1",
    # private IPv4 inside IPv6
    "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1",  # IPv4-mapped
    "::7f00:1", "::127.0.0.1", "::a00:1", "::8.8.8.8",  # IPv4-compatible (deprecated: never public)
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::c0a8:101",  # NAT64 of 127.0.0.1, 169.254.169.254, 192.168.1.1
    "64:ff9b:1::a00:1", "64:ff9b:1::808:808",  # local-use NAT64 (RFC 8215)
    "2002:7f00:1::", "2002:a9fe:a9fe::1", "2002:c0a8:101::1", "2002:a00:1::",  # 6to4 of private v4
    "::ffff:0:7f00:1",  # SIIT IPv4-translated
    "2001:0:4136:e378:8000:63bf:80ff:fffe", "2001::1",  # Teredo
    # not addresses at all
    "", "localhost", "127.1", "2130706433", "0x7f000001", "1.2.3.4.5",
]


@pytest.mark.parametrize("addr", PUBLIC_ADDRS)
def test_public_addresses(addr):
    assert is_public_address(addr)


@pytest.mark.parametrize("addr", NOT_PUBLIC)
def test_addresses_that_are_not_public(addr):
    assert not is_public_address(addr)


def test_reach_public_extra_and_anything():
    assert PUBLIC.allows("8.8.8.8") and not PUBLIC.allows("127.0.0.1")
    feed = Reach.of(["127.0.0.2", "::1"])
    assert feed.allows("127.0.0.2") and feed.allows("::ffff:127.0.0.2") and feed.allows("0:0::1")
    assert not feed.allows("127.0.0.1") and feed.allows("8.8.8.8")
    assert ANYWHERE.allows("127.0.0.1") and ANYWHERE.allows("fe80::1")


def test_one_refused_answer_refuses_the_name():
    assert check_reach("ok.test", ["8.8.8.8", "8.8.8.8"], PUBLIC) == ("8.8.8.8",)
    with pytest.raises(RefusedURL, match="non-public address 10.0.0.1"):
        check_reach("rr.test", ["8.8.8.8", "10.0.0.1"], PUBLIC)
    with pytest.raises(RefusedURL, match="no address"):
        check_reach("empty.test", [], ANYWHERE)


def test_links_trust_remembers_only_non_public_addresses():
    assert links_trust("http://news.test:80", ["93.184.216.34"]) is None
    assert links_trust("http://intra.test:80", ["10.1.2.3", "::ffff:10.1.2.3", "93.184.216.34", "::1"]) \
        == "http://intra.test:80#10.1.2.3,::1"


def test_read_trust():
    assert read_trust(None, found_in_document=True) == (None, None)
    assert read_trust("http://intra.test:80#10.1.2.3,::1", found_in_document=True) == \
        ("http://intra.test:80", frozenset({"10.1.2.3", "::1"}))
    # a URL the user listed: trusted as given
    assert read_trust("http://intra.test:80", found_in_document=False) == ("http://intra.test:80", None)
    # a feed's link stored before addresses were remembered: public addresses only
    assert read_trust("http://intra.test:80", found_in_document=True) == ("http://intra.test:80", frozenset())
