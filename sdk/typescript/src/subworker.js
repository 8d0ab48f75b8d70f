// A subworker: joins a control plane over the link and runs the tasks it is sent, as the Java subworker does.
import { randomUUID } from "node:crypto";
import os from "node:os";

import { Cancelled, JoinRefused, NonRetryable, TaskTimeout } from "./errors.js";
import { Link } from "./link.js";
import { registeredTasks } from "./tasks.js";

const PROTOCOL = 3;
const PROGRESS_INTERVAL_MS = 250;

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
    this.maxResult = maxResultSize;
    this.log = log;
    this.traced = /^(true|1|yes)$/i.test(process.env.FASTWORKER_OTEL_ENABLED ?? process.env.FASTWORKER_TELEMETRY_ENABLED ?? "");
    this.attempts = new Map();
    this.busy = 0;
    this.abandoned = 0;
    this.link = null;
    this.term = 0;
    this.progressAllowed = false;
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
    await this.awaitHandlers(Date.now() + this.shutdownTimeoutMs);
    return 0;
  }

  /** Drains and leaves: no new task is taken, running handlers get `shutdownTimeoutMs`, then `run()` resolves. */
  stop() {
    if (this.stopping) return;
    this.stopping = true;
    this.wake();
    const link = this.link;
    if (link) {
      this.log.info(`stopping: draining ${this.busy} running task(s)`);
      link.send("fastworker.link.drain", {});
      this.leave(link);
    }
  }

  async leave(link) {
    await this.awaitHandlers(Date.now() + this.shutdownTimeoutMs);
    for (const attempt of this.attempts.values()) {
      if (attempt.state === "running") {
        attempt.state = "reported";
        this.queueResult(attempt, failure(attempt, "shutdown", "the subworker stopped before the task finished"), 0);
      }
    }
    link.flush();
    link.send("fastworker.link.leave", {});
    setTimeout(() => link.close(), 200);
  }

  async awaitHandlers(deadline) {
    while (Date.now() < deadline) {
      const busy = [...this.attempts.values()].some((a) => a.state === "running" || (a.result && this.link));
      if (!busy) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
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
    link.onWritten = (keys) => this.written(keys);
    try {
      await link.opened;
    } catch (e) {
      link.close();
      throw e;
    }
    link.send(null, { type: "register", address: me });
    link.send("fastworker.link.join", this.joinBody(), reply);
    await link.closed;
    if (this.link === link) this.link = null;
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
    const holding = [...this.attempts.values()].map((a) => ({ taskId: a.taskId, attempt: a.attempt }));
    if (holding.length) body.holding = holding.slice(0, 2 * this.concurrency);
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
    this.maxResult = Math.min(this.maxResult, whole(body.maxResultSize, this.maxResult));
    this.progressAllowed = (body.protocol ?? 1) >= 3;
    this.link = link;
    for (const attempt of this.attempts.values()) {
      if (attempt.result) {
        attempt.result.credits = 0;
        link.result(attempt.result, attempt.key);
      }
    }
    const free = this.concurrency - this.busy;
    if (this.stopping) link.send("fastworker.link.drain", {});
    else if (free > 0) link.send("fastworker.link.credit", { credits: free });
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
      this.cancel(`${stop.taskId}#${stop.attempt}`);
    } else if (Array.isArray(body.tasks)) {
      for (const task of body.tasks) {
        if (task && typeof task === "object") this.start(link, task, task.trace?.traceparent);
      }
    } else {
      this.start(link, body, frame.headers?.traceparent);
    }
  }

  start(link, frame, traceparent) {
    const { taskId, attempt: number } = frame;
    if (typeof taskId !== "string" || !Number.isInteger(number)) {
      this.log.warn("a task frame names no task id and attempt; ignoring it");
      link.send("fastworker.link.credit", { credits: 1 });
      return;
    }
    const key = `${taskId}#${number}`;
    if (this.stopping) {
      link.send("fastworker.link.return", { taskId, attempt: number });
      return;
    }
    if (this.attempts.has(key)) return; // a repeat of an attempt it holds: it runs once
    const definition = this.tasks.get(frame.task);
    const args = frame.args ?? [];
    const kwargs = frame.kwargs ?? {};
    let problem = null;
    if (!definition) problem = `task ${JSON.stringify(frame.task)} is not declared on this subworker`;
    else if (!Array.isArray(args) || typeof kwargs !== "object" || Array.isArray(kwargs)) {
      problem = "args must be a list and kwargs an object";
    } else if (!Number.isInteger(frame.timeoutMs) || frame.timeoutMs < 10) {
      problem = `timeoutMs must be a whole number of at least 10, got ${frame.timeoutMs}`;
    }
    const traceId = traceIdOf(traceparent);
    const attempt = { key, taskId, attempt: number, frame, traceId, state: "running", holdsSlot: true,
      controller: new AbortController(), result: null, timer: null, lastProgress: -Infinity };
    this.attempts.set(key, attempt);
    this.busy += 1;
    if (problem) {
      this.log.warn(`task ${taskId} attempt ${number} cannot run as sent: ${problem}${this.traceSuffix(attempt)}`);
      this.finish(attempt, failure(attempt, "bad_arguments", problem, null, true));
      return;
    }
    attempt.timer = setTimeout(() => this.timedOut(attempt), frame.timeoutMs);
    const ctx = {
      taskId, attempt: number, name: frame.task, kwargs, traceId, signal: attempt.controller.signal,
      progress: (fraction, message) => this.progress(attempt, fraction, message),
      get cancelled() {
        return attempt.controller.signal.reason instanceof Cancelled;
      },
    };
    Promise.resolve()
      .then(() => definition.handler(args, ctx))
      .then((value) => this.ended(attempt, value, null), (error) => this.ended(attempt, undefined, error ?? new Error("rejected")));
  }

  ended(attempt, value, error) {
    clearTimeout(attempt.timer);
    if (attempt.state !== "running") { // already reported (timeout, shutdown): only the slot
      attempt.state = "done";
      if (attempt.holdsSlot) {
        attempt.holdsSlot = false;
        this.busy -= 1;
        if (this.link && !this.stopping) this.link.send("fastworker.link.credit", { credits: 1 });
      } else {
        this.abandoned -= 1;
      }
      if (!attempt.result) this.attempts.delete(attempt.key);
      return;
    }
    let outcome;
    if (error === null) {
      outcome = this.success(attempt, value);
    } else if (error instanceof Cancelled || attempt.controller.signal.reason instanceof Cancelled) {
      outcome = failure(attempt, "task_error", error?.message || "the task was cancelled", "Cancelled");
    } else {
      const name = error?.name ?? typeof error;
      outcome = failure(attempt, "task_error", error?.message || String(error), name, error instanceof NonRetryable);
      this.log.info(`task ${attempt.taskId} attempt ${attempt.attempt} failed: ${name}${this.traceSuffix(attempt)}`);
    }
    this.finish(attempt, outcome);
  }

  finish(attempt, outcome) {
    attempt.state = "done";
    clearTimeout(attempt.timer);
    let credits = 0;
    if (attempt.holdsSlot) {
      attempt.holdsSlot = false;
      this.busy -= 1;
      credits = this.stopping ? 0 : 1;
    }
    this.queueResult(attempt, outcome, credits);
  }

  queueResult(attempt, outcome, credits) {
    outcome.credits = this.link ? credits : 0;
    attempt.result = outcome;
    if (this.link) this.link.result(outcome, attempt.key);
  }

  written(keys) {
    for (const key of keys) {
      const attempt = this.attempts.get(key);
      if (attempt?.result) {
        attempt.result = null;
        if (attempt.state === "done") this.attempts.delete(key);
      }
    }
  }

  success(attempt, value) {
    let encoded;
    try {
      encoded = JSON.stringify(value === undefined ? null : value);
    } catch (e) {
      return failure(attempt, "bad_result", `the result cannot be written as JSON: ${e.message}`, null, true);
    }
    const size = Buffer.byteLength(encoded);
    if (size > this.maxResult) {
      return failure(attempt, "bad_result", `the result takes ${size} bytes as JSON, more than the ${this.maxResult} allowed`, null, true);
    }
    return { taskId: attempt.taskId, attempt: attempt.attempt, ok: true, result: JSON.parse(encoded) };
  }

  progress(attempt, fraction, message) {
    if (typeof fraction !== "number" || !(fraction >= 0 && fraction <= 1)) {
      throw new RangeError(`progress is a fraction from 0 to 1, got ${fraction}`);
    }
    if (message !== undefined && message !== null && (typeof message !== "string" || message.length > 200)) {
      throw new RangeError("a progress message is a text of at most 200 characters");
    }
    const now = performance.now();
    if (!this.progressAllowed || attempt.state !== "running" || !this.link
      || now - attempt.lastProgress < PROGRESS_INTERVAL_MS) return;
    attempt.lastProgress = now;
    const body = { taskId: attempt.taskId, attempt: attempt.attempt, fraction };
    if (message !== undefined && message !== null) body.message = message;
    this.link.send("fastworker.link.progress", body);
  }

  cancel(key) {
    const attempt = this.attempts.get(key);
    if (!attempt || attempt.state !== "running") return;
    this.log.info(`task ${attempt.taskId} attempt ${attempt.attempt} asked to stop${this.traceSuffix(attempt)}`);
    attempt.controller.abort(new Cancelled());
  }

  timedOut(attempt) {
    if (attempt.state !== "running") return;
    this.log.info(`task ${attempt.taskId} attempt ${attempt.attempt} overran its timeout${this.traceSuffix(attempt)}`);
    attempt.state = "reported";
    let credits = 0;
    if (attempt.holdsSlot && this.abandoned < this.concurrency) {
      attempt.holdsSlot = false;
      this.busy -= 1;
      this.abandoned += 1;
      credits = this.stopping ? 0 : 1;
    }
    this.queueResult(attempt, failure(attempt, "timeout", `the task overran its timeout of ${attempt.frame.timeoutMs} ms`), credits);
    attempt.controller.abort(new TaskTimeout());
  }

  traceSuffix(attempt) {
    return this.traced && attempt.traceId ? ` [traceId=${attempt.traceId}]` : "";
  }
}

function failure(attempt, type, message, exception = null, final = false) {
  const error = { type, message: String(message).slice(0, 2000) };
  if (exception) error.exception = exception;
  if (final) error.nonRetryable = true;
  return { taskId: attempt.taskId, attempt: attempt.attempt, ok: false, error };
}

function whole(value, fallback) {
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function traceIdOf(traceparent) {
  const match = typeof traceparent === "string" ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent) : null;
  return match ? match[1] : null;
}
