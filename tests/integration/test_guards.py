"""Device-side safety: guard words around the arena and at the stack limit are checked
after every block of inferences, and a corrupted one is an e-[...] line over the link,
never results; input of the wrong length is refused."""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path

import pytest

from tinydeploy.boards import load_board
from tinydeploy.build import build
from tinydeploy.codegen import generate_project
from tinydeploy.compile import compile_model
from tinydeploy.model.ir import read_model
from tinydeploy.targets import target_for

REPO = Path(__file__).resolve().parents[2]
KWS = REPO.parent / "shared" / "models" / "mlperf-tiny" / "kws_ref_model.tflite"
# Injected at the start of td_model_invoke: the first input byte picks a fault, so one
# host build serves every test (0x11: overrun past the arena, 0x22: underrun before it).
FAULTS = (
    "{ const int8_t *in_ = (const int8_t *)td_model_input();"
    " if (in_[0] == 0x11) ((volatile uint8_t *)td_mem.tail)[2] = 0u;"
    " if (in_[0] == 0x22) td_mem.head[3] = 0u; }"
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("cc") is None or shutil.which("make") is None, reason="needs a host C compiler (cc) and make"
    ),
]


def _firmware(tmp: Path, board_id: str, inject: str | None = None) -> tuple[Path, int]:
    """Build the KWS model's firmware; ``inject``: C run at the start of every inference."""
    if not KWS.is_file():
        pytest.skip(f"MLPerf Tiny model {KWS} is absent (../shared/models/mlperf-tiny)")
    cm = compile_model(read_model(KWS), tmp / "compiled")
    if inject:
        text = cm.model_c.read_text()
        head = "td_status td_model_invoke(void) {\n"
        assert text.count(head) == 1
        cm.model_c.write_text(text.replace(head, head + f"  {{ {inject} }}\n"))
    board = load_board(board_id)
    project = generate_project(board, [cm.model_c, *cm.headers], tmp / "project")
    return build(project, board).elf, int(cm.input["bytes"])


@pytest.fixture(scope="module")
def host_fw(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    return _firmware(tmp_path_factory.mktemp("guards"), "host", inject=FAULTS)


def _infer_lines(link, n: int = 1) -> list[str]:
    return link.command(f"infer {n}", check=False, timeout=60)


def test_intact_guards_and_input_length_checks(host_fw) -> None:
    elf, size = host_fw
    with target_for(load_board("host"), elf) as target:
        link = target.link
        assert link.memory()["arena_guard_ok"] is True
        # wrong lengths are refused, and a short load leaves no input to run
        assert "exceeds the input tensor size" in link.command(f"db load {size + 1}", check=False)[0]
        crc = f"{zlib.crc32(bytes(size - 1)):08x}"
        assert "must equal the input tensor size" in link.command(f"td-load {size - 1} {crc}", check=False)[0]
        assert link.command(f"db load {size}") == [f"m-[Expecting {size} bytes]"]
        for start in range(0, size - 1, 256):  # chunks: a command holds <= 1024 characters
            assert link.command("db " + "00" * min(256, size - 1 - start)) == []
        assert "no input loaded" in _infer_lines(link)[0]
        link.load_input(bytes(size))
        lines = _infer_lines(link, 3)
        assert "m-infer-done" in lines and lines[-1].startswith("m-results-[")
        assert link.memory()["arena_guard_ok"] is True


def test_arena_overrun_is_reported_not_returned(host_fw) -> None:
    """A kernel that writes one byte past the arena: the tail guard catches it."""
    elf, size = host_fw
    with target_for(load_board("host"), elf) as target:
        link = target.link
        link.load_input(b"\x11" + bytes(size - 1))
        for _ in range(2):  # sticky: the second run is refused as well
            lines = _infer_lines(link, 2)
            errors = [ln for ln in lines if ln.startswith("e-")]
            assert errors and "arena guard overwritten" in errors[0], lines
            assert not any(ln.startswith(("m-results", "m-infer-done")) for ln in lines)
        assert "no output" in link.command("td-out", check=False)[0]
        assert link.memory()["arena_guard_ok"] is False
        assert link.command("name") == ["m-name-dut-[tinydeploy]"]  # still responsive


def test_arena_underrun_is_reported(host_fw) -> None:
    elf, size = host_fw
    with target_for(load_board("host"), elf) as target:
        target.link.load_input(b"\x22" + bytes(size - 1))
        lines = _infer_lines(target.link)
        assert any("arena guard overwritten" in ln for ln in lines), lines


@pytest.mark.qemu
@pytest.mark.skipif(
    shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
    reason="needs arm-none-eabi-gcc and qemu-system-arm",
)
def test_stack_overflow_is_reported_on_the_emulated_board(tmp_path: Path) -> None:
    """The painted words at the stack limit overwritten (what a stack overflow does)."""
    elf, size = _firmware(tmp_path, "qemu-m4", inject="extern uint32_t __stack_limit; (&__stack_limit)[1] = 0u;")
    with target_for(load_board("qemu-m4"), elf) as target:
        link = target.link
        link.load_input(bytes(size))
        lines = _infer_lines(link)
        errors = [ln for ln in lines if ln.startswith("e-")]
        assert errors and errors[0].startswith("e-[stack overflow: "), lines
        assert not any(ln.startswith("m-results") for ln in lines)
