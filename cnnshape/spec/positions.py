"""Positioned values: the dicts and lists a YAML spec becomes, with the line and column of
every node (1-based), so each diagnostic can point into the file.

A plain dict or list (a spec given as a dict) has no positions: ``where`` answers NOWHERE.
"""


class PMap(dict):
    """A mapping that remembers where it and each of its keys and values stand."""
    __slots__ = ("pos", "key_pos", "val_pos")


class PList(list):
    """A list that remembers where it and each item stand."""
    __slots__ = ("pos", "item_pos")


NOWHERE = (0, 0)


def where(value) -> tuple[int, int]:
    return getattr(value, "pos", NOWHERE)


def key_where(mapping, key) -> tuple[int, int]:
    return getattr(mapping, "key_pos", {}).get(key, where(mapping))


def val_where(mapping, key) -> tuple[int, int]:
    return getattr(mapping, "val_pos", {}).get(key, key_where(mapping, key))


def item_where(seq, i) -> tuple[int, int]:
    positions = getattr(seq, "item_pos", None)
    return positions[i] if positions else where(seq)
