"""Fifteenth hostile pass: a provider failure tells a caller of the server no address, written with a scheme or not.

The seventh pass withheld the URLs of a provider failure (``nothing answered at http://10.0.3.7:8000/v1``) from the
runner API's problems: an internal gateway, and whether it answers, is not a key holder's to learn. A gateway's own
words name its upstream without a scheme (LiteLLM quoting aiohttp: ``Cannot connect to host 10.0.3.7:8000
ssl:default [Connect call failed ('10.0.3.7', 8000)]``), and those reached every key holder as they were. Now an
IPv4 address, an IPv6 one in brackets and a host name with a port are withheld too; the server log keeps them.
"""

from __future__ import annotations

import time

import pytest

from pipelex.api.problems import served_provider_detail

GATEWAY = (
    "HTTP 400: Cannot connect to host 10.0.3.7:8000 ssl:default [Connect call failed ('10.0.3.7', 8000)] via "
    "llm-gw.corp.internal:4000, [fd00::7]:8000, [::ffff:10.1.2.3], [fe80::1%eth0]:80 and localhost:11434 [status 400]"
)


def test_a_gateways_upstream_addresses_are_withheld() -> None:
    shown = served_provider_detail(GATEWAY, "/v1/execute")
    for address in ("10.0.3.7", "llm-gw.corp.internal", "fd00::7", "10.1.2.3", "fe80::1", "localhost:11434"):
        assert address not in shown, shown
    assert shown == (
        "HTTP 400: Cannot connect to host <address withheld> ssl:default [Connect call failed ('<address withheld>', "
        "8000)] via <address withheld>, <address withheld>, <address withheld>, <address withheld> and "
        "<address withheld> [status 400]"
    )


@pytest.mark.parametrize(
    "kept",
    [
        "pipe 'say': provider 'ollama', model 'llama3.2:3b' (qwen2.5:0.5b) failed",
        "model gpt-4o-2024-08-06 refused 'temperature'",
        "1 validation error: ('body', 'max_tokens') [status 422]",
        "at 2026-12-02 04:00:00,000 after 12:30:45 (v1.2.3.4.5)",
        "list [1, 2] of 3",
    ],
)
def test_model_names_times_and_versions_are_kept(kept: str) -> None:
    assert served_provider_detail(kept, "/v1/execute") == kept


@pytest.mark.parametrize(
    "long_text",
    [
        "a." * 30_000,
        "1." * 30_000,
        "a-" * 30_000,
        "[" + "0:" * 30_000,  # an unclosed bracket of colons: 43 s with an unbounded bracket pattern
        "[0:" * 20_000,
        "1.2.3.4:" * 10_000,
        "a.a-" * 20_000 + ":",
        "[:" * 30_000,
    ],
)
def test_withholding_stays_linear(long_text: str) -> None:
    """The provider's words are quoted at any length: no pattern may backtrack over them (each takes ~0.03 s)."""
    started = time.process_time()
    served_provider_detail(long_text, "/v1/execute")
    assert time.process_time() - started < 5.0
