"""End to end: hostile docstring answers from the fake model are rejected, good ones accepted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.drafting.conftest import configure
from tests.support import bad_answers
from tests.support.fake_openai import FakeOpenAI, ok
from tests.support.gitrepo import GitRepo
from ttabot.cli import main

MODULE = """\
def restock(item, count):
    return item + count


def price(amount):
    return amount * 2
"""
RESTOCK = "Add stock to an item.\n\nArgs:\n    item: The item.\n    count: How many to add."
PRICE = "Double an amount.\n\nArgs:\n    amount: The amount."


@pytest.mark.parametrize(
    ("name", "hostile"),
    [pytest.param(n, a, id=n) for n, a in sorted(bad_answers.hostile_docstrings(PRICE).items())],
)
def test_a_hostile_docstring_is_rejected_alone_and_never_written(
    repo: GitRepo,
    fake: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    name: str,
    hostile: str,
) -> None:
    repo.write("shop/__init__.py", "")
    repo.commit("init")
    repo.write("shop/stock.py", MODULE)

    def respond(model: str, body: Any) -> Any:
        return ok(bad_answers.docstrings_json({"restock": RESTOCK, "price": hostile}))

    configure(repo, fake, respond)
    repo.stage()
    code = main(["draft", "--only", "docs-missing", "--format", "json"])
    drafts = json.loads(capsys.readouterr().out)["drafts"]
    assert code == 1
    by_status = {d["status"]: d for d in drafts}
    assert set(by_status) == {"accepted", "rejected"}, name
    assert [f["symbol"] for f in by_status["accepted"]["findings"]] == ["restock"]
    rejected = by_status["rejected"]
    assert [f["symbol"] for f in rejected["findings"]] == ["price"]
    assert [s["name"] for s in rejected["stages"]] == ["docstring-text"]
    assert rejected["attempts"][0]["stage"] == "docstring-text"
    # The accepted diff adds only the good docstring: nothing of the hostile answer.
    added = [line[1:] for line in by_status["accepted"]["diff"].splitlines() if line[:1] == "+"][1:]
    assert "Double an amount" not in "\n".join(added)


def test_a_docstring_in_another_style_than_the_package_is_asked_again(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # The package writes Sphinx; the model answers Google first, Sphinx when told.
    repo.write("shop/__init__.py", "")
    repo.write("shop/money.py", 'def cents(x):\n    """Cents.\n\n    :param x: Euros.\n    """\n')
    repo.commit("init")
    repo.write("shop/stock.py", MODULE)
    sphinx = "Double an amount.\n\n:param amount: The amount."
    good_restock = "Add stock.\n\n:param item: The item.\n:param count: How many."
    seen: list[str] = []

    def respond(model: str, body: Any) -> Any:
        seen.append(body["messages"][-1]["content"])
        if len(seen) == 1:
            return ok(bad_answers.docstrings_json({"restock": good_restock, "price": PRICE}))
        return ok(bad_answers.docstrings_json({"price": sphinx}))

    configure(repo, fake, respond, **{"feedback-rounds": 1})
    repo.stage()
    code = main(["draft", "--only", "docs-missing", "--format", "json"])
    drafts = json.loads(capsys.readouterr().out)["drafts"]
    assert code == 0
    (price,) = drafts
    assert price["status"] == "accepted", price
    assert "this module's style is sphinx" in seen[1]
    assert [(a["stage"], a["ok"]) for a in price["attempts"]] == [
        ("docstring-text", False),
        ("inserted", True),
    ]
    assert ":param amount:" in price["diff"] and "Args:" not in price["diff"]
