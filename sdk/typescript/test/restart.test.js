// A restarted control plane loses nothing, and the Node subworker joins it again by itself.
import assert from "node:assert/strict";
import { it } from "node:test";

import { Client } from "../src/index.js";
import { ControlPlane, NodeSubworker, eventually, freePort, sleep } from "./helpers.js";

it("rejoins a restarted control plane and nothing is lost", async () => {
  const cp = await ControlPlane.start();
  const worker = await NodeSubworker.start(cp, "ts-rejoin", { concurrency: 4 });
  try {
    const client = new Client(cp.url);
    const ids = await client.submitBatch(Array.from({ length: 300 }, () => ({ task: "ts_nap", args: [50] })));
    await eventually(async () => (await cp.task(ids[20])).status === "success", 30000, "some tasks done");
    await cp.kill(); // SIGKILL, with tasks queued and running
    await sleep(500);
    await cp.launch(); // same ports, same store
    await worker.awaitActive();
    const ends = await Promise.all(ids.map((id) => client.result(id, { waitMs: 60000 })));
    assert.deepEqual(ends.filter((t) => t.status !== "success"), []);
    assert.match(worker.log(), /joined as ts-rejoin[\s\S]*joining again[\s\S]*joined as ts-rejoin/);
  } finally {
    await worker.kill();
    await cp.stop();
  }
});

it("carries the trace id in its log lines about a task when tracing is on", async () => {
  const traced = { FASTWORKER_OTEL_ENABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}` };
  const cp = await ControlPlane.start(traced); // nothing listens at the collector's address: spans are dropped
  const worker = await NodeSubworker.start(cp, "ts-traced", { env: traced });
  try {
    const failed = await new Client(cp.url).submit("ts_final", ["traced"], { waitMs: 30000 });
    assert.equal(failed.status, "failure");
    assert.match(failed.traceId, /^[0-9a-f]{32}$/);
    const line = await eventually(() => worker.log().split("\n").find((l) => l.includes("failed: NonRetryable")),
      10000, "the failure's log line");
    assert.ok(line.endsWith(`[traceId=${failed.traceId}]`), line);
  } finally {
    await worker.kill();
    await cp.stop();
  }
});
