"""MLPerf Tiny compatibility: drive the firmware the way the EEMBC / MLPerf Tiny runner
does and check every reply against the formats that runner parses.

Facts from the runner and its reference firmware (mlcommons/tiny, api/internally_implemented.c
and the runner's device_under_test.py / script.py): a command is text ending in '%', at most
EE_CMD_SIZE = 80 characters; replies are lines ending "\\r\\n" and the last one is "m-ready";
`name` -> m-name-dut-[...]; `profile` -> m-profile-[...] and m-model-[<id>], where the
runner picks its test script by the id and knows only kws01, vww01, ic01 and ad01;
`db load N` -> m-[Expecting N bytes]; `db <hex>` chunks of 31 bytes (26 when a power
manager is attached: DUT._max_bytes), the one completing N -> m-load-done;
`infer N W` -> m-warmup-start-W, m-warmup-done, m-infer-start-N, two m-lap-us-<us>
(the runner's elapsed time is their difference), m-infer-done, m-results-[<floats>];
`results` -> m-results-[<floats>]; `db print` -> m-buffer-<hex>-<hex>-... lines of 8 bytes;
`help` -> the command list.
"""

from __future__ import annotations

import re
import time

import numpy as np

EE_CMD_SIZE = 80
RUNNER_CHUNK_BYTES = 31  # performance and accuracy mode
RUNNER_CHUNK_BYTES_ENERGY = 26  # with a power manager
NAME = re.compile(r"^m-(name)-dut-\[([^]]+)]$")
PROFILE = re.compile(r"^m-(model|profile)-\[([^]]+)]$")
LAP = re.compile(r"^m-lap-us-([0-9]+)$")
RESULTS = re.compile(r"^m-results-\[([^]]+)\]$")


def runner_send(link, cmd: str, timeout: float = 30.0) -> list[str]:
    """What the runner's send_command does: write cmd%, read lines up to m-ready.
    Checks the wire format on the way: every line ends in CR LF."""
    assert len(cmd) <= EE_CMD_SIZE, f"the runner never sends more than {EE_CMD_SIZE} chars"
    link._write(cmd.encode("ascii") + b"%")
    raw, deadline = b"", time.monotonic() + timeout
    while not raw.endswith(b"m-ready\r\n"):
        assert time.monotonic() < deadline, f"no m-ready after {cmd!r}; got {raw[-200:]!r}"
        raw += link.port.read(max(1, link.port.in_waiting or 1))
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), raw[-200:]
    lines = raw.decode("ascii").split("\r\n")[:-1]
    assert lines[-1] == "m-ready" and "m-ready" not in lines[:-1], lines
    assert not [ln for ln in lines if ln.startswith("e-")], lines
    return lines[:-1]


def test_runner_command_sequence(td_device) -> None:
    link = td_device.link
    link.resync()
    (name,) = runner_send(link, "name")
    assert NAME.match(name), name
    profile = dict(PROFILE.match(ln).groups() for ln in runner_send(link, "profile"))
    assert set(profile) == {"profile", "model"}
    # The reference KWS model is recognised by its hash and reports the runner's id;
    # any other model reports its name.
    from tinydeploy.model.mlperf import REFERENCE_MODELS

    want_id = REFERENCE_MODELS.get(td_device.firmware.model.model.sha256, td_device.info()["model"])
    assert profile["model"] == want_id
    help_lines = runner_send(link, "help")
    assert len(help_lines) >= 3 and any("db-print" in ln for ln in help_lines), help_lines

    x = td_device.random_inputs(1, seed=11)[0]
    data = x.tobytes()

    def runner_load(chunk_bytes: int = RUNNER_CHUNK_BYTES) -> None:
        assert runner_send(link, f"db load {len(data)}") == [f"m-[Expecting {len(data)} bytes]"]
        for off in range(0, len(data), chunk_bytes):
            chunk = data[off : off + chunk_bytes]
            lines = runner_send(link, "db " + "".join(f"{b:02x}" for b in chunk))
            last = off + chunk_bytes >= len(data)
            assert lines == (["m-load-done"] if last else []), (off, lines)

    runner_load(RUNNER_CHUNK_BYTES_ENERGY)
    # db print [N] [offset]: the loaded bytes, 8 to a line, as the runner's firmware prints them
    shown = runner_send(link, "db print 20 3")
    assert all(ln.startswith("m-buffer-") for ln in shown) and len(shown) == 3, shown
    got = bytes.fromhex("".join(ln[len("m-buffer-") :].replace("-", "") for ln in shown))
    assert got == data[3:23]
    runner_load()
    lines = runner_send(link, "infer 3 1")  # performance mode: N timed after W
    assert lines[:3] == ["m-warmup-start-1", "m-warmup-done", "m-infer-start-3"], lines
    laps = [int(LAP.match(ln).group(1)) for ln in lines if LAP.match(ln)]
    assert len(laps) == 2 and laps[1] >= laps[0], lines
    # The runner's latency is the lap difference: it must be the timed runs alone, the
    # same ticks td-cycles reports (no clock jump or print inside the timed block).
    cycles = link.cycles()
    elapsed_us = cycles["ticks"] * 1_000_000 // cycles["tick_hz"]
    assert abs((laps[1] - laps[0]) - elapsed_us) <= 1, (laps, cycles)
    assert LAP.match(lines[3]) and LAP.match(lines[4]) and lines[5] == "m-infer-done", lines
    assert RESULTS.match(lines[6]) and len(lines) == 7, lines
    (results_line,) = runner_send(link, "results")
    assert results_line == lines[6]

    # Accuracy mode: one input, `infer 1 0`, the results parsed as the runner does. (Only
    # the first inference after a load computes on the loaded input: the memory plan
    # reuses the input tensor for activations, as TFLite Micro's planner may too.)
    runner_load()
    lines = runner_send(link, "infer 1 0")
    (results_line,) = runner_send(link, "results")
    assert results_line == lines[-1]
    # The runner's parser: floats, one per output, the dequantized reference to 3 decimals.
    got = np.array([float(v) for v in RESULTS.match(results_line).group(1).split(",")])
    q = td_device.reference.output_details["quantization_parameters"]
    scale, zero = float(q["scales"][0]), int(q["zero_points"][0])
    want = scale * (td_device.reference.run(x).astype(np.float64).ravel() - zero)
    assert got.shape == want.shape and np.abs(got - want).max() <= 0.0006, (got, want)
    # And tinydeploy's own extension agrees with what the runner loaded.
    assert np.array_equal(np.frombuffer(link.output(), np.int8), td_device.reference.run(x).ravel())
