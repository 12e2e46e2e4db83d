"""Chain references resolved against their providers, and which of them have credentials."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from ttabot.llm.pacing import pace_bucket

if TYPE_CHECKING:
    from ttabot.config import Provider, Settings
    from ttabot.records import TaskKind


@dataclass(frozen=True)
class Target:
    """One chain model resolved against its provider."""

    ref: str
    model: str
    url: str
    headers: Mapping[str, str] = field(repr=False)  # holds the API key
    key_env: str | None
    has_key: bool
    bucket: tuple[str, float] | None
    json_mode: bool
    stream: bool = True

    @property
    def shared_url(self) -> str:
        """The URL as shared state names it (:func:`without_userinfo`). State goes to the
        cache folder and to a Redis other runners read."""
        return without_userinfo(self.url)

    @property
    def state_key(self) -> str:
        """Key of this model's cooldown, shared between processes using the same endpoint."""
        return f"{self.shared_url} {self.model}"

    @property
    def endpoint(self) -> str:
        """``host:port`` this model is reached at (no scheme, path or credentials)."""
        return endpoint_of(self.url)


def without_userinfo(url: str) -> str:
    """``url`` without its user part (a proxy's password), query or fragment: what may be
    shown in an error or written to shared state."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def endpoint_of(url: str) -> str:
    """``host:port`` of ``url``, the port defaulting by scheme; never any userinfo."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"  # IPv6
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return f"{host}:{port}"


def _provider_of(settings: Settings, ref: str) -> tuple[Provider | None, str]:
    name, _, model = ref.partition(":")
    return settings.providers.get(name), model


def _has_key(provider: Provider, environ: Mapping[str, str]) -> bool:
    return provider.api_key_env is None or bool(environ.get(provider.api_key_env))


def usable_models(
    settings: Settings, kind: TaskKind, environ: Mapping[str, str]
) -> tuple[str, ...]:
    """Chain refs for ``kind`` whose provider has its API key in ``environ`` (or needs none)."""
    out = []
    for ref in settings.chains.get(kind, ()):
        provider, _ = _provider_of(settings, ref)
        if provider is not None and _has_key(provider, environ):
            out.append(ref)
    return tuple(out)


def missing_keys(refs: Sequence[str], settings: Settings, environ: Mapping[str, str]) -> list[str]:
    """Environment variables that ``refs`` need and ``environ`` lacks, in order."""
    out: list[str] = []
    for ref in refs:
        provider, _ = _provider_of(settings, ref)
        if provider is not None and not _has_key(provider, environ):
            assert provider.api_key_env is not None
            if provider.api_key_env not in out:
                out.append(provider.api_key_env)
    return out


def resolve_target(settings: Settings, ref: str, environ: Mapping[str, str]) -> Target | None:
    """``ref`` resolved against its provider (None if the provider is unknown)."""
    provider, model = _provider_of(settings, ref)
    if provider is None or not model:
        return None
    headers = dict(provider.headers)
    key = environ.get(provider.api_key_env, "") if provider.api_key_env else ""
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return Target(
        ref=ref,
        model=model,
        url=provider.base_url.rstrip("/") + "/chat/completions",
        headers=headers,
        key_env=provider.api_key_env,
        has_key=_has_key(provider, environ),
        bucket=pace_bucket(provider, model),
        json_mode=provider.json_mode,
        stream=provider.stream,
    )
