// FastWorker for Java's Node SDK: declare tasks with registerTask, run them with a Subworker, submit with a Client.
export { Client, ProblemError, TaskFailed } from "./client.js";
export { Cancelled, JoinRefused, NonRetryable, TaskTimeout } from "./errors.js";
export { Subworker, stderrLog } from "./subworker.js";
export { registerTask, registeredTasks, TaskDefinitionError } from "./tasks.js";
