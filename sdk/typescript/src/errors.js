// The errors a task handler throws, or sees, to say how its attempt ends.

/** Thrown by a handler whose failure is final: the control plane fails the task without a retry. */
export class NonRetryable extends Error {
  constructor(message) {
    super(message);
    this.name = "NonRetryable";
  }
}

/** The reason of `ctx.signal` once the task was cancelled; a handler may throw it after seeing the signal abort. */
export class Cancelled extends Error {
  constructor(message = "the task was cancelled") {
    super(message);
    this.name = "Cancelled";
  }
}

/** The reason of `ctx.signal` once the attempt overran its timeout (already reported as `timeout`). */
export class TaskTimeout extends Error {
  constructor(message = "the task overran its timeout") {
    super(message);
    this.name = "TaskTimeout";
  }
}

/** The control plane refused the join for a reason another try cannot mend (a bad declaration, a wrong token). */
export class JoinRefused extends Error {
  constructor(message) {
    super(message);
    this.name = "JoinRefused";
  }
}
