"""Tracing on: the log lines a task body writes, and the subworker's own about that task, carry its trace id."""
from conftest import ControlPlane, PySubworker, eventually, free_port


def test_log_lines_carry_the_tasks_trace_id(workdir):
    from fastworker import Client
    home = workdir / "tracing"
    home.mkdir()
    # Nothing listens at the collector's address: spans are dropped, tasks are not.
    traced = {"FASTWORKER_OTEL_ENABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:%d" % free_port()}
    plane = ControlPlane(home, env=traced)
    worker = PySubworker(plane, "py-traced", env=traced)
    try:
        failed = Client(plane.url).submit("py_logs", "order-7", wait=30)
        trace_id = failed.task["traceId"]
        assert failed.status == "failure" and trace_id and len(trace_id) == 32, failed.task
        lines = eventually(lambda: [l for l in worker.log().splitlines() if trace_id in l and (
            "working on order-7" in l or "failed: RuntimeError" in l)] or None, 10, "traced log lines")
        assert len(lines) == 2, worker.log()
        assert all(l.endswith("[traceId=%s]" % trace_id) for l in lines), lines
        assert "OpenTelemetry packages are not installed" in worker.log()
    finally:
        worker.kill()
        plane.stop()
