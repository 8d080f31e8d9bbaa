"""Board farms through labgrid: a labgrid place stands for a board.

    with place_port(place="lab-nano-1") as port:        # acquire ... release
        Device(firmware, port=port)                     # rfc2217://exporter:port

or, from a labgrid environment file (its target's RemotePlace is acquired, or
its local serial port used):

    with place_port(env_file="farm.yaml") as port: ...

The place is acquired with `labgrid-client acquire` (the coordinator from
LG_COORDINATOR, as labgrid itself does) and released on exit, also when the
test fails. The serial resource becomes a pyserial URL: rfc2217:// or socket://
for a NetworkSerialPort (exported with ser2net), a device path for a local one.
Flashing through the farm is labgrid's job (its strategies); the plugin talks
to the firmware that the place's board runs (--td-no-flash).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

from tinydeploy.errors import DeviceError, ToolchainError

INSTALL = "pip install 'tinydeploy[hil]'  (or: pip install labgrid)"


def available() -> bool:
    try:
        import labgrid  # noqa: F401
    except ImportError:
        return False
    return True


def _require() -> None:
    if not available():
        raise ToolchainError(f"labgrid is not installed; install it with: {INSTALL}", tool="labgrid")


def _client() -> list[str]:
    beside = Path(sys.executable).with_name("labgrid-client")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("labgrid-client")
    if found:
        return [found]
    return [sys.executable, "-m", "labgrid.remote.client"]


def _run_client(place: str, verb: str, timeout: float, address: Optional[str] = None) -> None:
    cmd = _client() + (["-x", address] if address else []) + ["-p", place, verb]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise DeviceError(
            f"`labgrid-client {verb}` did not finish in {timeout:g} s; is the "
            f"coordinator at {coordinator()} reachable?",
            port=f"labgrid place {place}",
        ) from exc
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise DeviceError(
            f"`labgrid-client {verb}` failed: {lines[-1] if lines else proc.returncode} (coordinator {coordinator()})",
            port=f"labgrid place {place}",
        )


def coordinator() -> str:
    return os.environ.get("LG_COORDINATOR", "127.0.0.1:20408")


def serial_url(resource: Any) -> str:
    """A pyserial port name or URL for a labgrid serial resource."""
    protocol = getattr(resource, "protocol", None)
    if protocol is not None and getattr(resource, "host", None):
        scheme = {"rfc2217": "rfc2217", "raw": "socket"}.get(protocol)
        if scheme is None:
            raise DeviceError(f"serial protocol '{protocol}' is not supported (rfc2217 or raw)", port=str(resource))
        # ser2net does not answer RFC 2217 SET_CONTROL; labgrid's pyserial fork (a labgrid
        # dependency) can ignore it, as labgrid's own SerialDriver does.
        suffix = "?ign_set_control" if scheme == "rfc2217" else ""
        return f"{scheme}://{resource.host}:{resource.port}{suffix}"
    if getattr(resource, "port", None):
        return str(resource.port)
    raise DeviceError("the labgrid resource has no serial port (is it available?)", port=str(resource))


def _serial_resource(target: Any, timeout: float) -> Any:
    from labgrid.resource import NetworkSerialPort, SerialPort

    wanted = [r for r in target.resources if isinstance(r, (NetworkSerialPort, SerialPort))]
    if not wanted:
        names = ", ".join(type(r).__name__ for r in target.resources) or "none"
        raise DeviceError(
            f"no serial port among the resources ({names}); export the board's "
            "USB serial port (USBSerialPort) in the exporter configuration",
            port=f"labgrid target {target.name}",
        )
    try:
        target.await_resources([wanted[0]], timeout=timeout)
    except Exception as exc:  # labgrid raises its own NoResourceFoundError / timeout types
        raise DeviceError(
            f"the serial port did not become available within {timeout:g} s ({exc})",
            port=f"labgrid target {target.name}",
        ) from exc
    return wanted[0]


def _remote_places(env: Any, target_name: str) -> list[str]:
    """Names of the RemotePlace resources an environment file's target declares."""
    targets = env.config.data.get("targets") or {}
    resources = (targets.get(target_name) or {}).get("resources") or {}
    items = resources if isinstance(resources, list) else [resources]
    names = []
    for item in items:
        for cls, args in item.items():
            if cls == "RemotePlace" and isinstance(args, dict) and "name" in args:
                names.append(str(args["name"]))
    return names


@contextmanager
def place_port(
    place: Optional[str] = None, env_file: Optional[Path] = None, target_name: str = "main", timeout: float = 30.0
) -> Iterator[str]:
    """Acquire the place (or the environment's places), yield its serial port, release."""
    _require()
    import labgrid

    acquired: list[str] = []
    address: Optional[str] = None
    try:
        if env_file is not None:
            env = labgrid.Environment(str(env_file))
            address = env.config.get_option("coordinator_address", coordinator())
            for name in _remote_places(env, target_name):
                _run_client(name, "acquire", timeout, address)
                acquired.append(name)
            target = env.get_target(target_name)
            if target is None:
                raise DeviceError(f"no target '{target_name}' in the environment file", port=str(env_file))
        else:
            from labgrid.resource import RemotePlace

            assert place is not None
            _run_client(place, "acquire", timeout)
            acquired.append(place)
            target = labgrid.Target(f"tinydeploy-{place}")
            try:
                RemotePlace(target, name=place)
            except Exception as exc:
                raise DeviceError(
                    f"cannot read the place's resources from the coordinator at {coordinator()}: {exc}",
                    port=f"labgrid place {place}",
                ) from exc
        yield serial_url(_serial_resource(target, timeout))
    finally:
        for name in reversed(acquired):
            try:
                _run_client(name, "release", timeout, address)
            except DeviceError:
                pass  # never mask the test's own failure; the coordinator shows the lock
