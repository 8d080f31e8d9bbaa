"""Fit and port checks come first: a model too big for the board and a missing or
busy serial port are one clear line before a project is written, PlatformIO is
looked for or anything is built (issue 18)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.conftest import mlperf_path
from tinydeploy.boards import load_board
from tinydeploy.cli import main


@pytest.fixture(scope="module")
def big_model(tmp_path_factory):
    """A real int8 model of 2.6 MB of weights (one 1024 x 2560 dense layer): over the
    flash of nano33ble (1 MB) and pico (2 MB)."""
    import tensorflow as tf

    from tinydeploy.model.convert import convert

    folder = tmp_path_factory.mktemp("big")
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((1024,)), tf.keras.layers.Dense(2560)])
    model.save(folder / "big.keras")
    np.save(folder / "cal.npy", np.random.default_rng(0).standard_normal((8, 1024)).astype("f4"))
    path = folder / "big.tflite"
    path.write_bytes(convert(folder / "big.keras", folder / "cal.npy").tflite)
    return path


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    return " ".join(err.split())


@pytest.mark.parametrize("runtime", ["aot", "tflm"])
def test_generate_refuses_a_model_too_big_for_the_board(tmp_path, capsys, big_model, runtime) -> None:
    out = tmp_path / "p"
    assert main(["generate", str(big_model), "--board", "nano33ble", "--runtime", runtime, "-o", str(out)]) == 1
    err = _one_line(capsys)
    board = load_board("nano33ble")
    room = board.flash_bytes - 16 * 1024
    assert "does not fit board 'nano33ble'" in err, err
    assert f"{room:,} available" in err and "flash:" in err
    needed = int(err.split("flash: ")[1].split(" bytes needed")[0].replace(",", ""))
    assert needed > 2_500_000  # the dense layer's weights, counted
    assert not out.exists()  # no project written


def test_flash_on_pico_says_it_does_not_fit_before_asking_for_platformio(
    tmp_path, capsys, monkeypatch, big_model
) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no PlatformIO on the path
    assert main(["flash", str(big_model), "--board", "pico", "-o", str(tmp_path / "f")]) == 1
    err = _one_line(capsys)
    assert "does not fit board 'pico'" in err and "pio" not in err.split(":")[0], err
    assert "install" not in err


def test_a_model_that_fits_still_generates(tmp_path, capsys) -> None:
    assert main(["generate", str(mlperf_path("kws")), "--board", "pico", "-o", str(tmp_path / "ok")]) == 0, (
        capsys.readouterr().err
    )
    assert (tmp_path / "ok" / "project" / "platformio.ini").is_file()


def test_a_missing_port_is_one_line_before_building(tmp_path, capsys) -> None:
    assert (
        main(
            [
                "flash",
                str(mlperf_path("kws")),
                "--board",
                "nano33ble",
                "--port",
                "/dev/ttyNONE",
                "-o",
                str(tmp_path / "m"),
            ]
        )
        == 1
    )
    err = _one_line(capsys)
    assert err.startswith("error: /dev/ttyNONE: no such port"), err
    assert not (tmp_path / "m").exists()


def test_a_busy_port_is_one_line_and_a_free_one_passes() -> None:
    from tinydeploy.errors import ConfigError, DeviceError
    from tinydeploy.link import open_serial
    from tinydeploy.targets import check_port

    board = load_board("nano33ble")
    master, slave = os.openpty()
    try:
        name = os.ttyname(slave)
        check_port(board, name)  # exists and opens: passes (and is closed again)
        check_port(board, None)  # no port given: found later by USB id
        held = open_serial(name, board.baud)  # another program holds it (exclusive lock)
        try:
            with pytest.raises(DeviceError, match=rf"^{name}: busy: another program"):
                check_port(board, name)
        finally:
            held.close()
        with pytest.raises(ConfigError, match=r"^--port: board 'qemu-m4' runs on qemu"):
            check_port(load_board("qemu-m4"), name)
    finally:
        os.close(master)
        os.close(slave)
