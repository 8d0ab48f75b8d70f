#!/usr/bin/env python3
"""A FastWorker subworker in plain Python 3 (standard library only), to show the link protocol is language-neutral.

It joins a control plane, announces the tasks `py_reverse(text)` (returns the text reversed), `py_sleep(ms)`
(sleeps, returns ms) and `py_steps(steps, step_ms)` (sleeps step_ms per step and reports its progress after each) with
their parameters and options, and runs them one at a time (concurrency 1). A task body reports how far it got with
`progress(fraction, message)`; at most four reports a second are sent, the ones in between dropped. A task whose
control plane cancels it sees `cancelled()` turn true (py_steps then stops, raising Cancelled). When the link
drops (a control plane restart, a network blip) it joins again, with backoff from 0.2 s up to 5 s, as the Java
subworker does; SIGTERM or Ctrl-C stops it.
See docs/PROTOCOL.md. Usage:
    python3 examples/python_subworker.py --address tcp://127.0.0.1:5555 --worker-id py1 [--token SECRET]
A TLS link (tls://host:port) checks the control plane's certificate against --trust (a CA file; else the system's
CAs) and its host name; for mutual TLS add --cert and --key (PEM), a certificate that names the worker id.
"""
import argparse
import json
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import uuid

RECONNECT_MIN = 0.2
RECONNECT_MAX = 5.0


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


class Current:
    """The running task: where its progress reports go (sent at most every 0.25 s, to a control plane that takes them),
    and whether the control plane asked it to stop."""
    task = None  # the task frame being run
    send = None  # set while a task runs: send(fraction, message)
    last = 0.0
    stop = threading.Event()


class Cancelled(Exception):
    """Raised by a task that stops because it was cancelled."""


def progress(fraction, message=None):
    """Reports how far the running task got: fraction from 0 to 1, an optional message of at most 200 characters."""
    if not 0 <= fraction <= 1:
        raise ValueError("progress must be a fraction from 0 to 1, got %r" % fraction)
    if message is not None and len(message) > 200:
        raise ValueError("a progress message takes at most 200 characters")
    now = time.monotonic()
    if Current.send is not None and now - Current.last >= 0.25:
        Current.last = now
        Current.send(fraction, message)


def cancelled():
    """Whether the control plane asked the running task to stop (its task was cancelled): return or raise soon."""
    return Current.stop.is_set()


def py_steps(steps, step_ms):
    for i in range(1, steps + 1):
        if Current.stop.wait(step_ms / 1000.0):
            raise Cancelled("stopped at step %d of %d after its cancel" % (i, steps))
        progress(i / steps, "step %d of %d" % (i, steps))
    return steps


TASKS = {"py_reverse": py_reverse, "py_sleep": py_sleep, "py_steps": py_steps}
# Announced at join, so that the control plane refuses a submission whose arguments cannot bind (400).
PARAMETERS = {"py_reverse": ["text"], "py_sleep": ["ms"], "py_steps": ["steps", "step_ms"]}
# Announced at join: the control plane makes them the tasks' defaults (a submission's own options still win).
OPTIONS = {"py_reverse": {"maxRetries": 2, "retryDelay": "PT0.5S"}, "py_sleep": {"timeout": "PT60S"}}


class LinkDown(Exception):
    """The link ended; the subworker joins again."""


def failure(task, error_type, message, exception=None, final=False):
    error = {"type": error_type, "message": message}
    if exception:
        error["exception"] = exception
    if final:
        error["nonRetryable"] = True
    return {"taskId": task.get("taskId"), "attempt": task.get("attempt"), "ok": False, "error": error, "credits": 1}


def run(task, max_result, report=None):
    """Runs one task frame; returns the result message. A frame it cannot run as sent fails for good. The body's
    progress goes to report(fraction, message) (None: dropped)."""
    if not isinstance(task.get("taskId"), str) or not isinstance(task.get("attempt"), int):
        return None  # names no attempt: nothing to report (its slot is granted back by the caller)
    if task.get("task") not in TASKS or not isinstance(task.get("args", []), list) \
            or not isinstance(task.get("kwargs", {}), dict):
        return failure(task, "bad_arguments", "the task as the control plane sent it cannot run here", final=True)
    Current.send, Current.last = report, 0.0
    try:
        value = TASKS[task["task"]](*task.get("args", []), **task.get("kwargs", {}))
    except Cancelled as e:
        return failure(task, "cancelled", str(e), "Cancelled")
    except Exception as e:  # report any failure as a task error
        return failure(task, "task_error", str(e), type(e).__name__, isinstance(e, NonRetryable))
    finally:
        Current.send = None
    size = len(json.dumps(value).encode("utf-8"))
    if size > max_result:
        return failure(task, "bad_result", "the result takes %d bytes as JSON, more than the %d allowed"
                       % (size, max_result), final=True)
    return {"taskId": task["taskId"], "attempt": task["attempt"], "ok": True, "result": value, "credits": 1}


def work(task, max_result, takes_progress, send):
    """Runs one task frame and sends its result (or, for a frame that names no attempt, its slot back)."""

    def report(fraction, message):
        body = {"taskId": task.get("taskId"), "attempt": task.get("attempt"), "fraction": fraction}
        if message is not None:
            body["message"] = message
        send("fastworker.link.progress", body)

    result = run(task, max_result, report if takes_progress else None)
    Current.task = None
    try:
        if result is None:
            print("a task frame names no task id and attempt; ignoring it", flush=True)
            send("fastworker.link.credit", {"credits": 1})
        else:
            send("fastworker.link.result", result)
    except OSError:
        pass  # the link dropped: the control plane hands the attempt to another subworker


def session(args):
    """One connection: join, then run tasks until the link drops (LinkDown) or the join is refused."""
    tls = args.address.startswith("tls://")
    host, port = args.address.replace("tcp://", "").replace("tls://", "").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.settimeout(None)
    if tls:
        context = ssl.create_default_context(cafile=args.trust)  # verifies the chain and the host name
        if args.cert:
            context.load_cert_chain(args.cert, args.key)
        sock = context.wrap_socket(sock, server_hostname=host)
    lock = threading.Lock()
    stop = threading.Event()
    me = "fastworker.worker." + args.worker_id
    max_result = 1 << 20
    takes_progress = False

    def send(address, body, reply=None):
        frame = {"type": "send", "address": address, "body": body}
        if reply:
            frame["replyAddress"] = reply
        send_frame(sock, lock, frame)

    def heartbeat():
        while not stop.wait(1):
            try:
                send("fastworker.link.heartbeat", {})
            except OSError:
                return

    try:
        send_frame(sock, lock, {"type": "register", "address": me})
        join = {"protocol": 3, "workerId": args.worker_id, "tasks": sorted(TASKS), "parameters": PARAMETERS,
                "options": OPTIONS, "concurrency": 1}
        if args.token:
            join["token"] = args.token
        join_reply = str(uuid.uuid4())
        send("fastworker.link.join", join, join_reply)
        while True:
            frame = read_frame(sock)
            if frame is None:
                raise LinkDown("the control plane closed the link")
            if frame.get("type") == "err":
                raise LinkDown("the control plane refused: " + frame.get("message", ""))
            if frame.get("address") == join_reply:
                body = frame.get("body") or {}
                if not body.get("ok"):
                    raise LinkDown("join refused: %s" % frame.get("message", frame))
                max_result = min(max_result, int(body.get("maxResultSize", max_result)))
                takes_progress = body.get("protocol", 1) >= 3  # progress reports came with version 3
                print("joined as " + args.worker_id, flush=True)
                args.backoff = RECONNECT_MIN
                threading.Thread(target=heartbeat, daemon=True).start()
                send("fastworker.link.credit", {"credits": 1})
            elif frame.get("address") == me and "cancel" in (frame.get("body") or {}):
                stop = frame["body"]["cancel"] or {}
                task = Current.task
                if task is not None and stop.get("taskId") == task.get("taskId") \
                        and stop.get("attempt") == task.get("attempt"):
                    print("task %s asked to stop" % stop.get("taskId"), flush=True)
                    Current.stop.set()
            elif frame.get("address") == me:
                # The body runs on a thread of its own, so that a cancel can be read while it runs.
                Current.task = frame.get("body") or {}
                Current.stop.clear()
                threading.Thread(target=work, args=(Current.task, max_result, takes_progress, send),
                                 daemon=True).start()
    finally:
        stop.set()
        sock.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", default="tcp://127.0.0.1:5555")
    parser.add_argument("--worker-id", default="py-%d" % int(time.time()))
    parser.add_argument("--token")
    parser.add_argument("--trust", help="CA certificates (PEM) for a tls:// address; default: the system's")
    parser.add_argument("--cert", help="client certificate (PEM) for a mutual-TLS link")
    parser.add_argument("--key", help="private key (PEM) of --cert")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    args.backoff = RECONNECT_MIN
    while True:
        try:
            session(args)
        except (LinkDown, OSError, ValueError) as e:
            print("link to %s down (%s); joining again in %.1f s" % (args.address, e, args.backoff), flush=True)
        time.sleep(args.backoff)
        args.backoff = min(RECONNECT_MAX, args.backoff * 2)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
