#!/usr/bin/env node
// fastworker-node subworker --task-modules ./tasks.js --control-plane-address tcp://host:5555 --worker-id w --concurrency 4
// Flags fall back to the variables the Java subworker reads. Exit statuses: 0 drained, 2 bad usage or a refused join.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

import { JoinRefused } from "./errors.js";
import { Subworker } from "./subworker.js";

const env = process.env;
const usage = "usage: fastworker-node subworker --task-modules ./tasks.js [...] --control-plane-address tcp://host:port "
  + "[--worker-id ID] [--concurrency N] [--token T] [--trust ca.pem] [--cert c.pem --key k.pem] [--shutdown-timeout S]";

async function main(argv) {
  if (argv[0] !== "subworker") {
    console.error(usage);
    return argv.length === 0 || argv[0] === "--help" ? 0 : 2;
  }
  let values;
  try {
    ({ values } = parseArgs({ args: argv.slice(1), options: {
      "task-modules": { type: "string", multiple: true },
      "control-plane-address": { type: "string", default: env.FASTWORKER_CONTROL_PLANE_ADDRESS },
      "worker-id": { type: "string", default: env.FASTWORKER_WORKER_ID },
      concurrency: { type: "string", default: env.FASTWORKER_CONCURRENCY ?? "1" },
      token: { type: "string", default: env.FASTWORKER_LINK_TOKEN },
      trust: { type: "string", default: env.FASTWORKER_SUBWORKER_TLS_TRUST },
      cert: { type: "string", default: env.FASTWORKER_SUBWORKER_TLS_CERT },
      key: { type: "string", default: env.FASTWORKER_SUBWORKER_TLS_KEY },
      "shutdown-timeout": { type: "string", default: env.FASTWORKER_SUBWORKER_SHUTDOWN_TIMEOUT ?? "30" },
      help: { type: "boolean" },
    }, allowPositionals: true }));
  } catch (e) {
    console.error(`${e.message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const modules = values["task-modules"] ?? (env.FASTWORKER_TASK_MODULES ?? "").split(/[\s,]+/).filter(Boolean);
  if (!modules.length || !values["control-plane-address"]) {
    console.error(`give --task-modules and --control-plane-address\n${usage}`);
    return 2;
  }
  for (const module of modules) {
    await import(pathToFileURL(path.resolve(module)).href);
  }
  const read = (file) => (file ? fs.readFileSync(file) : undefined);
  let worker;
  try {
    worker = new Subworker({ address: values["control-plane-address"], workerId: values["worker-id"],
      concurrency: Number(values.concurrency), token: values.token,
      tls: { ca: read(values.trust), cert: read(values.cert), key: read(values.key) },
      shutdownTimeoutMs: Number(values["shutdown-timeout"]) * 1000 });
  } catch (e) {
    console.error(`Error: ${e.message}`);
    return 2;
  }
  for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => worker.stop());
  try {
    return await worker.run();
  } catch (e) {
    if (e instanceof JoinRefused) {
      console.error(`Error: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
process.exit();
