// Drives a real control plane through the TypeScript (fetch) client OpenAPI Generator made from docs/openapi.yaml.
//
// Usage: node check_client.js URL TOKEN (compiled by tsc beside ./generated, the generated client)
//
// Prints one JSON object of what it saw; GeneratedClientsIT asserts on it. Every call goes through the generated API
// classes and models, none through hand-written HTTP.
import {
  Configuration,
  DeadLettersApi,
  ProblemFromJSON,
  ResponseError,
  TasksApi,
} from "./generated";

declare const process: { argv: string[]; exit(code: number): never }; // Node's, without @types/node

const [url, token] = process.argv.slice(2);

function config(accessToken?: string): Configuration {
  return new Configuration({ basePath: url, accessToken });
}

/** The problem document of a call that must fail, read by the generated model. */
async function problemOf(call: () => Promise<unknown>): Promise<object> {
  try {
    await call();
  } catch (e) {
    if (!(e instanceof ResponseError)) {
      throw e;
    }
    const p = ProblemFromJSON(await e.response.json());
    return {
      httpStatus: e.response.status,
      contentType: e.response.headers.get("content-type"),
      type: p.type,
      title: p.title,
      status: p.status,
      detail: p.detail,
    };
  }
  throw new Error("the call succeeded");
}

async function main(): Promise<void> {
  const tasks = new TasksApi(config(token));
  const seen: Record<string, unknown> = {};

  // Submit, then wait for the result.
  const accepted = await tasks.submitTask({ submission: { task: "add", args: [5, 3] } });
  const done = await tasks.getTask({ id: accepted.id, wait: "10s" });
  seen.submitted = { id: accepted.id, status: accepted.status };
  seen.finished = { id: done.id, status: done.status, result: done.result, attempts: done.attempts };

  // A bad request: a task nobody registered.
  seen.unknownTask = await problemOf(() => tasks.submitTask({ submission: { task: "no_such_task" } }));

  // A task that fails with no retries left ends in the dead letters.
  const failing = await tasks.submitTask({
    submission: { task: "fail", args: ["from the generated TypeScript client"], maxRetries: 0 },
  });
  const failed = await tasks.getTask({ id: failing.id, wait: "10s" });
  const letters = await new DeadLettersApi(config(token)).listDeadLetters({ task: "fail" });
  seen.failed = { id: failing.id, status: failed.status, error: failed.error?.message };
  seen.deadLetters = { total: letters.total, ids: letters.items.map((t) => t.id) };

  seen.noKey = await problemOf(() => new TasksApi(config()).getTask({ id: accepted.id }));
  console.log(JSON.stringify(seen));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
