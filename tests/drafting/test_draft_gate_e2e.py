"""End to end: a scripted model serves wrapped docstrings seen on real runs, good ones on retry."""

from __future__ import annotations

import ast
import json
from typing import Any

import pytest

from tests.drafting.conftest import configure
from tests.support import bad_answers
from tests.support.fake_openai import FakeOpenAI, ok
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.cli import main

MODULE = """\
def restock(item, count):
    if count < 0:
        raise ValueError(count)
    return item + count


def low_stock(items, limit=3):
    return [i for i in items if i < limit]


def price(amount):
    return amount * 2
"""
RESTOCK = "Add stock to an item.\n\nArgs:\n    item: The item.\n    count: How many to add."
LOW = "Return the items below a limit.\n\nArgs:\n    items: Stock levels.\n    limit: The limit."
PRICE = "Double an amount.\n\nArgs:\n    amount: The amount."


@pytest.fixture
def repo_with_module(repo: GitRepo) -> GitRepo:
    repo.write("shop/__init__.py", "")
    repo.commit("init")
    repo.write("shop/stock.py", MODULE)
    return repo


def run(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    code = main(["draft", "--only", "docs-missing", "--format", "json"])
    return code, json.loads(capsys.readouterr().out)["drafts"]


def test_wrapped_answers_are_rejected_with_the_reason_fed_back_then_accepted(
    repo_with_module: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[str] = []

    def respond(model: str, body: Any) -> Reply:
        last = body["messages"][-1]["content"]
        seen.append(last)
        if len(seen) == 1:
            return ok(
                bad_answers.docstrings_json(
                    {
                        # cleanable: the definition unchanged apart from its docstring
                        "restock": bad_answers.wrapped_in_definition(
                            "def restock(item, count):",
                            RESTOCK,
                            "if count < 0:\n    raise ValueError(count)\nreturn item + count",
                        ),
                        # not cleanable: prose around a fence
                        "low_stock": bad_answers.chat_preamble("low_stock", LOW),
                        # not cleanable: triple quotes closed and reopened inside
                        "price": bad_answers.with_nested_quotes(PRICE),
                    }
                )
            )
        return ok(bad_answers.docstrings_json({"low_stock": LOW, "price": PRICE}))

    configure(repo_with_module, fake, respond, **{"feedback-rounds": 1})
    repo_with_module.stage()
    code, drafts = run(capsys)
    assert code == 0 and len(fake.calls) == 2
    # The retry quotes why each docstring was refused and asks only for those.
    assert "chat prose" in seen[1] and "triple quotes" in seen[1]
    assert "Answer again for these symbols only: low_stock, price" in seen[1]
    (only,) = drafts
    assert only["status"] == "accepted"
    assert {f["symbol"] for f in only["findings"]} == {"restock", "low_stock", "price"}
    assert only["cleaned"] == ["restock: definition"]
    assert [(a["stage"], a["ok"], a["requests"]) for a in only["attempts"]] == [
        ("docstring-text", False, 1),
        ("inserted", True, 1),
    ]
    assert "chat prose" in only["attempts"][0]["reason"]
    # What would be written holds exactly one definition per name and plain docstrings.
    proposed = "".join(
        line[1:] for line in only["diff"].splitlines(keepends=True)[2:] if line[:1] in " +"
    )
    tree = ast.parse(proposed)
    docs = {n.name: ast.get_docstring(n) for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert docs == {"restock": RESTOCK, "low_stock": LOW, "price": PRICE}


def test_a_batch_counts_its_requests_once_not_per_docstring(
    repo_with_module: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    def respond(model: str, body: Any) -> Reply:
        return ok(
            bad_answers.docstrings_json(
                {
                    "restock": RESTOCK,
                    "low_stock": bad_answers.wrapped_in_fence(LOW) + "\nimport os",
                    "price": "```python\n" + PRICE + "\n```\nThanks!",
                }
            )
        )

    configure(repo_with_module, fake, respond)
    repo_with_module.stage()
    code, drafts = run(capsys)
    assert code == 1 and len(fake.calls) == 1
    by_status: dict[str, list[dict[str, Any]]] = {}
    for d in drafts:
        by_status.setdefault(d["status"], []).append(d)
    assert [f["symbol"] for f in by_status["accepted"][0]["findings"]] == ["restock"]
    assert {d["findings"][0]["symbol"] for d in by_status["rejected"]} == {"low_stock", "price"}
    for d in by_status["rejected"]:
        assert d["stages"][0]["name"] == "docstring-text"
    assert sum(d["requests"] for d in drafts) == 1
    assert sum(a["requests"] for d in drafts for a in d["attempts"]) == 1


def test_libcst_work_runs_off_the_event_loop_thread(
    repo_with_module: GitRepo,
    fake: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from ttabot.drafting import docstring_check

    threads: list[str] = []
    real = docstring_check.check_docstrings

    def spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(docstring_check, "check_docstrings", spy)
    configure(
        repo_with_module,
        fake,
        lambda model, body: ok(
            bad_answers.docstrings_json({"restock": RESTOCK, "low_stock": LOW, "price": PRICE})
        ),
    )
    repo_with_module.stage()
    code, drafts = run(capsys)
    assert code == 0 and [d["status"] for d in drafts] == ["accepted"] and threads
    assert threading.main_thread().name not in threads
