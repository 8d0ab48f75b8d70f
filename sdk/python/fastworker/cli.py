"""The ``fastworker`` command: run a subworker of your task modules, submit tasks, read and cancel them.

Flags fall back to the environment variables the Java daemon reads, then to the defaults. Exit statuses are the
Java CLI's: 0 done, 1 the task failed or is unknown, 2 bad usage or configuration, 3 the control plane cannot be
reached, 4 still running after the wait, 5 not allowed (401/403).
"""
import argparse
import importlib
import logging
import os
import signal
import sys
from typing import List, Optional

from .client import Client, ProblemError
from .tasks.registry import registered
from .subworker import JoinRefused, Subworker

OK, FAILED, USAGE, UNREACHABLE, STILL_RUNNING, NOT_ALLOWED = 0, 1, 2, 3, 4, 5
log = logging.getLogger("fastworker")


def main(argv: Optional[List[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=getattr(logging, args.log_level), format="%(asctime)s - %(name)s - %(levelname)s - "
                                                                       "%(message)s")
    if not getattr(args, "command", None):
        parser.print_help()
        return OK
    try:
        return args.command(args)
    except ProblemError as e:
        print("Error: %s" % e, file=sys.stderr)
        return NOT_ALLOWED if e.status in (401, 403) else FAILED if e.status == 404 else USAGE
    except (ConnectionError, TimeoutError, OSError) as e:
        print("Error: the control plane at %s cannot be reached: %s" % (getattr(args, "url", "?"), e),
              file=sys.stderr)
        return UNREACHABLE


def _parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="fastworker", description="FastWorker for Java: the Python SDK's command")
    parser.add_argument("--log-level", default=env("FASTWORKER_LOG_LEVEL", "INFO").upper(),
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    commands = parser.add_subparsers(title="commands")

    sub = commands.add_parser("subworker", help="run the tasks of --task-modules for a control plane")
    sub.add_argument("--task-modules", nargs="+", default=_split(env("FASTWORKER_TASK_MODULES")),
                     help="modules whose @task functions to run (space-separated)")
    sub.add_argument("--control-plane-address", default=env("FASTWORKER_CONTROL_PLANE_ADDRESS"),
                     help="the control plane's link: tcp://host:port or tls://host:port; a cluster's members "
                          "separated by commas")
    sub.add_argument("--worker-id", default=env("FASTWORKER_WORKER_ID"),
                     help="this subworker's id (default: host name and process id)")
    sub.add_argument("--concurrency", type=int,
                     default=int(env("FASTWORKER_CONCURRENCY", env("FASTWORKER_WORKER_CONCURRENCY", "1"))),
                     help="task bodies run at the same time (default 1)")
    sub.add_argument("--token", default=env("FASTWORKER_LINK_TOKEN"), help="the link's token, if it has one")
    sub.add_argument("--trust", default=env("FASTWORKER_SUBWORKER_TLS_TRUST"),
                     help="CA certificates (PEM) for a tls:// address (default: the system's)")
    sub.add_argument("--cert", default=env("FASTWORKER_SUBWORKER_TLS_CERT"),
                     help="client certificate (PEM) for a mutual-TLS link")
    sub.add_argument("--key", default=env("FASTWORKER_SUBWORKER_TLS_KEY"), help="private key (PEM) of --cert")
    sub.add_argument("--shutdown-timeout", type=float,
                     default=float(env("FASTWORKER_SUBWORKER_SHUTDOWN_TIMEOUT", "30")),
                     help="seconds running tasks get to finish on SIGTERM (default 30)")
    sub.set_defaults(command=_subworker)

    listing = commands.add_parser("list", help="list the tasks of --task-modules")
    listing.add_argument("--task-modules", nargs="+", default=_split(env("FASTWORKER_TASK_MODULES")))
    listing.set_defaults(command=_list)

    url = dict(default=env("FASTWORKER_URL", "http://127.0.0.1:8080"), help="the control plane's HTTP API")
    submit = commands.add_parser("submit", help="submit a task and wait for its result")
    submit.add_argument("--url", **url)
    submit.add_argument("--task-name", required=True)
    submit.add_argument("--args", nargs="*", default=[], help="arguments: true/false, numbers, else text")
    submit.add_argument("--priority", choices=["critical", "high", "normal", "low"])
    submit.add_argument("--countdown", type=float, help="seconds to wait before it runs")
    submit.add_argument("--non-blocking", action="store_true", help="print the id and exit at once")
    submit.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the result (default 60)")
    submit.set_defaults(command=_submit)

    for name, command, help_text in (("status", _status, "show a task"), ("cancel", _cancel, "cancel a task")):
        one = commands.add_parser(name, help=help_text)
        one.add_argument("--url", **url)
        one.add_argument("--task-id", required=True)
        one.set_defaults(command=command)
    return parser


def _split(value: Optional[str]) -> Optional[List[str]]:
    return value.replace(",", " ").split() if value else None


def _load(modules: Optional[List[str]]) -> bool:
    if not modules:
        print("Error: give --task-modules (or FASTWORKER_TASK_MODULES)", file=sys.stderr)
        return False
    sys.path.insert(0, os.getcwd())
    loaded = True
    for module in modules:
        try:
            importlib.import_module(module)
            log.info("Loaded tasks from %s", module)
        except Exception as e:  # the original reports each module and carries on
            log.error("Failed to import %s: %s", module, e)
            loaded = False
    return loaded


def _subworker(args) -> int:
    if not args.control_plane_address:
        print("Error: give --control-plane-address (or FASTWORKER_CONTROL_PLANE_ADDRESS), e.g. tcp://127.0.0.1:5555",
              file=sys.stderr)
        return USAGE
    if not _load(args.task_modules) and not registered():
        return USAGE
    try:
        worker = Subworker(args.control_plane_address, args.worker_id, concurrency=args.concurrency,
                           token=args.token, trust=args.trust, cert=args.cert, key=args.key,
                           shutdown_timeout=args.shutdown_timeout)
    except (ValueError, OSError) as e:
        print("Error: %s" % e, file=sys.stderr)
        return USAGE
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop())
    try:
        return worker.run()
    except JoinRefused as e:
        print("Error: %s" % e, file=sys.stderr)
        return USAGE


def _list(args) -> int:
    if not _load(args.task_modules):
        return USAGE
    print("Available tasks:")
    for name in sorted(registered()):
        print("  - %s" % name)
    return OK


def _convert(text: str):
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _submit(args) -> int:
    client = Client(args.url)
    arguments = [_convert(a) for a in args.args]
    if args.non_blocking:
        task_id = client.delay(args.task_name, *arguments, priority=args.priority, countdown=args.countdown)
        print("Task submitted with ID: %s" % task_id)
        return OK
    result = client.submit(args.task_name, *arguments, priority=args.priority, countdown=args.countdown,
                           wait=args.wait)
    print("Task submitted with ID: %s" % result.task_id)
    if result.status == "success":
        print("Result: %s" % (result.result,))
        return OK
    if not result.done:
        print("Timeout waiting for task result (it is %s)" % result.status)
        return STILL_RUNNING
    print("Error: %s" % (result.error or result.status))
    return FAILED


def _status(args) -> int:
    result = Client(args.url).result(args.task_id)
    if result is None:
        print("Task ID %s not found or expired." % args.task_id)
        return FAILED
    print("Task ID: %s\nStatus: %s" % (result.task_id, result.status))
    if result.status == "success":
        print("Result: %s" % (result.result,))
    elif result.error:
        print("Error: %s" % result.error)
    print("Started at: %s\nCompleted at: %s" % (result.started_at, result.completed_at))
    return OK if result.status != "failure" else FAILED


def _cancel(args) -> int:
    if Client(args.url).cancel(args.task_id):
        print("Task %s cancelled successfully" % args.task_id)
        return OK
    print("Task %s could not be cancelled (not found or already terminal)" % args.task_id)
    return FAILED
