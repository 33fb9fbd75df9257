"""The review tool's two expected failures besides the APIs' and the CLI's (ops/cli.py): each is one line."""


class BadInput(Exception):
    """Input the command cannot work with: exit 2 with this one line."""


class Unavailable(Exception):
    """This checkout lacks a part the command needs: exit 1 with this one line."""
