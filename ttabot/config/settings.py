"""The settings records and their defaults: one frozen value, passed down.

The classes are ``NamedTuple``s, not frozen dataclasses, to keep ``dataclasses``
(and ``inspect``) out of ``ttabot check``, which runs on every commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from ttabot.errors import TtabotError
from ttabot.records import Category, TaskKind

OPENROUTER_URL = "https://openrouter.ai/api/v1"

_MISTRAL_SMALL = "openrouter:mistralai/mistral-small-3.2-24b-instruct:free"
_R1_QWEN3_8B = "openrouter:deepseek/deepseek-r1-0528-qwen3-8b:free"
_DEEPSEEK_V31 = "openrouter:deepseek/deepseek-chat-v3.1:free"
_QWEN3_CODER = "openrouter:qwen/qwen3-coder:free"
_LLAMA_33 = "openrouter:meta-llama/llama-3.3-70b-instruct:free"

#: Default chains: the seed study's primary first, then free fallbacks only.
DEFAULT_CHAINS: Mapping[TaskKind, tuple[str, ...]] = MappingProxyType(
    {
        TaskKind.SIMPLE_CODE: (_MISTRAL_SMALL, _QWEN3_CODER, _LLAMA_33),
        TaskKind.MODERATE_CODE: (_R1_QWEN3_8B, _QWEN3_CODER, _DEEPSEEK_V31),
        TaskKind.COMPLEX_CODE: (_R1_QWEN3_8B, _QWEN3_CODER, _DEEPSEEK_V31),
        TaskKind.UNIT_TESTS: (_R1_QWEN3_8B, _QWEN3_CODER, _DEEPSEEK_V31),
        TaskKind.REFACTORING: (_DEEPSEEK_V31, _QWEN3_CODER, _R1_QWEN3_8B),
        TaskKind.DOCUMENTATION: (_MISTRAL_SMALL, _LLAMA_33, _QWEN3_CODER),
    }
)


class Provider(NamedTuple):
    """An OpenAI-compatible endpoint.

    ``rpm`` paces requests under the provider's limit (``None``: not paced);
    OpenRouter's ``:free`` models share 20 requests a minute per account.
    """

    name: str
    base_url: str
    api_key_env: str | None = None
    rpm: float | None = None
    free_rpm: float | None = None
    headers: Mapping[str, str] = MappingProxyType({})
    #: Send ``response_format: json_object`` when a caller wants JSON (off for servers
    #: that reject it; the system message asks for JSON either way).
    json_mode: bool = True
    #: Ask for an SSE stream (time to first token, idle timeout); false for servers
    #: that cannot stream.
    stream: bool = True


DEFAULT_PROVIDERS: Mapping[str, Provider] = MappingProxyType(
    {
        "openrouter": Provider(
            name="openrouter",
            base_url=OPENROUTER_URL,
            api_key_env="OPENROUTER_API_KEY",
            free_rpm=20.0,
        ),
    }
)


class CheckSettings(NamedTuple):
    """What ``ttabot check`` reports and which findings fail the run."""

    max_complexity: int = 10
    max_params: int = 5
    fail_on: frozenset[Category] = frozenset({Category.DOCS_MISSING})
    categories: frozenset[Category] = frozenset(Category)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    #: Which version of the Findings contract (docs/findings.md) decides: 1 or 2.
    contract: int = 2
    #: ``all``: every finding in ``fail_on`` fails; ``new``: only those on definitions
    #: the change adds (no definition of that dotted name in the old file).
    fail_on_scope: str = "all"
    #: ``[per-path."GLOB"]`` tables, in file order: settings for the paths a glob matches.
    per_path: tuple[PathSettings, ...] = ()


class PathSettings(NamedTuple):
    """Check settings that apply to the paths ``pattern`` matches (later tables win).

    ``changes`` maps :class:`CheckSettings` field names to their values there.
    """

    pattern: str
    changes: Mapping[str, object]


class ClientSettings(NamedTuple):
    """How the rotating model client retries, waits and gives up."""

    attempt_timeout: float = 60.0
    deadline: float = 300.0
    backoff: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
    max_attempts: int = 12
    shared_state: bool = True
    state_dir: str | None = None
    #: Order chains by what each model's drafts came to (``ttabot models --stats``).
    learn: bool = True
    #: Seconds of the rolling window a provider's ``rpm`` counts over (tests shorten it).
    rate_window: float = 60.0
    #: Seconds a streamed attempt waits for its first content token.
    first_token_timeout: float = 30.0
    #: Seconds a streamed answer may stay silent between chunks (keep-alives do not count).
    idle_timeout: float = 30.0
    #: Largest response body accepted, after decompression (bytes).
    max_body: int = 8 * 1024 * 1024
    #: Send a slow request to the next free model too; the first valid answer wins.
    hedge: bool = True


class DraftSettings(NamedTuple):
    """How drafts are made and validated."""

    docstring_style: str = "auto"
    default_docstring_style: str = "google"
    reruns: int = 5
    test_timeout: float = 60.0
    feedback_rounds: int = 2
    docstring_batch: int = 8
    #: Interpreter for generated tests ("": the project's .venv/venv, else ttabot's own).
    python: str = ""
    #: "auto": generated code runs under bubblewrap where it works, else in a bare copy
    #: with a warning; "bwrap": never without bubblewrap (the Action always uses this).
    sandbox: str = "auto"
    #: Longest docstring (in lines) a model may draft; longer answers are rejected.
    max_docstring_lines: int = 60
    #: A refactor finding raised only by the parameter count: "suggest" (an explanation
    #: and a sketch, never applied) or "skip" (no request). Signatures are never changed.
    parameter_refactors: str = "suggest"
    #: Resource limits of every sandboxed run (0: that limit is off); docs/draft.md.
    #: Largest file generated code may write, bytes (RLIMIT_FSIZE).
    max_file_size: int = 256 * 1024 * 1024
    #: Memory per process, bytes (RLIMIT_DATA on Linux).
    max_memory: int = 4 * 1024 * 1024 * 1024
    #: Processes and threads a run may add to its user's (RLIMIT_NPROC; not for root).
    max_processes: int = 1024
    #: Size of each tmpfs in the sandbox (/tmp with HOME, /dev/shm), bytes (bwrap --size).
    tmp_size: int = 512 * 1024 * 1024


class GitHubSettings(NamedTuple):
    """Who may command the bot and how much it posts at once."""

    allowed_associations: tuple[str, ...] = ("OWNER", "MEMBER", "COLLABORATOR")
    max_review_comments: int = 30
    mode: str = "comment"
    #: Write a sticky comment on a clean PR too (an existing one is always updated).
    comment_when_clean: bool = False
    #: Triage kind -> repository label, as ``KIND=LABEL``; kinds left out are not applied.
    #: Defaults to GitHub's own labels (kinds: bug, feature, tests, docs, refactor).
    triage_labels: tuple[str, ...] = ("bug=bug", "feature=enhancement", "docs=documentation")


class StateSettings(NamedTuple):
    """Where shared state lives: ``url = "redis://…"``, or "" for the user cache folder."""

    url: str = ""


class Settings(NamedTuple):
    """Everything ttabot is told, as one value."""

    check: CheckSettings = CheckSettings()
    #: Read-only defaults shared by every Settings (the loader builds new mappings).
    providers: Mapping[str, Provider] = DEFAULT_PROVIDERS
    chains: Mapping[TaskKind, tuple[str, ...]] = DEFAULT_CHAINS
    client: ClientSettings = ClientSettings()
    draft: DraftSettings = DraftSettings()
    github: GitHubSettings = GitHubSettings()
    source: str = "defaults"
    state: StateSettings = StateSettings()


def split_model_ref(ref: str) -> tuple[str, str]:
    """Split ``PROVIDER:MODEL`` at the first colon (model ids contain colons)."""
    provider, sep, model = ref.partition(":")
    if not sep or not provider or not model:
        raise TtabotError(f"model reference {ref!r} is not PROVIDER:MODEL")
    return provider, model


# --- loading ---------------------------------------------------------------
