"""parse_diff: unified diff text -> Change, including the awkward corners."""

from __future__ import annotations

import pytest

from ttabot.change import decode_diff, parse_diff
from ttabot.errors import TtabotError
from ttabot.gitnames import quote, unquote
from ttabot.records import FileStatus

MODIFIED = """\
diff --git a/pkg/mod.py b/pkg/mod.py
index 1111111..2222222 100644
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -3,0 +4,2 @@ def f():
+    x = 1
+    return x
@@ -10 +12 @@ def g():
-    pass
+    return 2
"""

ADDED = """\
diff --git a/new.py b/new.py
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/new.py
@@ -0,0 +1,3 @@
+def f():
+
+    return 1
"""

DELETED = """\
diff --git a/old.py b/old.py
deleted file mode 100644
index 3333333..0000000
--- a/old.py
+++ /dev/null
@@ -1,2 +0,0 @@
-def f():
-    return 1
"""

PURE_RENAME = """\
diff --git a/a b.py b/c d.py
similarity index 100%
rename from a b.py
rename to c d.py
"""

RENAME_WITH_EDIT = """\
diff --git a/src/old.py b/src/new.py
similarity index 80%
rename from src/old.py
rename to src/new.py
index 1111111..2222222 100644
--- a/src/old.py
+++ b/src/new.py
@@ -2,0 +3 @@ def f():
+    return 3
"""

BINARY = """\
diff --git a/logo.png b/logo.png
new file mode 100644
index 0000000..4444444
Binary files /dev/null and b/logo.png differ
diff --git a/x.py b/x.py
index 1111111..2222222 100644
--- a/x.py
+++ b/x.py
@@ -1 +1 @@
-a = 1
+a = 2
"""

NO_NEWLINE = """\
diff --git a/x.py b/x.py
index 1111111..2222222 100644
--- a/x.py
+++ b/x.py
@@ -2 +2,2 @@
-b = 1
\\ No newline at end of file
+b = 2
+c = 3
\\ No newline at end of file
"""

QUOTED = """\
diff --git "a/caf\\303\\251/\\346\\227\\245.py" "b/caf\\303\\251/\\346\\227\\245.py"
new file mode 100644
index 0000000..5555555
--- /dev/null
+++ "b/caf\\303\\251/\\346\\227\\245.py"
@@ -0,0 +1 @@
+x = 1
"""

PLAIN_DIFF_U = """\
--- old/tool.py\t2024-01-01 10:00:00.000000000 +0000
+++ new/tool.py\t2024-01-02 10:00:00.000000000 +0000
@@ -1,2 +1,3 @@
 import os
+import sys
 print(os.name)
"""


def test_modified_file_lists_added_lines_of_the_new_version() -> None:
    (file,) = parse_diff(MODIFIED).files
    assert file.path == "pkg/mod.py"
    assert file.status is FileStatus.MODIFIED
    assert file.added_lines == frozenset({4, 5, 12})
    assert file.old_path is None


def test_new_file() -> None:
    (file,) = parse_diff(ADDED).files
    assert (file.path, file.status) == ("new.py", FileStatus.ADDED)
    assert file.added_lines == frozenset({1, 2, 3})


def test_deleted_file_keeps_its_old_path_and_adds_nothing() -> None:
    (file,) = parse_diff(DELETED).files
    assert (file.path, file.status, file.added_lines) == ("old.py", FileStatus.DELETED, frozenset())


def test_pure_rename_with_spaces_in_names() -> None:
    (file,) = parse_diff(PURE_RENAME).files
    assert (file.path, file.old_path, file.status) == ("c d.py", "a b.py", FileStatus.RENAMED)
    assert file.added_lines == frozenset()


def test_rename_with_edit() -> None:
    (file,) = parse_diff(RENAME_WITH_EDIT).files
    assert (file.path, file.old_path) == ("src/new.py", "src/old.py")
    assert file.status is FileStatus.RENAMED
    assert file.added_lines == frozenset({3})


def test_binary_file_is_marked_and_the_next_file_still_parses() -> None:
    binary, text = parse_diff(BINARY).files
    assert (binary.path, binary.is_binary, binary.status) == ("logo.png", True, FileStatus.ADDED)
    assert (text.path, text.is_binary, text.added_lines) == ("x.py", False, frozenset({1}))


def test_no_newline_marker_is_not_a_line() -> None:
    (file,) = parse_diff(NO_NEWLINE).files
    assert file.added_lines == frozenset({2, 3})


def test_git_quoted_non_ascii_path_is_unquoted() -> None:
    (file,) = parse_diff(QUOTED).files
    assert file.path == "café/日.py"


def test_plain_diff_u_output_with_timestamps() -> None:
    (file,) = parse_diff(PLAIN_DIFF_U).files
    assert file.path == "new/tool.py"
    assert file.added_lines == frozenset({2})


def test_crlf_lines_and_form_feeds_do_not_split_lines() -> None:
    text = (
        "diff --git a/w.py b/w.py\r\n"  # a CRLF header as some editors save diffs
        "--- a/w.py\r\n"
        "+++ b/w.py\r\n"
        "@@ -1,0 +2,3 @@\r\n"
        "+a = 1\r\n"
        "+\x0c\r\n"
        "+b = 2\r\n"
    )
    (file,) = parse_diff(text).files
    assert file.path == "w.py"
    assert file.added_lines == frozenset({2, 3, 4})


def test_non_utf8_bytes_survive_decoding() -> None:
    data = (
        b"diff --git a/l1.py b/l1.py\n--- a/l1.py\n+++ b/l1.py\n"
        b"@@ -1 +1,2 @@\n-x = 1\n+x = '\xe9t\xe9'\n+y = 2\n"
    )
    (file,) = parse_diff(decode_diff(data)).files
    assert file.added_lines == frozenset({1, 2})


def test_empty_diff_is_an_empty_change() -> None:
    assert parse_diff("").files == ()


@pytest.mark.parametrize(
    "text",
    [
        "hello, this is not a diff\n",
        "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1,5 @@\n+only one line\n",
    ],
    ids=["prose", "short-hunk"],
)
def test_text_that_is_not_a_diff_is_a_user_error(text: str) -> None:
    with pytest.raises(TtabotError) as info:
        parse_diff(text)
    assert "\n" not in str(info.value)
    assert "diff" in str(info.value)


@pytest.mark.parametrize(
    ("quoted", "plain"),
    [
        ("plain.py", "plain.py"),
        ('"a\\tb.py"', "a\tb.py"),
        ('"q\\"uote\\\\.py"', 'q"uote\\.py'),
        ('"\\303\\251.py"', "é.py"),
        ('"\\377.py"', "\udcff.py"),  # not UTF-8: kept as a surrogate, not a crash
    ],
)
def test_unquote(quoted: str, plain: str) -> None:
    assert unquote(quoted) == plain


@pytest.mark.parametrize(
    ("plain", "quoted"),
    [
        ("plain/é t.py", "plain/é t.py"),  # UTF-8 and spaces: as they are
        ("a\tb\nc.py", '"a\\tb\\nc.py"'),
        ('q"uote\\.py', '"q\\"uote\\\\.py"'),
        ("\udcff\x1b\x7f.py", '"\\377\\033\\177.py"'),
    ],
)
def test_quote_is_what_unquote_reads_back(plain: str, quoted: str) -> None:
    assert quote(plain) == quoted
    assert unquote(quote(plain)) == plain


def test_hundred_thousand_line_diff() -> None:
    lines = ["diff --git a/big.py b/big.py", "--- a/big.py", "+++ b/big.py"]
    lines.append("@@ -1,0 +2,100000 @@")
    lines.extend(f"+v{i} = {i}" for i in range(100_000))
    (file,) = parse_diff("\n".join(lines) + "\n").files
    assert len(file.added_lines) == 100_000
    assert max(file.added_lines) == 100_001


def test_symlinks_are_not_read_as_source() -> None:
    text = (
        "diff --git a/link.py b/link.py\nnew file mode 120000\nindex 0000000..1111111\n"
        "--- /dev/null\n+++ b/link.py\n@@ -0,0 +1 @@\n+real.py\n\\ No newline at end of file\n"
    )
    (file,) = parse_diff(text).files
    assert (file.path, file.is_binary) == ("link.py", True)


@pytest.mark.parametrize(
    ("text", "status", "binary"),
    [
        (  # a mode change: no ---/+++ lines, the same name on both sides
            "diff --git a/x b/y.py b/x b/y.py\nold mode 100644\nnew mode 100755\n",
            FileStatus.MODIFIED,
            False,
        ),
        (
            "diff --git a/x b/y.py b/x b/y.py\nindex 1111111..2222222 100644\n"
            "Binary files a/x b/y.py and b/x b/y.py differ\n",
            FileStatus.MODIFIED,
            True,
        ),
        (
            "diff --git a/x b/y.py b/x b/y.py\ndeleted file mode 100644\n"
            "index 1111111..0000000\n--- a/x b/y.py\t\n+++ /dev/null\n@@ -1 +0,0 @@\n-x = 1\n",
            FileStatus.DELETED,
            False,
        ),
    ],
)
def test_a_name_holding_space_b_slash_is_split_where_git_meant(
    text: str, status: FileStatus, binary: bool
) -> None:
    (file,) = parse_diff(text).files
    assert (file.path, file.status, file.is_binary) == ("x b/y.py", status, binary)


def test_a_rename_between_a_plain_and_a_quoted_name_with_spaces() -> None:
    long_name = "x b/" * 2000 + "y.py"  # a tree may hold a path of any length
    text = (
        f'diff --git a/{long_name} "b/t\\tb/z z.py"\nsimilarity index 90%\n'
        f'rename from {long_name}\nrename to "t\\tb/z z.py"\n'
        f'--- a/{long_name}\t\n+++ "b/t\\tb/z z.py"\n@@ -1,0 +2 @@\n+x = 1\n'
    )
    (file,) = parse_diff(text).files
    assert (file.old_path, file.path, file.added_lines) == (
        long_name,
        "t\tb/z z.py",
        frozenset({2}),
    )


def test_a_header_with_many_spaces_tries_only_a_few_splits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The test above passes as fast with a split tried at every space (each try slices
    # the header twice: quadratic in its length, yet 8,000 characters take
    # milliseconds). Counting the names read back pins the few places tried.
    import ttabot.gitnames as gitnames

    read: list[int] = []
    real = gitnames.unquote

    def counting(name: str) -> str:
        read.append(len(name))
        return real(name)

    monkeypatch.setattr(gitnames, "unquote", counting)
    long_name = "x b/" * 2000 + "y.py"
    text = (
        f'diff --git a/{long_name} "b/z z.py"\nsimilarity index 90%\n'
        f'rename from {long_name}\nrename to "z z.py"\n'
        f'--- a/{long_name}\t\n+++ "b/z z.py"\n@@ -1,0 +2 @@\n+x = 1\n'
    )
    (file,) = parse_diff(text).files
    assert (file.old_path, file.path) == (long_name, "z z.py")
    assert len(read) <= 40
