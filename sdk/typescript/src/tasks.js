// Task declarations: registerTask and the registry of this process's tasks.

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
const PRIORITIES = ["critical", "high", "normal", "low"];
const tasks = new Map();

/** A declaration the control plane would refuse, or that is of the wrong type; thrown by registerTask. */
export class TaskDefinitionError extends Error {
  constructor(message) {
    super(message);
    this.name = "TaskDefinitionError";
  }
}

/**
 * Declares a task: `registerTask("resize", async (args, ctx) => ..., { timeout: "30s", maxRetries: 2 })`. The handler
 * gets the submission's positional `args` (an array) and a context with its `kwargs`, `progress()`, an abort `signal`
 * and the attempt's ids; it returns anything JSON can carry.
 */
export function registerTask(name, handler, options = {}) {
  const where = `task ${JSON.stringify(name)}`;
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new TaskDefinitionError(`${where}: a task name is 1 to 128 characters of A-Z a-z 0-9 _ . : -`);
  }
  if (typeof handler !== "function") {
    throw new TaskDefinitionError(`${where}: the handler must be a function`);
  }
  if (options === null || typeof options !== "object") {
    throw new TaskDefinitionError(`${where}: options must be an object`);
  }
  const announced = {};
  const limits = {};
  let parameters;
  for (const [key, value] of Object.entries(options)) {
    switch (key) {
      case "priority":
        if (!PRIORITIES.includes(value)) {
          throw new TaskDefinitionError(`${where}: priority must be one of ${PRIORITIES.join(", ")}, got ${value}`);
        }
        announced.priority = value;
        break;
      case "timeout":
      case "retryDelay":
      case "retryBackoffMax":
        announced[key] = duration(where, key, value);
        break;
      case "maxRetries":
        if (!Number.isInteger(value)) throw new TaskDefinitionError(`${where}: maxRetries is a whole number`);
        announced.maxRetries = value;
        break;
      case "retryBackoff":
        if (typeof value !== "number") throw new TaskDefinitionError(`${where}: retryBackoff is a number`);
        announced.retryBackoff = value;
        break;
      case "maxConcurrency":
        if (!Number.isInteger(value)) throw new TaskDefinitionError(`${where}: maxConcurrency is a whole number`);
        limits.maxConcurrency = value;
        break;
      case "rateLimit":
        if (typeof value !== "string") throw new TaskDefinitionError(`${where}: rateLimit is a text such as "10/s"`);
        limits.rateLimit = value;
        break;
      case "parameters":
        if (!Array.isArray(value) || !value.every((p) => typeof p === "string")) {
          throw new TaskDefinitionError(`${where}: parameters is an array of names`);
        }
        parameters = [...value];
        break;
      default:
        throw new TaskDefinitionError(`${where}: unknown option ${key}; the options are priority, timeout, ` +
          "maxRetries, retryDelay, retryBackoff, retryBackoffMax, maxConcurrency, rateLimit, parameters");
    }
  }
  tasks.set(name, { name, handler, options: announced, limits, parameters });
  return handler;
}

/** The tasks declared so far, by name. */
export function registeredTasks() {
  return new Map(tasks);
}

/** A duration option as the link takes it: milliseconds (a number) or a text the control plane reads ("30s"). */
function duration(where, key, value) {
  if (typeof value === "number" && Number.isFinite(value)) return value / 1000;
  if (typeof value === "string" && value.length > 0) return value;
  throw new TaskDefinitionError(`${where}: ${key} is milliseconds or a duration such as "30s", got ${value}`);
}
