// The attempts a subworker holds: their handlers, slots, timeouts, cancels and results, whether a link is up or not.
import { Cancelled, NonRetryable, TaskTimeout } from "./errors.js";

const PROGRESS_INTERVAL_MS = 250;

/**
 * Every attempt this subworker holds: its handler running, or its result not yet written to a link. A slot is held
 * from the task's arrival until its handler settles, or until its timeout for up to `concurrency` handlers that do
 * not stop. Each freed slot is one credit on the joined link; results that ended while no link was up go out,
 * without credits, on the next one.
 */
export class Attempts {
  constructor({ tasks, concurrency, maxResult, log, traced }) {
    this.tasks = tasks;
    this.concurrency = concurrency;
    this.maxResult = maxResult;
    this.log = log;
    this.traced = traced;
    this.attempts = new Map();
    this.busy = 0;
    this.abandoned = 0;
    this.link = null;
    this.progressAllowed = false;
    this.stopping = false;
  }

  /** The attempts to list in a join: running, or with a result not yet written. */
  holding(most) {
    return [...this.attempts.values()].map((a) => ({ taskId: a.taskId, attempt: a.attempt })).slice(0, most);
  }

  /** `link` is joined: results that wait go out on it (without credits), then a credit per free slot, or the drain. */
  joined(link, maxResult, progressAllowed) {
    this.maxResult = Math.min(this.maxResult, maxResult);
    this.progressAllowed = progressAllowed;
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
  }

  /** `link` is gone: results wait for the next one. */
  dropped(link) {
    if (this.link === link) this.link = null;
  }

  /** Resolves once no handler runs and every result is written (while a link is up), or at `deadline`. */
  async idle(deadline) {
    while (Date.now() < deadline) {
      const busy = [...this.attempts.values()].some((a) => a.state === "running" || (a.result && this.link));
      if (!busy) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Reports every handler still running as ended by the subworker's stop. */
  reportShutdown() {
    for (const attempt of this.attempts.values()) {
      if (attempt.state === "running") {
        attempt.state = "reported";
        this.queueResult(attempt, failure(attempt, "shutdown", "the subworker stopped before the task finished"), 0);
      }
    }
  }

  /** Runs a task frame the control plane sent on `link` (or refuses it, reporting why). */
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

  /** The results of `keys` are on their way: an ended attempt is forgotten. */
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

  /** Aborts the signal of the attempt `key` ("taskId#attempt"), if its handler runs here. */
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

function traceIdOf(traceparent) {
  const match = typeof traceparent === "string" ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent) : null;
  return match ? match[1] : null;
}
