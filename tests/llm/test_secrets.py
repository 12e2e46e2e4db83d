"""API keys never show up in errors, metrics, reprs or output, on any error path."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tests.llm.conftest import FAKE_KEY, KIND, make_settings
from tests.support import fake_openai as f
from tests.support.fake_openai import FakeOpenAI
from tests.support.loopback import Reply
from ttabot.llm import RotatingClient

PROMPT = [{"role": "user", "content": "hi"}]


def leaky(builder: Any) -> Any:
    """A responder whose error message echoes the request's Authorization header."""

    def respond(model: str, body: Any) -> Reply:
        reply = builder()
        return Reply(
            reply.status, {"error": {"message": f"bad key {FAKE_KEY} sent"}}, reply.headers
        )

    return respond


def test_no_error_path_reveals_the_key(fake: FakeOpenAI, tmp_path: Path) -> None:
    builders = [
        f.unauthorized,
        f.payment_required,
        f.forbidden,
        f.bad_request,
        f.server_error,
        f.error_in_200,
        f.rate_limited,
        f.context_length,
    ]
    outputs: list[str] = []
    for builder in builders:
        fake.responder = leaky(builder)
        settings = make_settings(
            fake.base_url, tmp_path, chain=("a",), max_attempts=2, deadline=1.0, shared_state=False
        )

        async def main(settings: Any = settings) -> None:
            async with RotatingClient(settings, environ={"FAKE_API_KEY": FAKE_KEY}) as client:
                result = await client.complete(KIND, PROMPT)
                outputs.extend(
                    [
                        repr(result),
                        str(result.error),
                        repr(client),
                        json.dumps(client.metrics.as_dict()),
                        client.metrics.render(),
                        repr(client.target("fake:a")),
                    ]
                )
                assert not result.ok

        asyncio.run(main())
    assert all(call.headers["authorization"] == f"Bearer {FAKE_KEY}" for call in fake.calls)
    joined = "\n".join(outputs)
    assert "bad key *** sent" in joined  # the message is kept, the key is not
    assert FAKE_KEY not in joined


def test_invalid_output_echoing_the_key_is_redacted(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.responder = lambda model, body: f.ok(json.dumps({"kind": FAKE_KEY}))
    schema = {"type": "object", "properties": {"kind": {"enum": ["a", "b"]}}}
    settings = make_settings(fake.base_url, tmp_path, chain=("a", "b"), shared_state=False)

    async def main() -> str:
        async with RotatingClient(settings, environ={"FAKE_API_KEY": FAKE_KEY}) as client:
            result = await client.complete(KIND, PROMPT, schema=schema)
            assert not result.ok
            return repr(result) + client.metrics.render()

    text = asyncio.run(main())
    assert "is not one of" in text and "***" in text
    assert FAKE_KEY not in text


def test_a_key_cut_in_half_by_the_message_cap_is_not_half_shown(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    # The provider's error message is capped (300 characters); a key the provider
    # echoes across the cap was cut in two, and the exact-match redaction then let
    # its first part through to the user, the metrics and the job summary.
    for cut in (4, 12, len(FAKE_KEY) - 1):
        padding = "x" * (300 - cut)

        def respond(model: str, body: Any, padding: str = padding) -> Reply:
            return Reply(401, {"error": {"message": f"{padding}{FAKE_KEY} was sent"}}, {})

        fake.responder = respond
        settings = make_settings(fake.base_url, tmp_path, chain=("a",), shared_state=False)

        async def main(settings: Any = settings) -> str:
            async with RotatingClient(settings, environ={"FAKE_API_KEY": FAKE_KEY}) as client:
                result = await client.complete(KIND, PROMPT)
                assert not result.ok
                return f"{result.error}\n{client.metrics.render()}"

        text = asyncio.run(main())
        assert padding in text  # the message is shown, up to the cap
        assert FAKE_KEY[:cut] not in text, cut


def test_a_redirect_is_not_followed_and_the_next_model_answers(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    # A 307 keeps the method, body and (were httpx to follow it) the Authorization
    # header: the provider's redirect must never reach the address it names. The
    # request itself is fine, so the chain goes on instead of failing.
    from tests.support.fake_openai import fake_openai

    with fake_openai() as elsewhere:
        target = f"{elsewhere.base_url}/chat/completions"

        def respond(model: str, body: Any) -> Reply:
            if model == "a":
                return Reply(307, b"", {"Location": target})
            return f.ok("Done.")

        fake.responder = respond
        settings = make_settings(fake.base_url, tmp_path, chain=("a", "b"), shared_state=False)

        async def main() -> Any:
            async with RotatingClient(settings, environ={"FAKE_API_KEY": FAKE_KEY}) as client:
                return await client.complete(KIND, PROMPT)

        result = asyncio.run(main())
        assert elsewhere.calls == []
    assert result.ok and result.model == "fake:b"


def test_credentials_in_a_base_url_stay_out_of_the_shared_state(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    # Cooldowns, daily quotas and the limiter's windows are keyed by the model's URL,
    # written to the cache folder (readable by other users) and to a Redis that other
    # runners share: a password in the URL's user part (a proxy's) went along.
    from ttabot.config import Provider

    host = fake.base_url.removeprefix("http://")
    url = f"http://user:pw-SECRET-1@{host}"
    provider = Provider(name="fake", base_url=url, rpm=600)
    settings = make_settings(fake.base_url, tmp_path, chain=("a:free",))
    settings = settings._replace(providers={"fake": provider})
    reset = str(int((fake_now() + 3 * 3600) * 1000))
    quota = {"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    fake.responder = lambda model, body: Reply(429, {"error": {"message": "x"}}, quota)

    async def main() -> None:
        async with RotatingClient(settings, environ={}) as client:
            assert not (await client.complete(KIND, PROMPT, deadline=1.0)).ok

    asyncio.run(main())
    written = {p.name: p.read_text() for p in tmp_path.iterdir() if p.suffix == ".json"}
    assert {"cooldowns.json", "quota.json", "limits.json"} <= set(written)
    for name, text in written.items():
        assert "SECRET" not in text
        assert name == "learning.json" or host in text  # still keyed by where the model is


def fake_now() -> float:
    import time

    return time.time()


def test_an_answer_echoing_the_key_does_not_carry_it_into_drafts(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    # A provider (a debugging proxy, an echo server) that repeats the request's headers
    # in its answer: the answer becomes a draft, a suggestion, a PR comment or a commit.
    # A key's own provider has it already; the project's readers must not.
    fake.responder = lambda model, body: f.ok(json.dumps({"kind": f"Bearer {FAKE_KEY}"}))
    schema = {"type": "object", "properties": {"kind": {"type": "string"}}}
    settings = make_settings(fake.base_url, tmp_path, chain=("a",), shared_state=False)

    async def main() -> tuple[Any, Any]:
        async with RotatingClient(settings, environ={"FAKE_API_KEY": FAKE_KEY}) as client:
            plain = await client.complete(KIND, PROMPT)
            structured = await client.complete(KIND, PROMPT, schema=schema)
            return plain, structured

    plain, structured = asyncio.run(main())
    assert plain.ok and structured.ok
    assert FAKE_KEY not in plain.content and "Bearer ***" in plain.content
    assert structured.data == {"kind": "Bearer ***"}


def test_a_key_too_short_to_be_one_does_not_mangle_answers(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    # Local servers are often given a placeholder key ("none", "EMPTY"): masking
    # every "none" in a docstring would corrupt the draft and protect nothing.
    fake.responder = lambda model, body: f.ok("Returns none of the items.")
    settings = make_settings(fake.base_url, tmp_path, chain=("a",), shared_state=False)

    async def main() -> Any:
        async with RotatingClient(settings, environ={"FAKE_API_KEY": "none"}) as client:
            return await client.complete(KIND, PROMPT)

    assert asyncio.run(main()).content == "Returns none of the items."


def test_a_key_in_an_invalid_value_cut_by_the_quote_cap_is_not_half_shown(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    # Schema errors quote at most 80 characters of the model's value; a key the answer
    # echoes across that cut must not be left half there (answers are masked first).
    value = "x" * 70 + FAKE_KEY
    fake.responder = lambda model, body: f.ok(json.dumps({"kind": value}))
    schema = {"type": "object", "properties": {"kind": {"enum": ["a", "b"]}}}
    settings = make_settings(fake.base_url, tmp_path, chain=("a",), shared_state=False)

    async def main() -> str:
        async with RotatingClient(settings, environ={"FAKE_API_KEY": FAKE_KEY}) as client:
            result = await client.complete(KIND, PROMPT, schema=schema)
            assert not result.ok
            return str(result.error)

    error = asyncio.run(main())
    assert "is not one of" in error and FAKE_KEY[:6] not in error


def test_models_free_names_the_provider_without_its_password(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    from tests.support.fake_openai import free_model
    from ttabot.commands.models import free_lines
    from ttabot.config import Provider

    fake.catalog = [free_model("m:free")]
    host = fake.base_url.removeprefix("http://")
    provider = Provider(name="fake", base_url=f"http://user:pw-SECRET@{host}")
    settings = make_settings(fake.base_url, tmp_path)._replace(providers={"fake": provider})
    lines = free_lines(settings, "fake", {})
    assert lines[0] == f"1 free models at http://{host}:"
    assert "SECRET" not in "\n".join(lines)


def test_a_key_wrapped_over_lines_is_masked_in_errors_and_answers(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    # A provider (or a proxy before it) that wraps what it echoes at a column: the key
    # reaches the message and the answer with a line break and indentation inside it,
    # which a whole match missed (the review's redaction already found it so).
    wrapped = f"{FAKE_KEY[:8]}\n    {FAKE_KEY[8:]}"
    replies = iter(
        [
            Reply(401, {"error": {"message": f"bad key {wrapped} sent"}}, {}),
            f.ok(f"Bearer {wrapped}"),
        ]
    )
    fake.responder = lambda model, body: next(replies)
    settings = make_settings(fake.base_url, tmp_path, chain=("a", "b"), shared_state=False)

    async def main() -> tuple[Any, str]:
        async with RotatingClient(settings, environ={"FAKE_API_KEY": FAKE_KEY}) as client:
            result = await client.complete(KIND, PROMPT)
            return result, client.metrics.render()

    result, metrics = asyncio.run(main())
    assert FAKE_KEY[8:] not in metrics and FAKE_KEY[8:] not in repr(result)
    assert result.ok and result.content == "Bearer ***"


def test_a_short_key_is_masked_in_errors_though_not_in_answers(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    # Errors reach the user and the job summary, and masking a word in one costs
    # nothing: every key is masked there, however short. Answers become drafts, where
    # a key of placeholder length is left alone (the test above).
    short = "Zq7x9"
    fake.responder = lambda model, body: Reply(
        401, {"error": {"message": f"bad key {short} sent"}}, {}
    )
    settings = make_settings(fake.base_url, tmp_path, chain=("a",), shared_state=False)

    async def main() -> str:
        async with RotatingClient(settings, environ={"FAKE_API_KEY": short}) as client:
            result = await client.complete(KIND, PROMPT)
            assert not result.ok
            return f"{result.error}\n{result!r}"

    error = asyncio.run(main())
    assert "bad key *** sent" in error and short not in error
