"""``--apply`` where the target is no longer a regular file: skipped, never read or replaced.

A FIFO at a target's path blocked the read of its current text forever (and, fed
the drafted-against text, was replaced by a regular file); a folder there ended the
whole run with an error, so no other accepted draft was written.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from tests.drafting.test_output import V0, V1, make
from ttabot import fileio
from ttabot.drafting import output


class _Feeder:
    """Hands ``data`` to whoever opens ``fifo`` to read, each time (as a user script
    might): the old code read it, found the text it drafted against, and replaced it."""

    def __init__(self, fifo: Path, data: bytes) -> None:
        self.fifo, self.data = fifo, data
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.done.is_set():
            try:
                with open(self.fifo, "wb") as handle:  # blocks until a reader opens it
                    handle.write(self.data)
            except (BrokenPipeError, FileNotFoundError):
                pass  # the reader looked and went, or the FIFO was replaced

    def stop(self) -> None:
        """Stop serving; a writer still waiting in ``open`` is released by one reader."""
        self.done.set()
        # Until it has gone: it may not have reached its blocking open yet when a reader
        # comes and goes. A FIFO replaced meanwhile leaves it waiting on one now gone.
        for _ in range(1000):
            if not self.thread.is_alive() or not stat.S_ISFIFO(os.lstat(self.fifo).st_mode):
                return
            os.close(os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK))
            self.thread.join(timeout=0.01)


def test_a_fifo_at_the_target_is_skipped_not_read_or_replaced(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(V0)
    fifo = tmp_path / "b.py"
    os.mkfifo(fifo)
    feeder = _Feeder(fifo, V0.encode())
    try:
        drafts = [make(V0, V1, path="a.py"), make(V0, V1, path="b.py")]
        written, skipped = output.apply(tmp_path, drafts)
    finally:
        feeder.stop()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the user's FIFO
    assert written == ["a.py"] and (tmp_path / "a.py").read_text() == V1
    assert skipped == ["b.py: not a regular file: not written"]


def test_a_folder_at_the_target_is_skipped_and_the_other_files_are_written(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.py").write_text(V0)
    (tmp_path / "b.py").mkdir()
    drafts = [make(V0, V1, path="a.py"), make(V0, V1, path="b.py")]
    written, skipped = output.apply(tmp_path, drafts)
    assert written == ["a.py"] and (tmp_path / "a.py").read_text() == V1
    assert skipped == ["b.py: not a regular file: not written"]
    assert (tmp_path / "b.py").is_dir()


def test_the_writer_refuses_to_replace_a_fifo_without_reading_it(tmp_path: Path) -> None:
    # write_all_atomic reads each target's old content (to put it back on a failure);
    # a FIFO there must be an error, not a read that waits for a writer forever.
    (tmp_path / "a.py").write_text(V0)
    fifo = tmp_path / "b.py"
    os.mkfifo(fifo)
    feeder = _Feeder(fifo, b"")
    try:
        try:
            fileio.write_all_atomic(tmp_path, {"a.py": V1, "b.py": V1})
        except OSError as exc:
            error: OSError | None = exc
        else:
            error = None
    finally:
        feeder.stop()
    assert error is not None and "not a regular file" in str(error)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert (tmp_path / "a.py").read_text() == V0  # all or nothing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.py"]


def test_a_new_module_the_user_created_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    # The draft starts a new test module; the user wrote one at that path since.
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/test_calc.py").write_text("def test_mine():\n    pass\n")
    written, skipped = output.apply(tmp_path, [make("", "new\n", path="tests/test_calc.py")])
    assert written == []
    assert skipped == ["tests/test_calc.py: the file differs from the version drafted against"]
    assert (tmp_path / "tests/test_calc.py").read_text() == "def test_mine():\n    pass\n"


def test_a_file_whose_name_is_near_the_limit_is_written(tmp_path: Path) -> None:
    # The temporary beside it took the whole name plus 17 characters: past 255 bytes
    # the run failed ("File name too long") and nothing was applied.
    name = "m" * 245 + ".py"
    (tmp_path / name).write_text(V0)
    written, skipped = output.apply(tmp_path, [make(V0, V1, path=name)])
    assert (written, skipped) == ([name], [])
    assert (tmp_path / name).read_text() == V1
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_single_file_whose_name_is_near_the_limit_is_written(tmp_path: Path) -> None:
    # The same for write_atomic (ask --out, the state and trust files).
    target = tmp_path / ("\u00e9" * 125 + ".json")  # 254 bytes
    fileio.write_atomic(target, "{}\n")
    assert target.read_text() == "{}\n"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_new_module_whose_folder_is_now_a_file_is_skipped(tmp_path: Path) -> None:
    # It ended the run ("Not a directory", exit 2) and no other draft was written.
    (tmp_path / "a.py").write_text(V0)
    (tmp_path / "tests").write_text("not a folder\n")
    drafts = [make(V0, V1, path="a.py"), make("", "new\n", path="tests/test_calc.py")]
    written, skipped = output.apply(tmp_path, drafts)
    assert written == ["a.py"] and (tmp_path / "a.py").read_text() == V1
    assert skipped == ["tests/test_calc.py: a folder on its path is not a folder: not written"]
    assert (tmp_path / "tests").read_text() == "not a folder\n"
