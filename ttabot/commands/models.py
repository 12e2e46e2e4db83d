"""``ttabot models``: chains and each model's state; free models now; a probe of each."""

from __future__ import annotations

import asyncio
import datetime
import os
import socket
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import click

from ttabot.commands.selection import working_folder
from ttabot.config import Settings, load_settings, project_root
from ttabot.errors import TtabotError

if TYPE_CHECKING:
    from ttabot.llm.client import Completion, RotatingClient


def _clock(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch).strftime("%H:%M:%S")


_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def local_server_listens(url: str, timeout: float = 0.5) -> bool:
    """False when ``url`` names a server on this machine and nothing listens on its port.

    A local server that is not running (Ollama, vLLM) is the usual "not reachable",
    and a connection to loopback costs nothing; a remote provider is never contacted
    here (``--probe`` asks it), so it counts as listening.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host not in _LOOPBACK and not host.startswith("127."):
        return True
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return True  # a malformed port: let the request say what is wrong
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def chain_lines(
    settings: Settings, environ: Mapping[str, str], untrusted: frozenset[str] = frozenset()
) -> list[str]:
    """Each task kind's chain, one model a line, with its state.

    ``untrusted``: providers whose key route the project chose and the user has not
    trusted; their models are shown but never asked (``ttabot trust``).
    """
    from ttabot.llm.client import RotatingClient

    client = RotatingClient(settings, environ=environ)
    now = time.time()
    lines = []
    listening: dict[str, bool] = {}
    for kind, refs in settings.chains.items():
        lines.append(f"{kind.value}:")
        for position, ref in enumerate(refs, start=1):
            target = client.target(ref)
            if target is None:
                state = "provider not defined"
            elif ref.partition(":")[0] in untrusted:
                state = "untrusted (run ttabot trust)"
            elif not target.has_key:
                state = f"key missing: set {target.key_env}"
            elif (quota := client.quotas.used_up(target)) is not None:
                state = f"free quota used up until {_clock(quota.reset)}"
            elif (until := client.cooling_until(target)) > now:
                state = f"cooling until {_clock(until)} ({until - now:.0f}s)"
            elif not listening.setdefault(target.url, local_server_listens(target.url)):
                state = (
                    f"not reachable: nothing listens at {target.endpoint}; is the server running?"
                )
            else:
                state = "ready"
            lines.append(f"  {position}. {_one_line(ref)}  [{_one_line(state)}]")
    lines += quota_lines(client)
    return lines


def quota_lines(client: RotatingClient) -> list[str]:
    """What is left of each daily quota seen (shared state), one line each."""
    from ttabot.llm.quota import quota_line

    known = client.quotas.known()
    if not known:
        return []
    # Keys come from shared state any runner writes: one short line each.
    lines = [f"  {_cell(quota_line(key, q))}" for key, q in sorted(known.items())]
    return ["daily quotas:", *lines]


def stats_lines(settings: Settings) -> list[str]:
    """The learning chains' table: each (task kind, model)'s draft outcomes."""
    from ttabot.llm.client import RotatingClient
    from ttabot.llm.learning import posterior_mean

    if not settings.client.learn or not settings.client.shared_state:
        return ["learning is off ([client] learn = false or shared-state = false)"]
    learning = RotatingClient(settings, environ={}).learning
    found = learning.table() if learning is not None else []
    if not found:
        return ["no draft outcomes recorded yet"]
    # Names come from shared state any runner writes: one short line each.
    rows = [(_cell(kind), _cell(model), seen) for kind, model, seen in found]
    width = max(len(model) for _, model, _ in rows)
    lines = [f"{'task kind':<14} {'model':<{width}}  accepted  rejected  no-answer  p(accept)"]
    for kind, model, seen in rows:
        lines.append(
            f"{kind:<14} {model:<{width}}  {seen.accepted:>8}  {seen.rejected:>8}  "
            f"{seen.no_answer:>9}  {posterior_mean(seen):>9.2f}"
        )
    return lines


#: The longest name a table shows; a longer one is cut, marked with "…".
MAX_CELL = 120


def _cell(text: str) -> str:
    shown = _one_line(text)
    return shown if len(shown) <= MAX_CELL else shown[: MAX_CELL - 1] + "…"


def _one_line(text: str) -> str:
    from ttabot.report import printable

    return printable(text)


def free_lines(settings: Settings, provider_name: str, environ: Mapping[str, str]) -> list[str]:
    """The provider's free models now, marking those in a chain."""
    from ttabot.llm.catalog import fetch_catalog, free_models
    from ttabot.llm.targets import without_userinfo

    provider = settings.providers.get(provider_name)
    if provider is None:
        raise TtabotError(f"--provider {provider_name}: not defined under [providers]")
    models = free_models(asyncio.run(fetch_catalog(provider, environ)))
    chained = {ref for refs in settings.chains.values() for ref in refs}
    lines = [f"{len(models)} free models at {without_userinfo(provider.base_url)}:"]
    for model in models:
        context = f"{model.context_length:>8}" if model.context_length else "       ?"
        mark = "  (in a chain)" if f"{provider_name}:{model.id}" in chained else ""
        lines.append(f"  {context}  {provider_name}:{model.id}{mark}")
    return lines


async def probe_lines(settings: Settings, environ: Mapping[str, str]) -> tuple[list[str], bool]:
    """One line per chain model after a one-token request; True if all answered.

    Models of one provider are probed one after another, so the provider's
    pacing (``rpm``; 20 a minute for OpenRouter's free models) spaces them like
    any other requests; different providers are probed at the same time.
    """
    from ttabot.llm.client import RotatingClient, missing_keys

    refs = list(dict.fromkeys(ref for refs in settings.chains.values() for ref in refs))
    missing = missing_keys(refs, settings, environ)
    if len(missing) and all(missing_keys([ref], settings, environ) for ref in refs):
        raise TtabotError(f"no API key to probe with: set {' or '.join(missing)}")
    by_provider: dict[str, list[str]] = {}
    for ref in refs:
        by_provider.setdefault(ref.partition(":")[0], []).append(ref)
    async with RotatingClient(settings, environ=environ) as client:

        async def one_provider(group: list[str]) -> list[tuple[str, Completion]]:
            # Awaited in turn: gathering them would read every pacing slot as free at once.
            return [(ref, await client.probe(ref)) for ref in group]

        groups = await asyncio.gather(*(one_provider(g) for g in by_provider.values()))
    results = dict(pair for group in groups for pair in group)
    # A provider's error message is quoted: one line per model, whatever it says.
    lines = [f"  {_one_line(ref)}  {_one_line(probe_state(results[ref]))}" for ref in refs]
    return lines, all(result.ok for result in results.values())


def probe_state(result: Completion) -> str:
    """``ok 0.41s``; ``not reachable`` (nothing listens); ``cooling`` (ttabot holds back); else
    ``failed`` with the reason. A server that is down and a model resting after a 429 need
    different fixes, so they read differently."""
    if result.ok:
        return f"ok {result.latency:.2f}s"
    error = result.error or "no answer"
    if "connection refused" in error:
        return f"not reachable: {error}; is the server running?"
    if error.startswith("cooling or paced"):
        return f"cooling: {error}"
    return f"failed: {error}"


_EPILOG = """\b
Exit codes:
  0  listed (with --probe: every chain model answered its one-token request)
  1  --probe: some chain model did not answer (each line says why)
  2  usage or input error: bad options or config, an undefined --provider, a
     model list --free could not fetch or read, --probe with no API key at all

\b
Examples:
  ttabot models                           # each chain, with every model's state
  ttabot models --free                    # what OpenRouter serves free now
  ttabot models --free --provider NAME    # another provider that lists pricing
  ttabot models --probe                   # one one-token request to each model
  ttabot models --stats                   # what each model's drafts came to (learning)

Configuring providers and chains: docs/models.md.
"""


@click.command(name="models", epilog=_EPILOG)
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Settings file (default: the repository root's .ttabot.toml and pyproject.toml).",
)
@click.option("--free", "free", is_flag=True, help="List the models a provider serves free now.")
@click.option(
    "--provider",
    "provider_name",
    default="openrouter",
    show_default=True,
    help="Provider for --free.",
)
@click.option("--probe", is_flag=True, help="Send a one-token request to each chain model.")
@click.option(
    "--stats", is_flag=True, help="Show each (task kind, model)'s draft outcomes (learning)."
)
def command(config: Path | None, free: bool, provider_name: str, probe: bool, stats: bool) -> int:
    """Show each task kind's model chain and the state of every model in it."""
    from ttabot.commands.trust_guard import guard
    from ttabot.report import printable

    # Chain refs, URLs and model names come from the project's files, a server or the
    # shared state: their control characters are shown, never sent to the terminal.
    root = project_root(working_folder())
    listed = load_settings(root, config)
    environ = os.environ
    guarded = guard(listed, root, config, environ)
    settings = guarded.settings
    if stats:
        _out(printable("\n".join(stats_lines(settings)), lines=True))
        return 0
    if free:
        if provider_name in guarded.untrusted:
            raise TtabotError(
                f"--provider {provider_name}: not trusted here (see the warning above)"
            )
        _out(printable("\n".join(free_lines(settings, provider_name, environ)), lines=True))
        return 0
    # Every chain model is listed, untrusted ones too; the state is the guarded one.
    shown_settings = listed._replace(state=settings.state, client=settings.client)
    _out(printable("\n".join(chain_lines(shown_settings, environ, guarded.untrusted)), lines=True))
    if probe:
        _out("probe:")
        lines, all_ok = asyncio.run(probe_lines(settings, environ))
        _out(printable("\n".join(lines), lines=True))
        return 0 if all_ok else 1
    return 0


def _out(text: str) -> None:
    """A line of ``text`` on stdout; a full disk is one ``ttabot: error:`` line, not a traceback."""
    from ttabot.commands.check_run import write_out

    write_out(click.echo, text + "\n")
