// Compiled by TypeScriptSdkIT with tsc --strict against the package as installed: every call of the SDK, typed.
import { Cancelled, Client, NonRetryable, ProblemError, Subworker, TaskFailed, registerTask } from "fastworker";
import type { Json, Task, TaskContext } from "fastworker";

registerTask("typed_add", ([x, y]: Json[]) => Number(x) + Number(y), { parameters: ["x", "y"], timeout: "30s" });
registerTask("typed_steps", async (args: Json[], ctx: TaskContext): Promise<number> => {
  for (let i = 1; i <= 3; i++) {
    if (ctx.cancelled) throw new Cancelled();
    ctx.progress(i / 3, `step ${i} of 3`);
  }
  if (ctx.signal.aborted) throw new NonRetryable("stopped");
  return ctx.attempt + args.length + Object.keys(ctx.kwargs).length;
}, { maxRetries: 2, retryDelay: 500, priority: "high", maxConcurrency: 4, rateLimit: "10/s" });

async function use(): Promise<void> {
  const client = new Client("http://127.0.0.1:8080", { token: "key", timeoutMs: 5000 });
  const id: string = await client.delay("typed_add", [1, 2], { priority: "low", idempotencyKey: "k", countdown: "1s" });
  const task: Task = await client.submit("typed_add", [1, 2], { waitMs: 1000, kwargs: { z: 1 } });
  const status: string = task.status;
  const value: Json = await client.run("typed_add", [1, 2]);
  const ids: string[] = await client.submitBatch([{ task: "typed_add", args: [1, 2], eta: new Date() }]);
  const maybe: Task | null = await client.result(id, { waitMs: 10 });
  const cancelled: boolean = await client.cancel(id);
  try {
    await client.delay("nope");
  } catch (e) {
    if (e instanceof ProblemError) console.log(e.status, e.detail, e.problem.type);
    if (e instanceof TaskFailed) console.log(e.task.error?.type);
  }
  const worker = new Subworker({ address: "tcp://127.0.0.1:5555", workerId: "typed", concurrency: 2,
    tls: { ca: "pem" }, shutdownTimeoutMs: 1000 });
  setTimeout(() => worker.stop(), 1000);
  const code: number = await worker.run();
  console.log(status, value, ids, maybe?.progress?.fraction, cancelled, code);
}

void use;
