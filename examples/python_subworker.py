#!/usr/bin/env python3
"""A FastWorker subworker in plain Python 3 (standard library only), to show the link protocol is language-neutral.

It joins a control plane, announces the tasks `py_reverse(text)` (returns the text reversed) and `py_sleep(ms)`
(sleeps, returns ms) and runs them one at a time (concurrency 1).
See docs/PROTOCOL.md. Usage:
    python3 examples/python_subworker.py --address tcp://127.0.0.1:5555 --worker-id py1 [--token SECRET]
A TLS link (tls://host:port) checks the control plane's certificate against --trust (a CA file; else the system's
CAs) and its host name; for mutual TLS add --cert and --key (PEM), a certificate that names the worker id.
"""
import argparse
import json
import socket
import ssl
import struct
import threading
import time
import uuid


def send_frame(sock, lock, frame):
    data = json.dumps(frame).encode("utf-8")
    with lock:
        sock.sendall(struct.pack(">I", len(data)) + data)


def read_frame(sock):
    header = read_exact(sock, 4)
    if header is None:
        return None
    (length,) = struct.unpack(">I", header)
    payload = read_exact(sock, length)
    return None if payload is None else json.loads(payload.decode("utf-8"))


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


class NonRetryable(Exception):
    """Raised by a task whose failure is final: the control plane fails the task without a retry."""


def py_reverse(text):
    if not isinstance(text, str):
        raise NonRetryable("text must be a string, got %s" % type(text).__name__)
    return text[::-1]


def py_sleep(ms):
    time.sleep(ms / 1000.0)
    return ms


TASKS = {"py_reverse": py_reverse, "py_sleep": py_sleep}
# Announced at join, so that the control plane refuses a submission whose arguments cannot bind (400).
PARAMETERS = {"py_reverse": ["text"], "py_sleep": ["ms"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", default="tcp://127.0.0.1:5555")
    parser.add_argument("--worker-id", default="py-%d" % int(time.time()))
    parser.add_argument("--token")
    parser.add_argument("--trust", help="CA certificates (PEM) for a tls:// address; default: the system's")
    parser.add_argument("--cert", help="client certificate (PEM) for a mutual-TLS link")
    parser.add_argument("--key", help="private key (PEM) of --cert")
    args = parser.parse_args()
    tls = args.address.startswith("tls://")
    host, port = args.address.replace("tcp://", "").replace("tls://", "").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    if tls:
        context = ssl.create_default_context(cafile=args.trust)  # verifies the chain and the host name
        if args.cert:
            context.load_cert_chain(args.cert, args.key)
        sock = context.wrap_socket(sock, server_hostname=host)
    lock = threading.Lock()
    me = "fastworker.worker." + args.worker_id

    def send(address, body, reply=None):
        frame = {"type": "send", "address": address, "body": body}
        if reply:
            frame["replyAddress"] = reply
        send_frame(sock, lock, frame)

    send_frame(sock, lock, {"type": "register", "address": me})
    join = {"protocol": 1, "workerId": args.worker_id, "tasks": sorted(TASKS), "parameters": PARAMETERS,
            "concurrency": 1}
    if args.token:
        join["token"] = args.token
    join_reply = str(uuid.uuid4())
    send("fastworker.link.join", join, join_reply)

    def heartbeat():
        while True:
            time.sleep(1)
            try:
                send("fastworker.link.heartbeat", {})
            except OSError:
                return

    while True:
        frame = read_frame(sock)
        if frame is None:
            print("control plane closed the link", flush=True)
            return
        if frame.get("type") == "err":
            print("refused: " + frame.get("message", ""), flush=True)
            return
        if frame.get("address") == join_reply:
            if not (frame.get("body") or {}).get("ok"):
                print("join refused: %s" % frame, flush=True)
                return
            print("joined as " + args.worker_id, flush=True)
            threading.Thread(target=heartbeat, daemon=True).start()
            send("fastworker.link.credit", {"credits": 1})
        elif frame.get("address") == me:
            task = frame["body"]
            result = {"taskId": task["taskId"], "attempt": task["attempt"], "credits": 1}
            try:
                fn = TASKS[task["task"]]
                result["ok"] = True
                result["result"] = fn(*task.get("args", []), **task.get("kwargs", {}))
            except Exception as e:  # report any failure as a task error
                result["ok"] = False
                result["error"] = {"type": "task_error", "message": str(e), "exception": type(e).__name__}
                if isinstance(e, NonRetryable):
                    result["error"]["nonRetryable"] = True
            send("fastworker.link.result", result)


if __name__ == "__main__":
    main()
