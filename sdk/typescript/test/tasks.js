// Tasks for the SDK's tests: what users write, plus handlers that record what happened to them in files.
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

import { Cancelled, NonRetryable, registerTask } from "../src/index.js";

registerTask("ts_echo", ([value]) => value, { parameters: ["value"] });
registerTask("ts_add", ([x, y]) => x + y, { parameters: ["x", "y"] });
registerTask("ts_noop", () => null);
registerTask("ts_nap", async ([ms], ctx) => {
  await sleep(ms);
  return ctx.attempt;
}, { parameters: ["ms"] });
registerTask("ts_sleep", async ([ms, marker], ctx) => {
  try {
    await sleep(ms, undefined, { signal: ctx.signal });
  } catch (e) {
    fs.writeFileSync(marker, `stopped: ${ctx.signal.reason?.name}`);
    throw e;
  }
  return ms;
}, { timeout: 500 });
registerTask("ts_stubborn", async ([ms]) => {
  await sleep(ms); // ignores its signal
  return ms;
}, { timeout: 500 });
registerTask("ts_steps", async ([steps, stepMs], ctx) => {
  for (let i = 1; i <= steps; i++) {
    await sleep(stepMs);
    if (ctx.cancelled) throw new Cancelled(`stopped at step ${i} of ${steps}`);
    ctx.progress(i / steps, `step ${i} of ${steps}`);
  }
  return steps;
});
registerTask("ts_flaky", ([counter, failures]) => {
  const runs = (fs.existsSync(counter) ? Number(fs.readFileSync(counter, "utf8")) : 0) + 1;
  fs.writeFileSync(counter, String(runs));
  if (runs <= failures) throw new Error(`run ${runs} fails on purpose`);
  return runs;
}, { maxRetries: 3, retryDelay: 50 });
registerTask("ts_final", ([reason]) => {
  throw new NonRetryable(reason);
}, { maxRetries: 3 });
registerTask("ts_bigint", () => 10n);
