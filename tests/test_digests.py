"""SHA-256 without OpenSSL for small data (``pipelex/digests.py``): the same digests as ``hashlib``'s in one call or
many, across the hand-over to OpenSSL, and OpenSSL is not loaded for a small digest."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelex.digests import SMALL, Sha256, sha256_hex


@given(st.binary(max_size=4096))
def test_one_call_gives_hashlibs_digest(data: bytes) -> None:
    assert sha256_hex(data) == hashlib.sha256(data).hexdigest()
    assert Sha256(data).digest() == hashlib.sha256(data).digest()


@settings(max_examples=30)
@given(
    st.lists(st.integers(min_value=0, max_value=SMALL // 2), max_size=6), st.binary(min_size=1, max_size=64)
)
def test_chunks_across_the_hand_over_give_hashlibs_digest(sizes: list[int], seed: bytes) -> None:
    # chunk sizes that stay under SMALL, reach it, and go past it in one update or several
    chunks = [(seed * (size // len(seed) + 1))[:size] for size in sizes]
    ours, theirs = Sha256(b"head"), hashlib.sha256(b"head")
    for chunk in chunks:
        ours.update(chunk)
        theirs.update(chunk)
        assert ours.hexdigest() == theirs.hexdigest()  # a digest midway does not end the hashing
    assert ours.hexdigest() == theirs.hexdigest()


def test_large_data_in_one_call() -> None:
    data = bytes(range(256)) * (SMALL // 128)
    assert len(data) > SMALL
    assert sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_a_small_digest_does_not_load_openssl() -> None:
    code = textwrap.dedent(
        """
        import sys
        from pipelex.digests import Sha256, sha256_hex
        small = sha256_hex(b"the deck")
        print("small", "_hashlib" in sys.modules)
        hasher = Sha256(b"x" * 1000)
        hasher.update(b"y" * (300 * 1024))
        print("large", "_hashlib" in sys.modules, hasher.hexdigest() != small)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.split() == ["small", "False", "large", "True", "True"]


def test_many_small_digests_go_to_openssl_past_the_budget() -> None:
    # a process that hashes many small contents (a big batch's items) pays OpenSSL's load once it has hashed more
    # with the slower implementation than the load costs
    code = textwrap.dedent(
        """
        import sys
        from pipelex.digests import BUDGET, sha256_hex
        chunks = [index.to_bytes(4, "big") * 1024 for index in range(2 * BUDGET // 4096)]
        ours, loaded_at = [], None
        for index, chunk in enumerate(chunks):
            ours.append(sha256_hex(chunk))
            if loaded_at is None and "_hashlib" in sys.modules:
                loaded_at = index
        import hashlib
        print(loaded_at == BUDGET // 4096, ours == [hashlib.sha256(chunk).hexdigest() for chunk in chunks])
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.split() == ["True", "True"]
