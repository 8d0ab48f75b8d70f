"""The link to a control plane: frames (docs/PROTOCOL.md) over one TCP or TLS connection, written by one thread."""
import json
import socket
import ssl
import struct
import threading
from collections import deque
from typing import Callable, List, Optional, Tuple

JOIN_FRAME_LIMIT = 64 * 1024
HEADER = struct.Struct(">I")
RESULT = "fastworker.link.result"


class LinkDown(Exception):
    """The link ended or could not be opened; the subworker dials again."""


def parse_address(address: str) -> Tuple[str, int, bool]:
    """``tcp://host:port`` or ``tls://host:port`` (``host:port`` means tcp) → (host, port, tls)."""
    tls = address.startswith("tls://")
    rest = address[len("tls://"):] if tls else address[len("tcp://"):] if address.startswith("tcp://") else address
    host, sep, port = rest.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("a control-plane address is tcp://host:port or tls://host:port, got %r" % address)
    return host.strip("[]"), int(port), tls


def tls_context(trust: Optional[str], cert: Optional[str], key: Optional[str]) -> ssl.SSLContext:
    """Checks the control plane's certificate chain (against ``trust``, else the system's CAs) and host name; with
    ``cert`` and ``key``, presents this subworker's certificate for mutual TLS."""
    if (cert is None) != (key is None):
        raise ValueError("a client certificate needs its key, and a key its certificate: set both or neither")
    context = ssl.create_default_context(cafile=trust)
    if cert:
        context.load_cert_chain(cert, key)
    return context


class Link:
    """One connection. ``send`` queues a message and returns at once; a writer thread writes the queue in order,
    several results in one frame when batching was agreed. ``written(keys)`` is told which results reached the
    socket."""

    def __init__(self, address: str, context_for_tls: Callable[[], ssl.SSLContext], connect_timeout: float = 10.0):
        host, port, tls = parse_address(address)
        self.address = address
        sock = socket.create_connection((host, port), timeout=connect_timeout)
        try:
            if tls:
                sock = context_for_tls().wrap_socket(sock, server_hostname=host)
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self._reader = sock.makefile("rb")
        self._queue: deque = deque()
        self._ready = threading.Condition()
        self._closed = False
        self.batch = False
        self.max_frame = JOIN_FRAME_LIMIT
        self.written: Callable[[List], None] = lambda keys: None
        self._writer = threading.Thread(target=self._write_loop, name="fastworker-link-writer", daemon=True)
        self._writer.start()

    def send(self, address: Optional[str], body, reply: Optional[str] = None, key=None) -> None:
        """Queues a ``send`` frame; ``key`` names a result, reported through ``written`` once it is on the wire."""
        with self._ready:
            if self._closed:
                raise LinkDown("the link is closed")
            self._queue.append((address, body, reply, key))
            self._ready.notify()

    def register(self, address: str) -> None:
        """Queues the ``register`` frame for this subworker's own address."""
        self.send(None, {"type": "register", "address": address})

    def read(self) -> Optional[dict]:
        """The next frame, or None when the control plane closed the link."""
        header = self._reader.read(4)
        if len(header) < 4:
            return None
        (length,) = HEADER.unpack(header)
        if length > max(self.max_frame, JOIN_FRAME_LIMIT) * 2:
            raise LinkDown("the control plane sent a frame of %d bytes, beyond any agreed limit" % length)
        payload = self._reader.read(length)
        if len(payload) < length:
            return None
        frame = json.loads(payload)
        if not isinstance(frame, dict):
            raise LinkDown("the control plane sent a frame that is no JSON object")
        return frame

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def _write_loop(self) -> None:
        try:
            while True:
                with self._ready:
                    while not self._queue and not self._closed:
                        self._ready.wait()
                    if self._closed and not self._queue:
                        return
                    items = list(self._queue)
                    self._queue.clear()
                frames, keys = self._frames(items)
                self._write_all(frames)
                if keys:
                    self.written(keys)
        except OSError:
            self.close()

    def _frames(self, items):
        """Encodes queued messages in order, joining neighbouring results into one frame while it fits."""
        frames, keys, results, size = [], [], [], 0
        limit = self.max_frame - 100

        def flush_results():
            nonlocal results, size
            if len(results) == 1:
                frames.append(_send_frame(RESULT, results[0], None))
            elif results:
                frames.append(b'{"type":"send","address":"' + RESULT.encode() + b'","body":{"results":['
                              + b",".join(results) + b"]}}")
            results, size = [], 0

        for address, body, reply, key in items:
            encoded = json.dumps(body, separators=(",", ":")).encode()
            if address is None:  # a whole frame of its own (register)
                flush_results()
                frames.append(encoded)
                continue
            if key is not None:
                keys.append(key)
            if address == RESULT and self.batch:
                if results and size + len(encoded) + 1 > limit:
                    flush_results()
                results.append(encoded)
                size += len(encoded) + 1
                continue
            flush_results()
            frames.append(_send_frame(address, encoded, reply))
        flush_results()
        return frames, keys

    def _write_all(self, frames) -> None:
        data = b"".join(HEADER.pack(len(f)) + f for f in frames)
        self._sock.sendall(data)


def _send_frame(address: str, encoded_body: bytes, reply: Optional[str]) -> bytes:
    head = {"type": "send", "address": address}
    if reply:
        head["replyAddress"] = reply
    return json.dumps(head, separators=(",", ":")).encode()[:-1] + b',"body":' + encoded_body + b"}"
