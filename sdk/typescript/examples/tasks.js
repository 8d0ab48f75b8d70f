// Example tasks for a Node subworker:
//   npx fastworker-node subworker --task-modules examples/tasks.js --control-plane-address tcp://127.0.0.1:5555
import { setTimeout as sleep } from "node:timers/promises";

import { NonRetryable, registerTask } from "fastworker";

/** Reverses a text; anything else fails for good. */
registerTask("ts_reverse", ([text]) => {
  if (typeof text !== "string") throw new NonRetryable(`text must be a string, got ${typeof text}`);
  return [...text].reverse().join("");
}, { parameters: ["text"], maxRetries: 2, retryDelay: 500 });

/** Waits, reporting its progress each step, and stops at the next step once cancelled. */
registerTask("ts_steps", async ([steps, stepMs], ctx) => {
  for (let i = 1; i <= steps; i++) {
    await sleep(stepMs, undefined, { signal: ctx.signal });
    ctx.progress(i / steps, `step ${i} of ${steps}`);
  }
  return steps;
}, { parameters: ["steps", "stepMs"] });
