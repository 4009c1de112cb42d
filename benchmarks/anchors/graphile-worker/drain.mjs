// graphile-worker draining no-op jobs: the anchor the job-queue benchmark compares against, run by the benchmark itself
// on the same PostgreSQL cluster in the same run. Written from graphile-worker's documentation (library mode: run(),
// makeWorkerUtils(), addJobs(), the Logger and WorkerEvents pages, and the performance page's batching options).
//
//   ANCHOR_DATABASE_URL=postgres://user@host:port/db node drain.mjs --jobs 100000 --concurrency 4 --mode single
//
// Prints one JSON line per drain on stdout: {"mode","concurrency","localQueue","jobs","seconds","jobsPerSecond",...}.
// --mode single: one job per fetch and per completion (graphile-worker's defaults: no local queue, no completion batching).
// --mode batched: a local queue of --local-queue jobs per fetch and batched completions (completeJobBatchDelay 0), the
// settings its performance page uses for its batched figures.

import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { readFile } from "node:fs/promises";
import { Logger, makeWorkerUtils, run } from "graphile-worker";

const installedVersion = JSON.parse(
  await readFile(new URL("./node_modules/graphile-worker/package.json", import.meta.url), "utf8"),
).version;

const options = parseArguments(process.argv.slice(2));
const connectionString = process.env.ANCHOR_DATABASE_URL;
if (!connectionString) {
  console.error("Set ANCHOR_DATABASE_URL to a connection string (postgres://user@host:port/database) of an empty database.");
  process.exit(2);
}

// A silent logger: the default one writes a line per job, which halves the throughput and is not how it runs in production.
const silent = new Logger(() => () => {});

// One pool for the whole process, warmed by the warm-up drain, as a long-running worker's pool would be.
const poolSize = Math.max(options.concurrency + 2, 10);
const pool = new pg.Pool({ connectionString, max: poolSize });
pool.on("error", (error) => console.error(`idle client error: ${error.message}`));
pool.on("connect", (client) => client.on("error", (error) => console.error(`client error: ${error.message}`)));

try {
  const utils = await makeWorkerUtils({ pgPool: pool, logger: silent });
  try {
    await utils.migrate();
    if (options.warmup > 0) {
      await drain(utils, options.warmup);
    }

    for (let round = 0; round < options.rounds; round++) {
      const result = await drain(utils, options.jobs);
      console.log(JSON.stringify(result));
    }
  } finally {
    await utils.release();
  }
} finally {
  await pool.end();
}

async function drain(utils, jobs) {
  // Each drain starts from a vacuumed, analysed queue (the database holds only graphile-worker's schema), as ours does.
  await pool.query("VACUUM ANALYZE");

  const enqueueStart = performance.now();
  for (let offset = 0; offset < jobs; offset += 5000) {
    const count = Math.min(5000, jobs - offset);
    const specs = new Array(count);
    for (let index = 0; index < count; index++) {
      specs[index] = { identifier: "noop", payload: {} };
    }

    await utils.addJobs(specs);
  }

  const enqueueSeconds = (performance.now() - enqueueStart) / 1000;

  // The clock starts at the first job's start (connecting and start-up are left out, in graphile-worker's favour) and
  // stops when the runner has stopped, which is when the last completion has reached the database (job:success is
  // emitted before the completion is written).
  const events = new EventEmitter();
  let started = 0;
  let succeeded = 0;
  let failed = 0;
  let firstStart = 0;
  let allSucceeded;
  const finished = new Promise((resolve) => {
    allSucceeded = resolve;
  });
  events.on("job:start", () => {
    if (started++ === 0) {
      firstStart = performance.now();
    }
  });
  events.on("job:success", () => {
    if (++succeeded === jobs) {
      allSucceeded();
    }
  });
  events.on("job:failed", () => {
    failed++;
  });

  const batched = options.mode === "batched";
  const runner = await run({
    pgPool: pool,
    logger: silent,
    noHandleSignals: true,
    taskList: { noop: async () => {} },
    preset: {
      worker: {
        concurrentJobs: options.concurrency,
        pollInterval: 1000,
        preparedStatements: true,
        events,
        localQueue: { size: batched ? options.localQueue : -1 },
        completeJobBatchDelay: batched ? 0 : -1,
        failJobBatchDelay: batched ? 0 : -1,
      },
    },
  });
  await finished;
  await runner.stop();
  const seconds = (performance.now() - firstStart) / 1000;

  // Without completion batching a worker does not wait for its last completion, and stop() may resolve just before it is
  // written: wait for it (outside the clock; it is the last few milliseconds at most) before checking that none is left.
  let left = -1;
  for (let attempt = 0; attempt < 1000 && left !== 0; attempt++) {
    if (attempt > 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const { rows } = await pool.query("SELECT count(*)::int AS left FROM graphile_worker.jobs");
    left = rows[0].left;
  }

  if (left !== 0 || failed !== 0) {
    throw new Error(`The drain left ${left} jobs and ${failed} failed.`);
  }

  return {
    mode: options.mode,
    concurrency: options.concurrency,
    localQueue: batched ? options.localQueue : null,
    jobs,
    seconds: round(seconds, 3),
    jobsPerSecond: round(jobs / seconds, 0),
    enqueuePerSecond: round(jobs / enqueueSeconds, 0),
    version: installedVersion,
  };
}

function parseArguments(args) {
  const parsed = { jobs: 100000, concurrency: 4, mode: "single", localQueue: 500, warmup: 5000, rounds: 1 };
  for (let index = 0; index < args.length; index += 2) {
    const name = args[index].replace(/^--/, "");
    const value = args[index + 1];
    switch (name) {
      case "jobs":
      case "concurrency":
      case "warmup":
      case "rounds":
        parsed[name] = Number.parseInt(value, 10);
        break;
      case "local-queue":
        parsed.localQueue = Number.parseInt(value, 10);
        break;
      case "mode":
        if (value !== "single" && value !== "batched") {
          throw new Error(`--mode is single or batched, not ${value}`);
        }

        parsed.mode = value;
        break;
      default:
        throw new Error(`Unknown option --${name}`);
    }
  }

  return parsed;
}

function round(value, digits) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
