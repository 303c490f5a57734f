"""The demo prints every login a reader can use, the ports terminals' included."""

from __future__ import annotations

from jingjinji import demo
from jingjinji.accounts.demo import DEMO_PASSWORD, demo_logins
from jingjinji.ports.demo import places


def test_printed_logins_name_the_port_terminals() -> None:
    printed = demo.logins()
    usernames = [username for username, _, _ in printed]
    # The people of the accounts domain first, then the terminals and the feeder line, once each.
    assert printed[: len(demo_logins())] == demo_logins()
    assert set(places.TERMINAL_USERS) <= set(usernames)
    assert len(usernames) == len(set(usernames))
    for username, password, who in printed:
        if username in places.TERMINAL_USERS:
            assert password == DEMO_PASSWORD
            assert who == places.OPERATORS[places.TERMINAL_USERS[username]][2]
