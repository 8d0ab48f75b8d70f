// A restarted control plane loses nothing, and the Node subworker joins it again by itself.
import assert from "node:assert/strict";
import { it } from "node:test";

import { Client } from "../src/index.js";
import { ControlPlane, NodeSubworker, eventually, sleep } from "./helpers.js";

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
