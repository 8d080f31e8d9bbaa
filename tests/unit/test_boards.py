"""Board profiles: every shipped profile loads; mistakes name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinydeploy.boards import DEFAULT_BOARD, Board, list_boards, load_board, load_board_file
from tinydeploy.cli import main
from tinydeploy.errors import BoardError

GOOD = """\
id = "{id}"
name = "Test board"
cpu = "cortex-m4"
fpu = true
dsp = true
clock_hz = 25_000_000
flash_origin = 0
flash_bytes = 0x400000
ram_origin = 0x20000000
ram_bytes = 0x400000
stack_bytes = 16384
platform = "qemu"
build = "make"
hal = "cmsdk"
timer = "systick"
baud = 115200
uart_base = 0x40004000
qemu_machine = "mps2-an386"
"""

EXPECTED = {
    "qemu-m4",
    "qemu-m3",
    "qemu-m7",
    "qemu-m33",
    "qemu-m55",
    "qemu-m0",
    "qemu-microbit",
    "host",
    "nano33ble",
    "pico",
    "nucleo_f746zg",
    "esp32-s3",
}


def write(tmp_path: Path, text: str, board_id: str = "tb") -> Path:
    path = tmp_path / f"{board_id}.toml"
    path.write_text(text.format(id=board_id))
    return path


def test_all_shipped_boards_load() -> None:
    boards = {b.id: b for b in list_boards()}
    assert EXPECTED <= set(boards)
    assert DEFAULT_BOARD == "qemu-m4"
    m4 = boards["qemu-m4"]
    assert (m4.qemu_machine, m4.uart_base, m4.clock_hz) == ("mps2-an386", 0x40004000, 25_000_000)
    assert boards["qemu-m33"].flash_origin == 0x10000000  # Secure alias: AN505 init-svtor
    assert boards["nano33ble"].flash_bytes == 1 << 20 and boards["nano33ble"].ram_bytes == 256 * 1024
    assert boards["pico"].ram_bytes == 264 * 1024
    assert boards["nucleo_f746zg"].ram_bytes == 320 * 1024
    assert boards["esp32-s3"].flash_bytes == 8 << 20


def test_board_is_frozen() -> None:
    board = load_board("qemu-m4")
    with pytest.raises(Exception):
        board.clock_hz = 1  # type: ignore[misc]
    assert isinstance(board, Board) and board.emulated


def test_unknown_board_lists_known_ones() -> None:
    with pytest.raises(BoardError) as err:
        load_board("qemu-m99")
    assert "unknown board 'qemu-m99'" in str(err.value)
    assert "qemu-m4" in str(err.value) and "nano33ble" in str(err.value)


def test_good_profile_loads(tmp_path: Path) -> None:
    board = load_board_file(write(tmp_path, GOOD))
    assert board.id == "tb" and board.usb_vid is None


def test_missing_key_names_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("clock_hz = 25_000_000\n", ""))
    with pytest.raises(BoardError) as err:
        load_board_file(path)
    assert str(path) in str(err.value) and "missing key 'clock_hz'" in str(err.value)


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "clock_mhz = 25\n")
    with pytest.raises(BoardError) as err:
        load_board_file(path)
    assert str(path) in str(err.value) and "unknown key 'clock_mhz'" in str(err.value)


@pytest.mark.parametrize(
    "old,new,message",
    [
        ("clock_hz = 25_000_000", 'clock_hz = "25 MHz"', "key 'clock_hz' must be int, not str"),
        ("fpu = true", "fpu = 1", "key 'fpu' must be bool, not int"),
        ("baud = 115200", "baud = true", "key 'baud' must be int, not bool"),
        ('cpu = "cortex-m4"', 'cpu = "cortex-a53"', "key 'cpu' = 'cortex-a53' is not one of"),
        ('platform = "qemu"', 'platform = "docker"', "key 'platform' = 'docker' is not one of"),
        ("stack_bytes = 16384", "stack_bytes = 0x500000", "key 'stack_bytes'"),
        ('qemu_machine = "mps2-an386"\n', "", "missing key 'qemu_machine' (required for platform 'qemu')"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(BoardError) as err:
        load_board_file(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text(GOOD.format(id="tb"))
    with pytest.raises(BoardError, match="must match the file name 'other'"):
        load_board_file(path)


def test_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "id = \n")
    with pytest.raises(BoardError, match="not valid TOML"):
        load_board_file(path)


def test_boards_command_lists_boards(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["boards", "--json"]) == 0
    out = capsys.readouterr().out
    assert all(f'"{b}"' in out for b in EXPECTED)
    assert main(["boards"]) == 0
    assert "qemu-m4" in capsys.readouterr().out


def test_cortex_m0_boards_are_the_microbit_machine_real_and_enlarged() -> None:
    from tinydeploy.targets.qemu import QemuTarget

    real, big = load_board("qemu-microbit"), load_board("qemu-m0")
    for b in (real, big):
        assert (b.cpu, b.dsp, b.fpu, b.qemu_machine, b.hal) == ("cortex-m0", False, False, "microbit", "nrf51")
    # the nRF51822-QFAA of the micro:bit v1: QEMU's own defaults, no -global needed
    assert (real.flash_bytes, real.ram_bytes, real.qemu_args) == (256 * 1024, 16 * 1024, None)
    argv = QemuTarget(big, Path("fw.elf")).command_line(1234)
    # the enlarged sizes reach QEMU from the profile's own keys (one definition)
    assert f"nrf51-soc.flash-size={big.flash_bytes}" in argv
    assert f"nrf51-soc.sram-size={big.ram_bytes}" in argv
    assert big.ram_bytes > real.ram_bytes and "enlarged" in big.name
    # TIMER0's 62.5 ns tick must stay under half an instruction: 2^7 ns
    assert argv[argv.index("-icount") + 1] == "shift=7"
    assert 1e9 / 16_000_000 < (1 << big.qemu_icount_shift) / 2
    m4 = QemuTarget(load_board("qemu-m4"), Path("fw.elf")).command_line(1234)
    assert m4[m4.index("-icount") + 1] == "shift=6" and "-global" not in m4


def test_qemu_args_placeholder_must_be_a_profile_key(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + 'qemu_args = "-global x.size={{ram_size}}"\n')
    with pytest.raises(BoardError) as err:
        load_board_file(path)
    assert str(path) in str(err.value) and "key 'qemu_args'" in str(err.value)
    assert "ram_size" in str(err.value)
    ok = load_board_file(write(tmp_path, GOOD + 'qemu_args = "-global x.size={{ram_bytes}}"\n', "ok"))
    assert ok.qemu_args == "-global x.size={ram_bytes}"


def test_mve_key_defaults_off_and_needs_an_armv8_1m_cpu(tmp_path: Path) -> None:
    assert load_board_file(write(tmp_path, GOOD.format(id="tb"))).mve is False
    assert load_board("qemu-m55").mve is True
    assert not any(b.mve for b in list_boards() if b.cpu != "cortex-m55")
    with pytest.raises(BoardError, match="key 'mve' = true needs an Armv8.1-M cpu"):
        load_board_file(write(tmp_path, GOOD.format(id="tb") + "mve = true\n"))
    with pytest.raises(BoardError, match="key 'mve' must be bool"):
        load_board_file(write(tmp_path, GOOD.format(id="tb") + "mve = 1\n"))
