"""Keeping secrets out of messages: provider keys and the API key, as written and in their common encodings.

A provider's error may echo the key it was sent: as written, URL-encoded (``%2B``, ``%2f``...), in base64
(an ``Authorization: Basic`` header, a JSON dump, at any byte alignment, wrapped over lines), in hex, or
split by whitespace. :func:`redact` replaces every such form by ``***``. It is applied where a message can
reach someone: provider errors (:mod:`pipelex.inference.live.calls`), the CLI's error lines, the API's
problem documents, the execution graph's node errors (and so the results folder), and the server log's
error records.

The secrets are the ones given, plus every environment variable that names a secret (``*_API_KEY``,
``*_KEY``, ``*_TOKEN``, ``*_SECRET``, ``*_PASSWORD``) with a value of at least 8 characters.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterable
from functools import lru_cache

MASK = "***"
MIN_SECRET_LENGTH = 8
# compiled when first used (``re`` keeps them compiled): a command that reports nothing never redacts
_SECRET_NAME = r"(API_KEY|_KEY|_TOKEN|_SECRET|_PASSWORD|_PASSWD)$"
# tokens that look like keys whatever they are (a key this process does not know, echoed by a provider)
_KEY_LIKE = r"\b(sk|pk|key|api|gsk|xai)[-_][A-Za-z0-9_\-]{8,}"
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def environment_secrets(env: dict[str, str] | None = None) -> tuple[str, ...]:
    """The values of the environment variables whose names say they hold a secret."""
    env = dict(os.environ) if env is None else env
    secret_name = re.compile(_SECRET_NAME, re.IGNORECASE)
    return tuple(
        sorted(
            {
                value.strip()
                for name, value in env.items()
                if secret_name.search(name) and len(value.strip()) >= MIN_SECRET_LENGTH
            }
        )
    )


def redact(
    text: str, secrets: Iterable[str | None] = (), *, include_environment: bool = True, key_like: bool = False
) -> str:
    """``text`` with every secret (given, or from the environment), in every common encoding, replaced by
    ``***``; with ``key_like``, also every token that looks like a key (``sk-...``): for a provider's own
    words, where an unknown key may be echoed (never for messages naming pipes, which may look alike)."""
    known = {s.strip() for s in secrets if s and len(s.strip()) >= MIN_SECRET_LENGTH}
    if include_environment:
        known.update(environment_secrets())
    if known:
        text = _pattern(tuple(sorted(known))).sub(MASK, text)
    return re.sub(_KEY_LIKE, MASK, text, flags=re.IGNORECASE) if key_like else text


@lru_cache(maxsize=32)
def _pattern(secrets: tuple[str, ...]) -> re.Pattern[str]:
    alternatives: list[str] = []
    for secret in secrets:
        alternatives.extend(_forms(secret))
    # longest first, so a base64 form is not cut short by a shorter match inside it
    alternatives.sort(key=len, reverse=True)
    return re.compile("|".join(alternatives))


def _spaced(chars: Iterable[str]) -> str:
    """Tokens that may be split by whitespace (a key wrapped over lines, or spaced out)."""
    return r"\s*".join(chars)


def _forms(secret: str) -> list[str]:
    """Regular expressions of ``secret``: as written or URL-encoded (char by char, any case), split by
    whitespace; base64 (standard and URL-safe, at the three byte alignments); hex."""
    forms: list[str] = []
    tokens: list[str] = []
    for ch in secret:
        encoded = "".join(f"%{b:02X}" for b in ch.encode("utf-8"))
        if ch in _UNRESERVED:
            tokens.append(re.escape(ch))
        elif ch == " ":
            tokens.append(r"(?:\ |\+|%20)")
        else:
            tokens.append(f"(?:{re.escape(ch)}|(?i:{re.escape(encoded)}))")
    forms.append(_spaced(tokens))
    raw = secret.encode("utf-8")
    for offset in range(3):
        # the part of base64(prefix + secret + suffix) that depends on the secret alone, for any prefix of
        # ``offset`` bytes (mod 3) and any suffix
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        start = -(-8 * offset // 6)
        end = 8 * (offset + len(raw)) // 6
        core = encoded[start:end]
        if len(core) >= MIN_SECRET_LENGTH:
            for alphabet in (core, core.replace("+", "-").replace("/", "_")):
                forms.append(_spaced(re.escape(ch) for ch in alphabet))
    forms.append(f"(?i:{re.escape(raw.hex())})")
    return list(dict.fromkeys(forms))
