"""End to end: refactors never change a signature and apply only where tests run the function."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.drafting.conftest import answer, configure, user_prompt
from tests.drafting.test_draft_refactor_e2e import ANSWERS, BRANCHY, SIMPLE, TEST, WORDS
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.cli import main

#: A test module that imports the module but never calls ``grade``.
UNRELATED = (
    "import pkg.grade\n\n\ndef test_module():\n    assert pkg.grade.__name__ == 'pkg.grade'\n"
)

MANY = '''\
def connect(host, port, user, password, timeout, retries, verbose):
    """Connect."""
    return (host, port, user, password, timeout, retries, verbose)
'''


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["draft", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)["drafts"]


def grade_repo(repo: GitRepo, test_module: str) -> GitRepo:
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/grade.py", SIMPLE.format(name="grade", words=WORDS))
    repo.write("tests/test_grade.py", test_module)
    repo.commit("init")
    repo.write("pkg/grade.py", BRANCHY.format(name="grade"))
    return repo


def test_a_refactor_no_test_runs_is_only_a_suggestion(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    grade_repo(repo, UNRELATED)
    broken = 'def grade(n):\n    """Name a small number."""\n    return "many"\n'
    configure(repo, fake, lambda model, body: answer({"code": broken}))
    repo.stage()
    code, drafts = run(capsys, "--only", "refactor", "--apply")
    (draft,) = drafts
    assert draft["status"] == "suggestion", draft["stages"]
    assert "never run grade" in draft["reason"]
    assert (repo.path / "pkg/grade.py").read_text() == BRANCHY.format(name="grade")
    assert code == 0


def test_a_refactor_that_changes_the_signature_is_rejected(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    grade_repo(repo, TEST.format(name="grade", words=WORDS))
    changed = ANSWERS["grade"].replace("def grade(n):", "def grade(n, fallback='many'):")
    configure(repo, fake, lambda model, body: answer({"code": changed}))
    repo.stage()
    code, drafts = run(capsys, "--only", "refactor")
    (draft,) = drafts
    assert draft["status"] == "rejected" and code == 1
    stage = next(s for s in draft["stages"] if not s["passed"])
    assert stage["name"] == "signature"
    assert "(n) -> (n, fallback='many')" in stage["detail"]


@pytest.mark.parametrize("policy", ["suggest", "skip"])
def test_a_parameter_count_finding_gets_a_sketch_or_nothing_never_a_rewrite(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], policy: str
) -> None:
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    repo.write("pkg/net.py", MANY)
    prompts: list[str] = []

    def respond(model: str, body: Any) -> Reply:
        prompts.append(user_prompt(body))
        sketch = "@dataclass\nclass Login:\n    user: str\n    password: str\n"
        return answer({"explanation": "Group the login fields.", "code": sketch})

    configure(repo, fake, respond, **{"parameter-refactors": policy})
    repo.stage()
    code, drafts = run(capsys, "--only", "refactor", "--apply")
    assert code == 0
    assert (repo.path / "pkg/net.py").read_text() == MANY
    if policy == "skip":
        assert drafts == [] and prompts == []
        return
    (draft,) = drafts
    assert "must not change" in prompts[0] and "Refactor `" not in prompts[0]
    assert draft["status"] == "suggestion" and draft["diff"] == ""
    assert "Group the login fields." in draft["stages"][0]["detail"]
    assert "class Login" in draft["stages"][0]["detail"]


def test_a_docstring_is_drafted_against_the_refactored_code(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    grade_repo(repo, TEST.format(name="grade", words=WORDS))
    repo.write(
        "pkg/grade.py", BRANCHY.format(name="grade").replace('    """Name a small number."""\n', "")
    )
    order: list[str] = []

    def respond(model: str, body: Any) -> Reply:
        prompt = user_prompt(body)
        if prompt.startswith("Write docstrings"):
            order.append("docs")
            assert "_BY_NUMBER.get(n, 'many')" in prompt  # the final code is what is documented
            doc = "Name a small number.\n\nArgs:\n    n: The number."
            return answer({"docstrings": [{"symbol": "grade", "docstring": doc}]})
        order.append("refactor")
        return answer({"code": ANSWERS["grade"].replace('    """Name a small number."""\n', "")})

    configure(repo, fake, respond)
    repo.stage()
    code, drafts = run(capsys, "--only", "docs-missing,refactor", "--apply")
    assert order == ["refactor", "docs"]
    assert [d["status"] for d in drafts] == ["accepted", "accepted"] and code == 0
    module = (repo.path / "pkg/grade.py").read_text()
    assert module.startswith('def grade(n):\n    """Name a small number.\n')
    assert "_BY_NUMBER.get(n, 'many')" in module


def test_a_copy_is_made_only_for_an_answer_that_needs_one_and_shared_per_module(
    repo: GitRepo,
    fake: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ttabot.drafting import work
    from ttabot.drafting.isolation import project_copy as real

    made: list[str] = []

    def counting(root: Any, overlay: Any, **kwargs: Any) -> Any:
        made.append(str(root))
        return real(root, overlay, **kwargs)

    monkeypatch.setattr(work, "project_copy", counting)
    grade_repo(repo, TEST.format(name="grade", words=WORDS))
    # An answer that does not lower the complexity fails before any code runs: no copy.
    configure(repo, fake, lambda model, body: answer({"code": BRANCHY.format(name="grade")}))
    repo.stage()
    code, drafts = run(capsys, "--only", "refactor")
    assert [d["status"] for d in drafts] == ["rejected"] and code == 1
    assert made == []

    # A good refactor and a test task of the same module share one copy.
    new_test = "from pkg.grade import grade\n\n\ndef test_nine():\n    assert grade(9) == 'nine'\n"

    def respond(model: str, body: Any) -> Reply:
        if user_prompt(body).startswith("Write pytest tests"):
            return answer({"code": new_test})
        return answer({"code": ANSWERS["grade"]})

    repo.write(
        "tests/test_grade.py",
        "from pkg.grade import grade\n\n\ndef test_many():\n    assert grade(-1) == 'many'\n",
    )
    repo.git("add", "tests/test_grade.py")
    repo.git("commit", "-q", "-m", "fewer tests", "--", "tests/test_grade.py")
    configure(repo, fake, respond)
    repo.stage()
    code, drafts = run(capsys, "--only", "refactor,tests-needed")
    assert sorted(d["status"] for d in drafts) == ["accepted", "accepted"], drafts
    assert len(made) == 1
