"""pytest-xdist: one worker per board under `--dist loadgroup`.

The plugin marks each board's tests with xdist_group("td-<board>"). xdist turns
that mark into a node-id suffix, which pytest 9 no longer lets it set (Node.nodeid
became read-only), so its loadgroup scheduler silently spreads a board's tests
over all workers. This scheduler keeps xdist's rule where the suffix exists and
otherwise groups by the board id in the test's parameter id: `test_x[qemu-m4]`,
`test_y[qemu-m4-case1]` both go to the worker holding qemu-m4's emulator or port.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional

_PARAMS = re.compile(r"\[(.*)\]$")


def board_of(nodeid: str, boards: Iterable[str]) -> Optional[str]:
    """The board id among a node id's parameter ids (the longest that matches)."""
    found = _PARAMS.search(nodeid)
    if not found:
        return None
    params = f"-{found.group(1)}-"
    hits = [b for b in boards if f"-{b}-" in params]
    return max(hits, key=len) if hits else None


def board_scheduler(config: Any, log: Any, boards: Iterable[str]) -> Any:
    from xdist.scheduler import LoadGroupScheduling

    known = sorted(set(boards))

    class BoardGroupScheduling(LoadGroupScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            if scope != nodeid:  # xdist's own @group suffix (pytest < 9)
                return scope
            board = board_of(nodeid, known)
            return f"td-{board}" if board else nodeid

    return BoardGroupScheduling(config, log)
