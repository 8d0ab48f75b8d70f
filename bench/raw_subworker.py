#!/usr/bin/env python3
"""A raw loop over the link protocol for the SDK scenario (bench/run --sdks): standard-library Python, frames only,
no SDK. It joins with batching, answers every noop task at once (results batched per frame read) and sends
heartbeats; nothing else (no timeouts, no re-join). It shows what the protocol itself costs Python, against which the
SDK's own cost is measured.
    raw_subworker.py HOST:PORT WORKER_ID CONCURRENCY
"""
import json
import socket
import struct
import sys
import threading
import time

address, worker_id, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = address.replace("tcp://", "").split(",")[0].rsplit(":", 1)
sock = socket.create_connection((host, int(port)))
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
stream, lock = sock.makefile("rb"), threading.Lock()
me = "fastworker.worker." + worker_id


def send(frame):
    data = json.dumps(frame, separators=(",", ":")).encode()
    with lock:
        sock.sendall(struct.pack(">I", len(data)) + data)


def heartbeat():
    while True:
        time.sleep(1)
        send({"type": "send", "address": "fastworker.link.heartbeat", "body": {}})


send({"type": "register", "address": me})
send({"type": "send", "address": "fastworker.link.join", "replyAddress": "join",
      "body": {"protocol": 3, "workerId": worker_id, "tasks": ["noop"], "concurrency": concurrency, "batch": True}})
while True:
    header = stream.read(4)
    if len(header) < 4:
        break
    frame = json.loads(stream.read(struct.unpack(">I", header)[0]))
    body = frame.get("body") or {}
    if frame.get("address") == "join":
        threading.Thread(target=heartbeat, daemon=True).start()
        send({"type": "send", "address": "fastworker.link.credit", "body": {"credits": concurrency}})
    elif frame.get("address") == me:
        tasks = body["tasks"] if "tasks" in body else [body]
        results = [{"taskId": t["taskId"], "attempt": t["attempt"], "ok": True, "result": None, "credits": 1}
                   for t in tasks if "taskId" in t]
        if results:
            send({"type": "send", "address": "fastworker.link.result", "body": {"results": results}})
