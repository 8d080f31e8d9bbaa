"""tdlink client: talk to the tinydeploy firmware over a serial port (pyserial).

link = Link(serial_port, name="qemu-m4")
link.info(); link.load_input(data); link.infer(n=10, warmup=1)
link.output(); link.memory(); link.cycles(); link.instructions()
"""

from tinydeploy.link.client import InferResult, Link, open_serial

__all__ = ["InferResult", "Link", "open_serial"]
