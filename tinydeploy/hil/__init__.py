"""Hardware-in-the-loop testing: the library behind tinydeploy's pytest plugin.

firmware.py    build the model for a board once (pipeline stages, cached, locked)
device.py      Device: a running board + its Link + the tflite-micro reference
assertions.py  bit-exactness, accuracy, latency and memory budgets, clear messages
baseline.py    a committed JSON baseline: fail when flash/RAM/time grow
locks.py       one process per serial port (flock)
labgrid.py     a labgrid place (board farm) as the serial port
"""

from tinydeploy.hil.assertions import (
    HilAssertionError,
    assert_accuracy,
    assert_latency,
    assert_matches_reference,
    assert_memory,
)
from tinydeploy.hil.baseline import check_baseline
from tinydeploy.hil.device import Device
from tinydeploy.hil.firmware import Firmware, build_firmware, load_model, prebuilt

__all__ = [
    "Device",
    "Firmware",
    "HilAssertionError",
    "assert_accuracy",
    "assert_latency",
    "assert_matches_reference",
    "assert_memory",
    "build_firmware",
    "check_baseline",
    "load_model",
    "prebuilt",
]
