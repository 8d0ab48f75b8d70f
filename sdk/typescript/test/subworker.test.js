// The Node subworker and client against a real control plane: tasks, options, failures, timeouts, cancel, progress,
// concurrency, draining, a killed subworker, and 10,000 tasks.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, afterEach, before, describe, it } from "node:test";

import { Client, ProblemError, TaskFailed } from "../src/index.js";
import { ControlPlane, NodeSubworker, eventually, http, overlap } from "./helpers.js";

describe("a Node subworker", () => {
  let cp;
  let client;
  const started = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fastworker-node-test-"));
  const subworker = async (id, options) => {
    const w = await NodeSubworker.start(cp, id, options);
    started.push(w);
    return w;
  };

  before(async () => {
    cp = await ControlPlane.start();
    client = new Client(cp.url);
  });
  afterEach(async () => {
    for (const w of started.splice(0)) await w.kill();
  });
  after(async () => {
    await cp.stop();
  });

  it("runs tasks, refuses arguments that cannot bind, and carries problem documents", async () => {
    const w = await subworker("ts-basic", { concurrency: 2 });
    assert.equal(await client.run("ts_add", [2, 3]), 5);
    const done = await client.submit("ts_echo", [{ a: [1, 2.5, null, "é"] }]);
    assert.deepEqual(done.result, { a: [1, 2.5, null, "é"] });
    assert.equal(done.worker, "ts-basic");
    await assert.rejects(client.delay("ts_add", [1]), (e) => e instanceof ProblemError && e.status === 400
      && e.detail.includes("(x, y)"));
    await assert.rejects(client.delay("no_such_task"), (e) => e.status === 400 && e.problem.knownTasks.includes("ts_add"));
    await assert.rejects(client.submitBatch([{ task: "ts_echo", args: [1] }, { task: "ts_echo", args: [2], priority: "urgent" }]),
      (e) => e.status === 400 && e.problem.index === 1);
    assert.equal(await client.result("never-submitted"), null);
    assert.equal(await client.cancel("never-submitted"), false);
    const first = await client.delay("ts_echo", ["once"], { idempotencyKey: "node-42" });
    assert.equal(await client.delay("ts_echo", ["once"], { idempotencyKey: "node-42" }), first);
    const ids = await client.submitBatch([{ task: "ts_echo", args: [1] }, { task: "ts_echo", args: [2], priority: "high" }]);
    assert.deepEqual(await Promise.all(ids.map(async (id) => (await client.result(id, { waitMs: 10000 })).result)), [1, 2]);
    await assert.rejects(new Client("http://127.0.0.1:1", { timeoutMs: 2000 }).delay("ts_echo", [1]), TypeError);
    assert.equal((await cp.worker("ts-basic")).active, true, w.log());
  });

  it("retries as its options say, and a NonRetryable failure is final", async () => {
    await subworker("ts-options");
    const flaky = await client.submit("ts_flaky", [path.join(tmp, "runs"), 2], { waitMs: 30000 });
    assert.equal(flaky.status, "success");
    assert.equal(flaky.result, 3);
    assert.equal(flaky.maxAttempts, 4, "maxRetries 3 from registerTask");
    const final = await client.submit("ts_final", ["bad input"], { waitMs: 30000 });
    assert.equal(final.attempts, 1);
    assert.equal(final.error.nonRetryable, true);
    assert.equal(final.error.message, "bad input");
    await assert.rejects(client.run("ts_final", ["no"]), TaskFailed);
    assert.equal((await client.submit("ts_bigint")).error.type, "bad_result");
  });

  it("reports a timeout at once, aborts the handler's signal, and frees the slot", async () => {
    await subworker("ts-timeout", { concurrency: 1 });
    const marker = path.join(tmp, "aborted");
    const slept = await client.submit("ts_sleep", [30000, marker], { waitMs: 20000 });
    assert.equal(slept.error.type, "timeout");
    await eventually(() => fs.existsSync(marker), 5000, "the handler's signal aborting");
    assert.equal(fs.readFileSync(marker, "utf8"), "stopped: TaskTimeout");
    const stubborn = await client.submit("ts_stubborn", [5000], { waitMs: 20000 });
    assert.equal(stubborn.error.type, "timeout");
    const t0 = Date.now();
    assert.equal(await client.run("ts_echo", ["next"], { waitMs: 10000 }), "next", "the stubborn handler's slot is free");
    assert.ok(Date.now() - t0 < 3000);
    for (const [absurd, bound] of [["PT0.000000001S", "at least"], ["PT1000000H", "at most"]]) {
      const r = await http("POST", `${cp.url}/tasks`, { task: "ts_nap", args: [0], timeout: absurd });
      assert.equal(r.status, 400);
      assert.ok(r.body.detail.includes(bound), r.body.detail);
    }
  });

  it("is cancelled while it runs, after showing its progress", async () => {
    await subworker("ts-cancel");
    const id = await client.delay("ts_steps", [400, 50]);
    const fraction = await eventually(async () => (await cp.task(id)).progress?.fraction, 20000, "a progress report");
    assert.ok(fraction > 0 && fraction < 1);
    assert.equal(await client.cancel(id), true);
    assert.equal((await client.result(id, { waitMs: 20000 })).status, "cancelled");
    assert.equal(await client.cancel(id), false);
    assert.equal(await client.run("ts_steps", [3, 10]), 3);
  });

  for (const concurrency of [1, 16]) {
    it(`runs ${concurrency} at a time with concurrency ${concurrency}`, async () => {
      await subworker(`ts-concurrency-${concurrency}`, { concurrency });
      const ids = await client.submitBatch(Array.from({ length: 2 * concurrency }, () => ({ task: "ts_nap", args: [300] })));
      const tasks = await Promise.all(ids.map((id) => client.result(id, { waitMs: 60000 })));
      assert.ok(tasks.every((t) => t.status === "success"));
      assert.equal(overlap(tasks), concurrency);
    });
  }

  it("drains on SIGTERM, then leaves", async () => {
    const w = await subworker("ts-drain", { concurrency: 2 });
    const ids = [await client.delay("ts_nap", [1500]), await client.delay("ts_nap", [1500])];
    await eventually(async () => (await Promise.all(ids.map((id) => cp.task(id)))).every((t) => t.status === "running"),
      10000, "both running");
    assert.equal(await w.terminate(), 0, w.log());
    for (const id of ids) assert.equal((await client.result(id)).status, "success");
    const gone = (await http("GET", `${cp.url}/workers/gone`)).body.find((g) => g.id === "ts-drain");
    assert.equal(gone?.state, "left");
  });

  it("loses nothing when it is killed: its tasks run on another", async () => {
    const doomed = await subworker("ts-doomed", { concurrency: 2 });
    const ids = [await client.delay("ts_nap", [2000]), await client.delay("ts_nap", [2000])];
    await eventually(async () => (await Promise.all(ids.map((id) => cp.task(id)))).every((t) => t.status === "running"),
      10000, "both running on it");
    await doomed.kill();
    await subworker("ts-heir", { concurrency: 2 });
    for (const id of ids) {
      const t = await client.result(id, { waitMs: 30000 });
      assert.equal(t.status, "success");
      assert.equal(t.worker, "ts-heir");
      assert.equal(t.result, 2, "its second attempt");
      assert.equal(t.history[0].worker, "ts-doomed");
    }
  });

  it("runs 10,000 tasks (the rate is printed)", async () => {
    await subworker("ts-burn", { concurrency: 16 });
    const t0 = performance.now();
    const ids = [];
    for (let i = 0; i < 10; i++) ids.push(...await client.submitBatch(Array.from({ length: 1000 }, () => ({ task: "ts_noop" }))));
    await eventually(async () => {
      const ends = await Promise.all([ids[0], ids[5000], ids[9999]].map((id) => client.result(id)));
      const queued = Object.values((await http("GET", `${cp.url}/overview`)).body.queued).reduce((a, b) => a + b, 0);
      return ends.every((t) => t.status === "success") && queued === 0;
    }, 120000, "10,000 tasks finishing");
    const seconds = (performance.now() - t0) / 1000;
    console.log(`10,000 noop tasks through one Node subworker (concurrency 16): ${seconds.toFixed(2)} s, ${Math.round(10000 / seconds)} tasks/s`);
    for (const id of ids.filter((_, i) => i % 97 === 0)) assert.equal((await client.result(id)).status, "success");
  });
});
