// Real processes for the SDK's tests: a control plane (the stock daemon's jar; FASTWORKER_JAR, by default the
// repository's daemon/target/quarkus-app/quarkus-run.jar) and subworkers started with the fastworker-node command.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SDK = path.resolve(HERE, "..");
const ROOT = path.resolve(SDK, "../..");
const JAR = process.env.FASTWORKER_JAR ?? path.join(ROOT, "daemon/target/quarkus-app/quarkus-run.jar");
const JAVA = process.env.FASTWORKER_JAVA ?? "java";
// The installed package's command when there is one (FASTWORKER_NODE_CLI), else the sources'.
const CLI = process.env.FASTWORKER_NODE_CLI ?? path.join(SDK, "src/cli.js");

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns something truthy; fails naming `what` after `ms`. */
export async function eventually(check, ms, what) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(50);
  }
  throw new Error(`${what} did not happen within ${ms} ms (last: ${last})`);
}

export async function http(method, url, body) {
  const response = await fetch(url, { method, headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** A control plane that runs no task itself (every task goes to a subworker), with a disk store. */
export class ControlPlane {
  static async start(env = {}) {
    const plane = new ControlPlane();
    plane.dir = fs.mkdtempSync(path.join(os.tmpdir(), "fastworker-node-"));
    plane.httpPort = await freePort();
    plane.linkPort = await freePort();
    plane.url = `http://127.0.0.1:${plane.httpPort}`;
    plane.link = `tcp://127.0.0.1:${plane.linkPort}`;
    plane.env = env;
    await plane.launch();
    return plane;
  }

  async launch() {
    const log = fs.openSync(path.join(this.dir, "control-plane.log"), "a");
    this.process = spawn(JAVA, [`-Dquarkus.http.port=${this.httpPort}`, "-jar", JAR, "--role", "control-plane",
      "--link-port", String(this.linkPort)], { env: { ...process.env, FASTWORKER_STORE_PATH: path.join(this.dir, "store"),
      FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY: "false", ...this.env }, stdio: ["ignore", log, log] });
    this.exited = new Promise((resolve) => this.process.on("exit", resolve));
    await eventually(async () => {
      if (this.process.exitCode !== null) throw new Error(`the control plane exited: ${this.log()}`);
      return (await http("GET", `${this.url}/q/health/ready`)).status === 200;
    }, 60000, "the control plane's readiness");
  }

  log() {
    return fs.readFileSync(path.join(this.dir, "control-plane.log"), "utf8").slice(-6000);
  }

  async task(id) {
    return (await http("GET", `${this.url}/tasks/${id}`)).body;
  }

  async worker(id) {
    return (await http("GET", `${this.url}/workers`)).body.find((w) => w.id === id);
  }

  async kill() {
    this.process.kill("SIGKILL");
    await this.exited;
  }

  async stop() {
    if (this.process.exitCode === null) {
      this.process.kill("SIGTERM");
      await this.exited;
    }
  }
}

/** A fastworker-node subworker process with the test tasks. */
export class NodeSubworker {
  static async start(cp, workerId, { concurrency = 1, modules = [path.join(HERE, "tasks.js")], env = {}, wait = true } = {}) {
    const worker = new NodeSubworker();
    worker.cp = cp;
    worker.workerId = workerId;
    worker.logFile = path.join(cp.dir, `${workerId}.log`);
    const log = fs.openSync(worker.logFile, "a");
    worker.process = spawn(process.execPath, [CLI, "subworker", "--task-modules", ...modules, "--control-plane-address",
      cp.link, "--worker-id", workerId, "--concurrency", String(concurrency)],
    { env: { ...process.env, ...env }, stdio: ["ignore", log, log] });
    worker.exited = new Promise((resolve) => worker.process.on("exit", (code) => resolve(code)));
    if (wait) await worker.awaitActive();
    return worker;
  }

  async awaitActive() {
    await eventually(async () => {
      if (this.process.exitCode !== null) throw new Error(`subworker ${this.workerId} exited: ${this.log()}`);
      return (await this.cp.worker(this.workerId))?.active;
    }, 30000, `subworker ${this.workerId} joining`);
  }

  log() {
    return fs.readFileSync(this.logFile, "utf8").slice(-6000);
  }

  async kill() {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill("SIGKILL");
      await this.exited;
    }
  }

  async terminate() {
    this.process.kill("SIGTERM");
    return this.exited;
  }
}

/** The most attempts that ran at the same time, from the tasks' start and end times on the control plane. */
export function overlap(tasks) {
  const edges = [];
  for (const t of tasks) {
    edges.push([Date.parse(t.startedAt) * 1e3 + micros(t.startedAt), 1]);
    edges.push([Date.parse(t.finishedAt) * 1e3 + micros(t.finishedAt), -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let most = 0;
  let now = 0;
  for (const [, step] of edges) {
    now += step;
    most = Math.max(most, now);
  }
  return most;
}

function micros(instant) {
  const fraction = /\.(\d+)Z$/.exec(instant)?.[1] ?? "";
  return Number((fraction + "000000").slice(3, 6));
}
