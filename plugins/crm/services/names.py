"""What the CRM derives from names: the letter index (北京… -> B)."""

from __future__ import annotations

import string
from functools import lru_cache

from plugins.search.normalise import chinese_initials

#: the letters of the index, then "#" for names that start with neither
LETTERS = tuple(string.ascii_uppercase) + ("#",)


@lru_cache(maxsize=65536)
def _initial_of(head: str) -> str:
    if head[0].isascii():
        return head[0].upper() if head[0].isalpha() else "#"
    # the first characters together, so that phrases pick the reading of a
    # polyphone: 重庆 is C(hongqing), not Z(hong)
    # (the search plugin's reading of pypinyin's dictionaries: pypinyin itself
    # would hold 57 MB in every worker)
    first = chinese_initials(head)[:1].upper()
    return first if first in string.ascii_uppercase else "#"


def initial(name: str) -> str:
    """The index letter of ``name``: the pinyin initial of its first Chinese
    character, or its first Latin letter; ``#`` for anything else.

    >>> initial("北京百度网讯科技有限公司"), initial("重庆钢铁"), initial("Acme Ltd"), initial("3M中国")
    ('B', 'C', 'A', '#')
    """
    stripped = name.strip().lstrip("（(【[\"'“‘")
    return _initial_of(stripped[:4]) if stripped else "#"
