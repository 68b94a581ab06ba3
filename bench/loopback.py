"""A Live Link receiver on 127.0.0.1 that stamps every packet on arrival, for latency benches."""

from __future__ import annotations

import socket
import threading
import time

from engine.protocols import livelink_udp


class LoopbackReceiver(threading.Thread):
    """Collects (arrival time, decoded packet) pairs until `close()`."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.packets: list[tuple[float, livelink_udp.LiveLinkPacket]] = []
        self._done = threading.Event()
        self.start()

    def run(self):
        while not self._done.is_set():
            try:
                data = self.sock.recv(2048)
            except TimeoutError:
                continue
            self.packets.append((time.perf_counter(), livelink_udp.decode(data)))

    def close(self, linger: float = 0.2) -> None:
        """Waits `linger` seconds for packets still in flight, then stops."""
        time.sleep(linger)
        self._done.set()
        self.join()
        self.sock.close()
