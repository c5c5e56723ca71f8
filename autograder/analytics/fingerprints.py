"""Winnowed k-gram fingerprints of a token stream (Schleimer, Wilkerson and Aiken, "Winnowing:
local algorithms for document fingerprinting", SIGMOD 2003, the method behind MOSS).

Every run of K consecutive tokens is hashed; from each window of WINDOW consecutive hashes the
smallest is kept. Two answers that share a run of at least K + WINDOW - 1 tokens are guaranteed
to share a fingerprint, wherever the run sits in each answer, so moved blocks still match, and an
answer keeps about 2 / (WINDOW + 1) of its hashes, so comparing two answers compares small sets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

K = 5  # tokens per k-gram: `_ . status = 's'` is five tokens
WINDOW = 4  # so any shared run of 8 tokens or more is found


def _hash(gram: Sequence[str]) -> int:
    # A stable hash: Python's own hash of a string changes from one process to the next.
    digest = hashlib.blake2b("\x1f".join(gram).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def kgram_hashes(tokens: Sequence[str], k: int = K) -> list[int]:
    """The hash of every run of `k` tokens, in order (one hash when there are fewer tokens)."""
    if not tokens:
        return []
    if len(tokens) <= k:
        return [_hash(tokens)]
    return [_hash(tokens[i : i + k]) for i in range(len(tokens) - k + 1)]


def winnow(hashes: Sequence[int], window: int = WINDOW) -> frozenset[int]:
    """The smallest hash of every window of `window` consecutive hashes."""
    if not hashes:
        return frozenset()
    if len(hashes) <= window:
        return frozenset([min(hashes)])
    return frozenset(min(hashes[i : i + window]) for i in range(len(hashes) - window + 1))


def fingerprints(tokens: Sequence[str], k: int = K, window: int = WINDOW) -> frozenset[int]:
    """The winnowed fingerprints of a token stream."""
    return winnow(kgram_hashes(tokens, k), window)
