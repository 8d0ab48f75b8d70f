"""10,000 tasks through one Python subworker; the rate is printed (run pytest with -s to see it), not asserted."""
import time

from conftest import eventually, http


def test_ten_thousand_tasks(cp, client, subworkers):
    subworkers(cp, "py-burn", concurrency=16)
    count = 10_000
    started = time.monotonic()
    ids = []
    for _ in range(count // 1000):
        ids += client.submit_batch([{"task_name": "py_noop"} for _ in range(1000)])
    submitted = time.monotonic() - started

    def finished():
        return all(client.result(i).status == "success" for i in (ids[-1], ids[count // 2], ids[0])) and \
            sum(http("GET", cp.url + "/overview")[1]["queued"].values()) == 0
    eventually(finished, 120, "10,000 tasks finishing")
    last = client.result(ids[-1]).task
    assert all(client.result(i).status == "success" for i in ids[::97])
    elapsed = time.monotonic() - started
    print("\n10,000 noop tasks through one Python subworker (concurrency 16): submitted in %.2f s, all done in "
          "%.2f s: %.0f tasks/s" % (submitted, elapsed, count / elapsed))
    assert last["worker"].startswith("py-burn")
