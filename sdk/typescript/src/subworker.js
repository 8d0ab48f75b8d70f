// A subworker: joins a control plane over the link and runs the tasks it is sent, as the Java subworker does.
import { randomUUID } from "node:crypto";
import os from "node:os";

import { Attempts } from "./attempts.js";
import { JoinRefused } from "./errors.js";
import { Link } from "./link.js";
import { registeredTasks } from "./tasks.js";

const PROTOCOL = 3;

/** Writes `time - fastworker.subworker - LEVEL - message` lines to stderr. */
export const stderrLog = {
  info: (message) => process.stderr.write(`${new Date().toISOString()} - fastworker.subworker - INFO - ${message}\n`),
  warn: (message) => process.stderr.write(`${new Date().toISOString()} - fastworker.subworker - WARNING - ${message}\n`),
};

/**
 * Runs the declared tasks for a control plane. It dials the addresses in turn, joins with its tasks, their
 * parameters and options, takes up to `concurrency` tasks at a time against credits, and joins again with backoff
 * when the link drops (listing the attempts it still holds). A handler past its timeout is reported as `timeout` at
 * once and its `ctx.signal` aborts; its slot is given back at once for up to `concurrency` handlers that do not
 * stop. `stop()` drains: nothing new is taken, running handlers get `shutdownTimeoutMs`, then it leaves.
 */
export class Subworker {
  constructor({ address, workerId, concurrency = 1, token, tls = {}, tasks, shutdownTimeoutMs = 30000,
    reconnectMinMs = 200, reconnectMaxMs = 5000, batch = true, maxResultSize = 1 << 20, log = stderrLog } = {}) {
    this.addresses = (Array.isArray(address) ? address : String(address ?? "").split(","))
      .map((a) => a.trim()).filter(Boolean);
    if (!this.addresses.length) throw new Error("give the control plane's link address, e.g. tcp://127.0.0.1:5555");
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10000) {
      throw new Error(`concurrency is a whole number from 1 to 10000, got ${concurrency}`);
    }
    this.workerId = workerId || `${os.hostname()}-${process.pid}`;
    this.concurrency = concurrency;
    this.tasks = tasks ?? registeredTasks();
    if (!this.tasks.size) throw new Error("no tasks to run: declare some with registerTask first");
    this.token = token;
    this.tls = tls;
    this.shutdownTimeoutMs = shutdownTimeoutMs;
    this.reconnect = [reconnectMinMs, reconnectMaxMs];
    this.batch = batch;
    this.log = log;
    this.attempts = new Attempts({ tasks: this.tasks, concurrency, maxResult: maxResultSize, log,
      traced: /^(true|1|yes)$/i.test(process.env.FASTWORKER_OTEL_ENABLED ?? process.env.FASTWORKER_TELEMETRY_ENABLED ?? "") });
    this.term = 0;
    this.stopping = false;
    this.wake = () => {};
  }

  /** Runs until `stop()` has drained; resolves to 0 then. Rejects with JoinRefused when the join is refused for good. */
  async run() {
    let backoff = this.reconnect[0];
    let index = 0;
    while (!this.stopping) {
      const address = this.addresses[index % this.addresses.length];
      index += 1;
      let joined = false;
      try {
        joined = await this.session(address);
      } catch (e) {
        if (e instanceof JoinRefused) throw e;
        const last = index % this.addresses.length === 0;
        this.log.warn(`link to ${address} down (${e.message})${last ? `; joining again in ${backoff / 1000} s` : ""}`);
      }
      if (joined) {
        backoff = this.reconnect[0];
        index = 0;
        if (!this.stopping) this.log.warn(`link to ${address} down; joining again`);
        continue;
      }
      if (index % this.addresses.length === 0 && !this.stopping) {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, backoff);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        backoff = Math.min(this.reconnect[1], backoff * 2);
      }
    }
    await this.attempts.idle(Date.now() + this.shutdownTimeoutMs);
    return 0;
  }

  /** Drains and leaves: no new task is taken, running handlers get `shutdownTimeoutMs`, then `run()` resolves. */
  stop() {
    if (this.stopping) return;
    this.stopping = true;
    this.attempts.stopping = true;
    this.wake();
    const link = this.attempts.link;
    if (link) {
      this.log.info(`stopping: draining ${this.attempts.busy} running task(s)`);
      link.send("fastworker.link.drain", {});
      this.leave(link);
    }
  }

  async leave(link) {
    await this.attempts.idle(Date.now() + this.shutdownTimeoutMs);
    this.attempts.reportShutdown();
    link.flush();
    link.send("fastworker.link.leave", {});
    setTimeout(() => link.close(), 200);
  }

  /** One connection: join, then take tasks until it drops. Resolves to whether it had joined. */
  async session(address) {
    const reply = `fastworker.reply.${randomUUID()}`;
    const me = `fastworker.worker.${this.workerId}`;
    let joined = false;
    let refused = null;
    const link = new Link(address, this.tls, (frame) => {
      try {
        if (frame.type === "err") {
          link.close(new Error(`the control plane refused a frame: ${frame.message}`));
        } else if (frame.type === "message" && frame.address === reply) {
          this.joined(link, frame, address);
          joined = true;
        } else if (frame.type === "message" && frame.address === me && joined) {
          this.received(link, frame);
        }
      } catch (e) {
        if (e instanceof JoinRefused) refused = e;
        link.close(e);
      }
    });
    link.onWritten = (keys) => this.attempts.written(keys);
    try {
      await link.opened;
    } catch (e) {
      link.close();
      throw e;
    }
    link.send(null, { type: "register", address: me });
    link.send("fastworker.link.join", this.joinBody(), reply);
    await link.closed;
    this.attempts.dropped(link);
    if (refused) throw refused;
    if (!joined) throw link.error ?? new Error("the control plane closed the link");
    return true;
  }

  joinBody() {
    const body = { protocol: PROTOCOL, workerId: this.workerId, tasks: [...this.tasks.keys()].sort(),
      concurrency: this.concurrency, batch: this.batch };
    const parameters = {};
    const options = {};
    const limits = {};
    for (const [name, t] of this.tasks) {
      if (t.parameters) parameters[name] = t.parameters;
      if (Object.keys(t.options).length) options[name] = t.options;
      if (Object.keys(t.limits).length) limits[name] = t.limits;
    }
    if (Object.keys(parameters).length) body.parameters = parameters;
    if (Object.keys(options).length) body.options = options;
    if (Object.keys(limits).length) body.limits = limits;
    if (this.token) body.token = this.token;
    const holding = this.attempts.holding(2 * this.concurrency);
    if (holding.length) body.holding = holding;
    return body;
  }

  joined(link, frame, address) {
    const body = frame.body;
    if (!body || typeof body !== "object" || !body.ok) {
      const code = frame.failureCode;
      const message = frame.message ?? JSON.stringify(body);
      if (code === 400 || code === 401) {
        throw new JoinRefused(`the control plane at ${address} refused the join (${code}): ${message}`);
      }
      throw new Error(`join refused (${code}): ${message}`);
    }
    const term = Number.isInteger(body.term) ? body.term : 0;
    if (term < this.term) throw new Error(`${address} leads an older term (${term}) than one already joined`);
    this.term = term;
    link.maxFrame = whole(body.maxFrameSize, 1 << 20);
    link.batch = this.batch;
    this.attempts.joined(link, whole(body.maxResultSize, 1 << 20), (body.protocol ?? 1) >= 3);
    const beat = setInterval(() => {
      if (link.isClosed) clearInterval(beat);
      else link.send("fastworker.link.heartbeat", {});
    }, whole(body.heartbeatIntervalMs, 1000));
    link.closed.then(() => clearInterval(beat));
    this.log.info(`joined as ${this.workerId} at ${address} (${this.tasks.size} task(s), concurrency ${this.concurrency})`);
    if (this.stopping) this.leave(link);
  }

  received(link, frame) {
    const body = frame.body;
    if (!body || typeof body !== "object") return;
    if ("cancel" in body) {
      const stop = body.cancel ?? {};
      this.attempts.cancel(`${stop.taskId}#${stop.attempt}`);
    } else if (Array.isArray(body.tasks)) {
      for (const task of body.tasks) {
        if (task && typeof task === "object") this.attempts.start(link, task, task.trace?.traceparent);
      }
    } else {
      this.attempts.start(link, body, frame.headers?.traceparent);
    }
  }

}

function whole(value, fallback) {
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
