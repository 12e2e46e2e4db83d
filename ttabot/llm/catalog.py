"""What a provider serves free right now, from its ``GET /models`` listing.

OpenRouter lists every model with ``pricing.prompt`` and ``pricing.completion``
as decimal strings; a model is free when both are zero. Free variants come and
go (``free_variant_ended``), so ``ttabot models --free`` asks at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ttabot.errors import TtabotError
from ttabot.llm.state import valid_count

if TYPE_CHECKING:
    import httpx

    from ttabot.config import Provider


#: A model list is larger than a chat answer (OpenRouter's is about 1 MB): 32 MiB at most.
CATALOG_MAX_BODY = 32 * 1024 * 1024


@dataclass(frozen=True)
class CatalogModel:
    """One model a provider lists."""

    id: str
    context_length: int | None
    free: bool


def _zero(value: Any) -> bool:
    try:
        return float(value) == 0.0
    except (TypeError, ValueError):
        return False


#: The longest model id believed (OpenRouter's are well under 100 characters).
MAX_ID = 200


def parse_catalog(payload: Any) -> tuple[CatalogModel, ...]:
    """Every model in a ``GET /models`` answer (OpenRouter's or OpenAI's shape)."""
    entries = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(entries, list):
        raise TtabotError("the provider's model list has no 'data' array")
    out = []
    for entry in entries:
        ident = entry.get("id") if isinstance(entry, dict) else None
        # An id is printed: printable text of sane length (no escape sequence, no flood).
        if not isinstance(ident, str) or not ident.isprintable() or len(ident) > MAX_ID:
            continue
        pricing = entry.get("pricing")
        free = (
            isinstance(pricing, dict)
            and _zero(pricing.get("prompt"))
            and _zero(pricing.get("completion"))
        )
        # Printed too: a whole number of tokens from 1 to 10**9, else unknown.
        context = valid_count(entry.get("context_length")) or None
        out.append(CatalogModel(ident, context, free))
    return tuple(out)


def free_models(payload: Any) -> tuple[CatalogModel, ...]:
    """The free models of a listing, sorted by id."""
    return tuple(sorted((m for m in parse_catalog(payload) if m.free), key=lambda m: m.id))


async def fetch_catalog(
    provider: Provider,
    environ: Mapping[str, str],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = 20.0,
    max_body: int = CATALOG_MAX_BODY,
) -> Any:
    """``GET {base_url}/models``; the key is sent when present (OpenRouter needs none).

    The body is capped at ``max_body`` bytes (after decompression) and its JSON depth
    bounded, like a chat answer's.
    """
    import zlib

    import httpx

    from ttabot.llm.body import ACCEPT_ENCODING, BodyTooLarge, UnsupportedEncoding
    from ttabot.llm.http import read_bounded
    from ttabot.llm.structured import loads_bounded
    from ttabot.llm.targets import without_userinfo

    headers = dict(provider.headers)
    key = environ.get(provider.api_key_env, "") if provider.api_key_env else ""
    if key:
        headers["Authorization"] = f"Bearer {key}"
    headers["Accept-Encoding"] = ACCEPT_ENCODING
    url = provider.base_url.rstrip("/") + "/models"
    shown = without_userinfo(url)  # errors are printed, in CI logs too
    try:
        async with (
            httpx.AsyncClient(transport=transport, timeout=timeout) as http,
            http.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code != 200:
                raise TtabotError(f"listing models at {shown} failed: HTTP {response.status_code}")
            body = await read_bounded(response, max_body)
    except httpx.HTTPError as exc:
        raise TtabotError(f"cannot list models at {shown}: {type(exc).__name__}") from None
    except BodyTooLarge:
        raise TtabotError(f"the model list at {shown} is larger than {max_body} bytes") from None
    except (UnsupportedEncoding, zlib.error):
        raise TtabotError(f"the model list at {shown} cannot be decoded") from None
    try:
        return loads_bounded(body)
    except ValueError:  # not JSON, not UTF-8, or nested too deep
        raise TtabotError(f"the model list at {shown} is not JSON") from None
