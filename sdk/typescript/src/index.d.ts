// Types of FastWorker for Java's Node SDK.

/** JSON: what arguments and results may be. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type Priority = "critical" | "high" | "normal" | "low";

/** A duration: milliseconds, or a text the control plane reads ("PT30S", "30s", "500ms"). */
export type Duration = number | string;

/** What a handler learns about the attempt it runs. */
export interface TaskContext {
  readonly taskId: string;
  /** 1 for the first run. */
  readonly attempt: number;
  readonly name: string;
  readonly kwargs: { [name: string]: Json };
  /** The control plane's trace id for this task, or null when it does not trace. */
  readonly traceId: string | null;
  /** Aborts when the task is cancelled (reason: Cancelled) or overruns its timeout (reason: TaskTimeout). */
  readonly signal: AbortSignal;
  /** Whether the task was cancelled. */
  readonly cancelled: boolean;
  /** Reports how far it got: a fraction from 0 to 1 and a message of at most 200 characters (4 a second at most). */
  progress(fraction: number, message?: string): void;
}

export type TaskHandler = (args: Json[], ctx: TaskContext) => unknown | Promise<unknown>;

/** What the control plane is told about a task at join: its defaults (a submission's own options win) and limits. */
export interface TaskOptions {
  priority?: Priority;
  timeout?: Duration;
  maxRetries?: number;
  retryDelay?: Duration;
  retryBackoff?: number;
  retryBackoffMax?: Duration;
  /** At most this many running at once, across every worker. */
  maxConcurrency?: number;
  /** At most this many starts per unit, across every worker: "10/s", "600/m". */
  rateLimit?: string;
  /** The positional parameters' names, so that a submission whose arguments cannot bind is refused with 400. */
  parameters?: string[];
}

export interface TaskDefinition {
  readonly name: string;
  readonly handler: TaskHandler;
  readonly options: { [option: string]: Json };
  readonly limits: { [limit: string]: Json };
  readonly parameters?: string[];
}

export declare function registerTask<H extends TaskHandler>(name: string, handler: H, options?: TaskOptions): H;
export declare function registeredTasks(): Map<string, TaskDefinition>;

export declare class TaskDefinitionError extends Error {}
/** Thrown by a handler whose failure is final: no retry. */
export declare class NonRetryable extends Error {}
export declare class Cancelled extends Error {}
export declare class TaskTimeout extends Error {}
export declare class JoinRefused extends Error {}

export interface Log {
  info(message: string): void;
  warn(message: string): void;
}
export declare const stderrLog: Log;

export interface SubworkerOptions {
  /** tcp://host:port or tls://host:port; a cluster's members as an array or separated by commas. */
  address: string | string[];
  /** Default: host name and process id. */
  workerId?: string;
  /** Handlers run at the same time; default 1. */
  concurrency?: number;
  /** The link's token, if it has one. */
  token?: string;
  /** For tls:// addresses: the CA to check the control plane against, and a client certificate for mutual TLS. */
  tls?: { ca?: string | Uint8Array; cert?: string | Uint8Array; key?: string | Uint8Array };
  /** Default: every task registered with registerTask. */
  tasks?: Map<string, TaskDefinition>;
  /** How long running handlers get when it stops; default 30000. */
  shutdownTimeoutMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  batch?: boolean;
  maxResultSize?: number;
  log?: Log;
}

export declare class Subworker {
  constructor(options: SubworkerOptions);
  readonly workerId: string;
  /** Runs until stop() has drained: resolves to 0. Rejects with JoinRefused when the join is refused for good. */
  run(): Promise<number>;
  /** Drains and leaves. */
  stop(): void;
}

export interface TaskError {
  type: string;
  message: string;
  nonRetryable?: boolean;
}

/** A task as GET /tasks/{id} shows it (the fields an SDK user reads most; the API has more). */
export interface Task {
  id: string;
  task: string;
  status: "queued" | "scheduled" | "running" | "retrying" | "cancelling" | "success" | "failure" | "cancelled";
  priority: Priority;
  attempts: number;
  maxAttempts: number;
  result: Json;
  error: TaskError | null;
  submittedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  worker: string | null;
  traceId: string | null;
  progress: { fraction: number; message: string | null; at: string } | null;
  [more: string]: unknown;
}

/** Any submission field of the HTTP API besides task and args. */
export interface SubmitOptions {
  kwargs?: { [name: string]: Json };
  priority?: Priority;
  countdown?: Duration;
  eta?: Date | string;
  timeout?: Duration;
  maxRetries?: number;
  retryDelay?: Duration;
  retryBackoff?: number;
  retryBackoffMax?: Duration;
  id?: string;
  idempotencyKey?: string;
  [field: string]: unknown;
}

export interface BatchItem extends SubmitOptions {
  task: string;
  args?: Json[];
}

export declare class ProblemError extends Error {
  readonly status: number;
  readonly problem: { type?: string; title?: string; status?: number; detail?: string; [field: string]: unknown };
  readonly type?: string;
  readonly title?: string;
  readonly detail?: string;
}

export declare class TaskFailed extends Error {
  readonly task: Task;
}

export declare class Client {
  constructor(url?: string, options?: { token?: string; timeoutMs?: number });
  readonly url: string;
  delay(task: string, args?: Json[], options?: SubmitOptions): Promise<string>;
  submit(task: string, args?: Json[], options?: SubmitOptions & { waitMs?: number }): Promise<Task>;
  run(task: string, args?: Json[], options?: SubmitOptions & { waitMs?: number }): Promise<Json>;
  submitBatch(items: BatchItem[]): Promise<string[]>;
  result(id: string, options?: { waitMs?: number }): Promise<Task | null>;
  cancel(id: string): Promise<boolean>;
  workers(): Promise<Array<{ id: string; active: boolean; [field: string]: unknown }>>;
}
