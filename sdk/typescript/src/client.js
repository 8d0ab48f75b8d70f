// Submitting tasks to a control plane over its HTTP API, and reading their results.

const TERMINAL = ["success", "failure", "cancelled"];
const LONGEST_WAIT_MS = 60000;

/** The control plane refused a request: `status`, and the problem document's `type`, `title`, `detail` and all. */
export class ProblemError extends Error {
  constructor(status, problem) {
    super(`${status} ${problem.title ?? "error"}: ${problem.detail ?? JSON.stringify(problem)}`);
    this.name = "ProblemError";
    this.status = status;
    this.problem = problem;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
  }
}

/** Thrown by `Client.resultOf` for a task that did not succeed; `task` is the task. */
export class TaskFailed extends Error {
  constructor(task) {
    super(`task ${task.id} ended ${task.status}: ${task.error?.message ?? ""}`);
    this.name = "TaskFailed";
    this.task = task;
  }
}

/**
 * A client of a control plane's HTTP API: `url` defaults to FASTWORKER_URL, else http://127.0.0.1:8080; `token` (an
 * API key or a JWT) to FASTWORKER_API_KEY. Every call has a deadline (`timeoutMs`), follows a cluster follower's
 * redirect to its leader, and rejects with ProblemError when the control plane refuses it.
 */
export class Client {
  constructor(url, { token, timeoutMs = 30000 } = {}) {
    this.url = (url ?? process.env.FASTWORKER_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
    if (!/^https?:\/\/[^/]+/.test(this.url)) {
      throw new Error(`the control plane's URL is http://host:port or https://host:port, got ${url}`);
    }
    this.token = token ?? process.env.FASTWORKER_API_KEY;
    this.timeoutMs = timeoutMs;
  }

  /** Submits a task; resolves to its id at once. */
  async delay(task, args = [], options = {}) {
    const { idempotencyKey, ...rest } = options;
    return (await this.request("POST", "/tasks", submission(task, args, rest), keyHeader(idempotencyKey))).id;
  }

  /** Submits a task and waits for its end (at most `waitMs`; undefined: as long as it takes); resolves to the task. */
  async submit(task, args = [], options = {}) {
    const { idempotencyKey, waitMs, ...rest } = options;
    const deadline = waitMs === undefined ? undefined : Date.now() + waitMs;
    const first = Math.min(waitMs ?? LONGEST_WAIT_MS, LONGEST_WAIT_MS);
    const created = await this.request("POST", `/tasks?wait=${Math.floor(first)}ms`, submission(task, args, rest),
      keyHeader(idempotencyKey));
    return this.await(created, deadline);
  }

  /** Submits and waits; resolves to the result, or rejects with TaskFailed. */
  async run(task, args = [], options = {}) {
    const done = await this.submit(task, args, options);
    if (done.status !== "success") throw new TaskFailed(done);
    return done.result;
  }

  /** Submits several tasks, all or none: `[{task, args, kwargs, priority, idempotencyKey, ...}]` → the ids in order. */
  async submitBatch(items) {
    const body = items.map(({ task, args, idempotencyKey, ...rest }) => {
      const entry = submission(task, args ?? [], rest);
      if (idempotencyKey) entry.idempotencyKey = idempotencyKey;
      return entry;
    });
    return (await this.request("POST", "/tasks/batch", body)).ids;
  }

  /** The task now (`waitMs` 0) or once ended within `waitMs`; null when the control plane does not know it. */
  async result(id, { waitMs = 0 } = {}) {
    try {
      const task = await this.request("GET", `/tasks/${encodeURIComponent(id)}`);
      return waitMs === 0 ? task : this.await(task, Date.now() + waitMs);
    } catch (e) {
      if (e instanceof ProblemError && e.status === 404) return null;
      throw e;
    }
  }

  /** Cancels a task: true when cancelled (or asked to stop while it runs), false when already ended or unknown. */
  async cancel(id) {
    try {
      await this.request("DELETE", `/tasks/${encodeURIComponent(id)}`);
      return true;
    } catch (e) {
      if (e instanceof ProblemError && (e.status === 404 || e.status === 409)) return false;
      throw e;
    }
  }

  /** The control plane and the joined subworkers, as GET /workers shows them. */
  async workers() {
    return this.request("GET", "/workers");
  }

  async await(task, deadline) {
    while (!TERMINAL.includes(task.status)) {
      const left = deadline === undefined ? LONGEST_WAIT_MS : deadline - Date.now();
      if (left <= 0) break;
      task = await this.request("GET", `/tasks/${encodeURIComponent(task.id)}?wait=${Math.floor(Math.min(left, LONGEST_WAIT_MS))}ms`);
    }
    return task;
  }

  async request(method, path, body, headers = {}) {
    let url = this.url + path;
    const sent = { accept: "application/json", ...headers };
    if (body !== undefined) sent["content-type"] = "application/json";
    if (this.token) sent.authorization = `Bearer ${this.token}`;
    const wait = Number(/[?&]wait=(\d+)ms/.exec(path)?.[1] ?? 0);
    for (let hop = 0; hop < 5; hop++) {
      const response = await fetch(url, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body),
        redirect: "manual", signal: AbortSignal.timeout(this.timeoutMs + wait) });
      if ((response.status === 307 || response.status === 308) && response.headers.get("location")) {
        url = new URL(response.headers.get("location"), url).toString();
        continue;
      }
      const text = await response.text();
      const document = text ? JSON.parse(text) : {};
      if (response.status >= 400) throw new ProblemError(response.status, typeof document === "object" ? document : { detail: text });
      return document;
    }
    throw new Error(`too many redirects from ${this.url}`);
  }
}

function submission(task, args, options) {
  if (typeof task !== "string" || !task) throw new TypeError(`a submission names its task, got ${task}`);
  if (!Array.isArray(args)) throw new TypeError("args is an array");
  const body = { task };
  if (args.length) body.args = args;
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    body[key] = value instanceof Date ? value.toISOString() : value;
  }
  return body;
}

function keyHeader(key) {
  return key ? { "idempotency-key": key } : {};
}
