"""Placeholder: being built."""


def create() -> None:
    pass
