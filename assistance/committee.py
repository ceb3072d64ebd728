"""The random draw of a committee's experts (seed 004 附件6: "每次评审随机抽取3名专家"), as a plain function of
the pool and the seed, so that anyone holding the recorded pool and seed draws the same three."""

from __future__ import annotations

import random
import secrets

COMMITTEE_EXPERTS = 3


class PoolTooSmall(ValueError):
    pass


def new_seed() -> str:
    return secrets.token_hex(8)


def draw(pool: list[int], seed: str, size: int = COMMITTEE_EXPERTS) -> list[int]:
    """``size`` distinct experts of ``pool`` (ids), each equally likely, in the order drawn: Python's Mersenne
    Twister seeded with the text ``seed`` (its seeding of text is fixed since Python 3.2) sampling the pool
    sorted by id."""
    candidates = sorted(set(pool))
    if len(candidates) < size:
        raise PoolTooSmall(f"专家库中可抽取的专家只有 {len(candidates)} 名，至少需要 {size} 名。")
    return random.Random(seed).sample(candidates, size)
