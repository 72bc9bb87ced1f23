"""The key layout."""

from __future__ import annotations

import pytest

from buttress.store import InvalidKey, KeyLayout


def test_layout_names() -> None:
    layout = KeyLayout("prod")
    assert layout.prefix == "/buttress/prod/"
    assert layout.config() == "/buttress/prod/config/cib"
    assert layout.member("ctl1") == "/buttress/prod/members/ctl1"
    assert layout.members_prefix() == "/buttress/prod/members/"
    assert layout.history("cmp7", "nova-compute", "monitor_10000") == (
        "/buttress/prod/history/cmp7/nova-compute/monitor_10000")
    assert layout.history_prefix("cmp7") == "/buttress/prod/history/cmp7/"
    assert layout.history_prefix() == "/buttress/prod/history/"
    assert layout.history_resource_prefix("n", "r") == "/buttress/prod/history/n/r/"
    assert layout.attribute("ctl1", "master-galera") == (
        "/buttress/prod/attributes/ctl1/master-galera")
    assert layout.attributes_prefix() == "/buttress/prod/attributes/"
    assert layout.leader() == "/buttress/prod/leader"
    assert layout.transition() == "/buttress/prod/transition"
    assert KeyLayout("c", root="/x").member("n") == "/x/c/members/n"


def test_prefixes_do_not_catch_siblings() -> None:
    layout = KeyLayout("c")
    assert not layout.history("node10", "r", "start_0").startswith(layout.history_prefix("node1"))
    assert not KeyLayout("c2").config().startswith(layout.prefix)


def test_parse() -> None:
    layout = KeyLayout("c")
    assert layout.parse(layout.member("n1")) == ("members", "n1")
    assert layout.parse(layout.history("n1", "r", "monitor_0")) == (
        "history", "n1", "r", "monitor_0")
    with pytest.raises(InvalidKey):
        layout.parse("/buttress/other/leader")


@pytest.mark.parametrize("bad", ["", "a/b", "..", "."])
def test_invalid_components(bad: str) -> None:
    with pytest.raises(InvalidKey):
        KeyLayout("c").member(bad)
    with pytest.raises(InvalidKey):
        KeyLayout(bad)
    with pytest.raises(ValueError):  # InvalidKey is also a ValueError
        KeyLayout("c").attribute("n", bad)
