'use strict';
// One function instance: a child process that loads a BUILT bundle with require,
// as FC's Node.js runtime does, and runs one invocation at a time (FC 3.0 built-in
// runtimes never run two requests in one instance). Plain CommonJS on purpose: it
// starts in a few milliseconds with no loader and works from the sources and the
// bundled CLI alike. The parent (instance.ts) talks to it over the IPC channel.
//
// argv: <codeDir> <handler>   e.g. /repo/dist/task-worker index.handler
// First of all: the host runs. An instance that dies before this (Node itself
// refusing its options, NODE_OPTIONS in s.yaml) is told apart by its absence.
process.send?.({ type: 'hello' });

const path = require('node:path');

const [codeDir, handlerSpec] = process.argv.slice(2);
// The instance's end of a socket the stack keeps open while it runs (stdio[4] in instance.ts).
const LIFELINE_FD = 4;

function toErrorBody(err) {
  if (err instanceof Error) {
    return {
      errorMessage: err.message,
      errorType: err.name || 'Error',
      stackTrace: String(err.stack || `${err.name}: ${err.message}`).split('\n'),
    };
  }
  return { errorMessage: String(err), errorType: 'Error', stackTrace: [] };
}

// What FC passes of a synchronous invocation (the request side has the same limit).
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

// FC serialises the handler result: a Buffer unchanged, a string as is, any other
// value JSON-encoded (undefined becomes an empty body).
function toBytes(value) {
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value), 'utf8');
}

// FC's Node.js 18/20 log lines (the logging page, help.aliyun.com/document_detail/2512968.html):
// console.log and context.logger lines carry the time (UTC), the request id and
// the level, `2024-03-04 07:01:16.927 1-65e571bc-158a59e8-b63f98cd471c [info] hello,world`;
// process.stdout.write is printed as is. ALIYUN_FC_LOG_LEVEL (debug, info, warn,
// error) drops console and logger lines below it; unset, every line is printed.
const LEVELS = { debug: 1, info: 2, warn: 3, error: 4 };
const configuredLevel = String(process.env.ALIYUN_FC_LOG_LEVEL ?? '').toLowerCase();
const minLevel = LEVELS[configuredLevel] ?? 0;
// The invocation running now (one at a time): console lines carry its request id.
let currentRequestId = '';

function logLine(level, requestId, text) {
  const time = new Date().toISOString().replace('T', ' ').slice(0, 23);
  return `${time} ${requestId ? `${requestId} ` : ''}[${level}] ${text}\n`;
}

// Node's console methods, with FC's prefix and level filter. warn and error go
// to stderr, as Node's do; FC collects both streams.
const { format } = require('node:util');
for (const [method, level, stream] of [
  ['log', 'info', process.stdout],
  ['info', 'info', process.stdout],
  ['debug', 'debug', process.stdout],
  ['warn', 'warn', process.stderr],
  ['error', 'error', process.stderr],
]) {
  console[method] = (...args) => {
    if (LEVELS[level] < minLevel) return;
    stream.write(logLine(level, currentRequestId, format(...args)));
  };
}

function createLogger(requestId) {
  const line = (level) => {
    if (LEVELS[level] < minLevel) return () => {};
    return (...args) => {
      const text = args
        .map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.stack : JSON.stringify(a)))
        .join(' ');
      process.stdout.write(logLine(level, requestId, text));
    };
  };
  const name = LEVELS[configuredLevel] ? configuredLevel : 'info';
  return {
    requestId,
    logLevel: { name, priority: LEVELS[name] },
    debug: line('debug'),
    info: line('info'),
    log: line('info'),
    warn: line('warn'),
    error: line('error'),
  };
}

let handler;
let initializer;
const initStarted = performance.now();

// A handler module is index.js, index.mjs or index.cjs, as on FC's nodejs18/20.
// index.js is an ES module when the nearest package.json says "type": "module"
// (Node's own rule, and FC's); an ES module is loaded with import(). A bundle
// (CommonJS, with its own package.json) takes the plain require path.
async function loadModule(name) {
  const base = path.join(codeDir, name);
  const fs = require('node:fs');
  const { pathToFileURL } = require('node:url');
  const importFile = (file) => import(pathToFileURL(file).href);
  if (!fs.existsSync(`${base}.js`)) {
    if (fs.existsSync(`${base}.mjs`)) return importFile(`${base}.mjs`);
    // require() does not try the .cjs extension by itself.
    if (fs.existsSync(`${base}.cjs`)) return require(`${base}.cjs`);
    return require(base);
  }
  if (packageTypeOf(path.dirname(`${base}.js`)) === 'module') return importFile(`${base}.js`);
  try {
    return require(base);
  } catch (err) {
    // ESM syntax without "type": "module" (Node tells by its syntax), or an ES
    // module with top-level await, which require() cannot load.
    // Only when index.js itself is an ES module: one that a CommonJS index.js
    // requires failing must not make index.js run a second time under import().
    if (
      (err?.code === 'ERR_REQUIRE_ESM' || err?.code === 'ERR_REQUIRE_ASYNC_MODULE') &&
      !compilesAsCommonJs(`${base}.js`)
    ) {
      return importFile(`${base}.js`);
    }
    throw err;
  }
}

/** Whether a file's source compiles as a CommonJS module body (ESM syntax and top-level await do not). */
function compilesAsCommonJs(file) {
  try {
    require('node:vm').compileFunction(require('node:fs').readFileSync(file, 'utf8'), [
      'exports',
      'require',
      'module',
      '__filename',
      '__dirname',
    ]);
    return true;
  } catch {
    return false;
  }
}

/** The "type" of the nearest package.json above `dir` ('commonjs' when none says). */
function packageTypeOf(dir) {
  const fs = require('node:fs');
  for (let d = dir; ; d = path.dirname(d)) {
    const file = path.join(d, 'package.json');
    if (fs.existsSync(file)) {
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8')).type === 'module' ? 'module' : 'commonjs';
      } catch {
        return 'commonjs'; // Node fails the load itself on a broken package.json
      }
    }
    if (path.dirname(d) === d) return 'commonjs';
  }
}

async function exportOf(spec, what) {
  const at = spec.lastIndexOf('.');
  const mod = await loadModule(spec.slice(0, at));
  const fn = mod[spec.slice(at + 1)];
  if (typeof fn !== 'function') {
    throw new Error(`${spec} (${what}) is not a function exported by ${spec.slice(0, at)}`);
  }
  return fn;
}

(async () => {
  try {
    handler = await exportOf(handlerSpec, 'the handler');
    const initSpec = process.env.FC_INITIALIZER_HANDLER;
    if (initSpec) initializer = await exportOf(initSpec, 'the initializer');
    process.send({ type: 'ready', initMs: performance.now() - initStarted });
    setImmediate(startLifeline);
  } catch (err) {
    process.send({ type: 'init-failed', error: toErrorBody(err) });
  }
})();

// FC runs the initializer once per instance, before its first invocation. If it
// fails or runs out of time the invocation fails with InitializationError and
// the instance is not used again.
let initialized;
function initializeOnce(context) {
  if (!initializer) return Promise.resolve();
  if (!initialized) {
    const seconds = Number(process.env.FC_INITIALIZATION_TIMEOUT) || 3;
    // (context, callback) or (context) returning a value or a promise.
    const init =
      initializer.length >= 2
        ? (_event, ctx, callback) => initializer(ctx, callback)
        : (_event, ctx) => initializer(ctx);
    let timer;
    const timedOut = new Promise((_, reject) => {
      timer = setTimeout(
        () =>
          reject({
            errorMessage: `the initializer timed out after ${seconds} s`,
            errorType: 'InitializationTimeout',
          }),
        seconds * 1000,
      );
    });
    initialized = Promise.race([runHandlerWith(init, Buffer.alloc(0), context), timedOut]).finally(
      () => clearTimeout(timer),
    );
  }
  return initialized;
}

function runHandlerWith(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err) reject(Object.assign(toErrorBody(err), { handled: true }));
      else resolve(result);
    };
    try {
      // The callback form (event, context, callback) still exists; async handlers ignore it.
      const out = fn(event, context, callback);
      if (out && typeof out.then === 'function') {
        out.then(
          (v) => {
            if (!settled) {
              settled = true;
              resolve(v);
            }
          },
          (e) => {
            if (!settled) {
              settled = true;
              reject(toErrorBody(e));
            }
          },
        );
      } else if (fn.length < 3 && !settled) {
        settled = true;
        resolve(out);
      }
    } catch (e) {
      if (!settled) {
        settled = true;
        reject(toErrorBody(e));
      }
    }
  });
}

// The invocation's own output, for `x-fc-log-type: Tail` (FC returns the last 4 KB).
// One invocation at a time, so everything written meanwhile belongs to it.
// Kept by bytes (chunks whose bytes are all older than the last 4 KB dropped),
// however many writes it took.
const LOG_TAIL = 4096;
let capture;
let captureBytes = 0;
function startCapture(first) {
  capture = [first];
  captureBytes = first.length;
}
function captureChunk(chunk) {
  capture.push(chunk);
  captureBytes += chunk.length;
  while (captureBytes - capture[0].length >= LOG_TAIL) captureBytes -= capture.shift().length;
}
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => {
    if (capture) {
      const encoding = typeof rest[0] === 'string' ? rest[0] : 'utf8';
      captureChunk(
        // A copy of what was written: a Buffer the function reuses after
        // write() must not change the Tail, and any typed array or DataView
        // is its bytes, not its String().
        ArrayBuffer.isView(chunk)
          ? Buffer.from(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
          : Buffer.from(String(chunk), encoding),
      );
    }
    return write(chunk, ...rest);
  };
}
function takeLogTail() {
  const all = Buffer.concat(capture ?? []);
  capture = undefined;
  captureBytes = 0;
  return all.subarray(Math.max(0, all.length - LOG_TAIL)).toString('base64');
}

process.on('message', async (msg) => {
  if (msg?.type !== 'invoke' || !handler) return;
  // Started after 'ready' to keep it off the cold start, but an invocation can
  // arrive first (a loaded machine): a handler that then held the thread
  // would run with no lifeline, and outlive a killed stack.
  startLifeline();
  const context = { ...msg.context, logger: createLogger(msg.context.requestId) };
  const event = Buffer.from(msg.event, 'base64');
  const started = performance.now();
  // The Start/End lines FC writes go into the tail only, keeping the terminal quiet.
  startCapture(Buffer.from(`FC Invoke Start RequestId: ${msg.context.requestId}\n`));
  currentRequestId = msg.context.requestId;
  let initFailed = false;
  try {
    await initializeOnce(context).catch((e) => {
      initFailed = true;
      throw e;
    });
    const result = await runHandlerWith(handler, event, context);
    // Serialised here, inside the try: a result JSON cannot hold (a BigInt, a
    // cycle) fails the invocation like a throw, as FC's runtime does.
    const bytes = toBytes(result);
    if (bytes.length > MAX_RESPONSE_BYTES) {
      throw {
        errorMessage: `the function's response is ${bytes.length} bytes, over the ${MAX_RESPONSE_BYTES} (32 MB) a synchronous invocation returns`,
        errorType: 'ResponseTooLarge',
      };
    }
    const body = bytes.toString('base64');
    captureChunk(Buffer.from(`FC Invoke End RequestId: ${msg.context.requestId}\n`));
    process.send({
      type: 'result',
      id: msg.id,
      ok: true,
      body,
      durationMs: performance.now() - started,
      logTail: takeLogTail(),
    });
  } catch (thrown) {
    // runHandler rejects with an error body already; anything else is made one,
    // since a raw Error crosses the JSON channel as {}.
    const isBody = thrown && !(thrown instanceof Error) && typeof thrown.errorMessage === 'string';
    const error = isBody ? { ...thrown } : toErrorBody(thrown);
    const handled = Boolean(error.handled);
    delete error.handled;
    if (capture) {
      captureChunk(
        Buffer.from(
          initFailed
            ? `FC Initialize Failed: ${error.errorMessage}\n`
            : `FC Invoke End RequestId: ${msg.context.requestId}, Error: ${handled ? 'Handled' : 'Unhandled'} function error\n`,
        ),
      );
    }
    // A failed initializer leaves the instance unusable: it exits once the answer is sent.
    process.send(
      {
        type: 'result',
        id: msg.id,
        ok: false,
        ...(initFailed ? { initializationError: true } : { handled }),
        error,
        durationMs: performance.now() - started,
        logTail: takeLogTail(),
      },
      initFailed ? () => process.exit(1) : undefined,
    );
  }
});

// An unhandled rejection or exception kills the instance, as in FC; the parent
// reports "Process exited unexpectedly" and starts a fresh one.
process.on('unhandledRejection', (err) => {
  process.stderr.write(`unhandled rejection: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(129);
});
// The stack has gone (stopped, or killed): so does this instance, with what it started.
process.on('disconnect', killOwnGroup);

/** Kills this instance's process group (it leads one): itself and what it started. */
function killOwnGroup() {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    process.exit(0);
  }
}

/**
 * 'disconnect' needs this thread's event loop, which a busy handler (a tight
 * loop, long synchronous work) holds. So a shell in this process group blocks
 * reading fd 4, a socket whose other end only the stack holds: however the
 * stack ends, even by SIGKILL, the kernel closes that end, the read returns and
 * the shell kills the group. Nothing polls, and it costs ~2 MB of memory (a
 * watchdog thread, the fallback where there is no /bin/sh, costs ~11 MB).
 */
let lifelineStarted = false;
function startLifeline() {
  if (lifelineStarted) return;
  lifelineStarted = true;
  const { spawn } = require('node:child_process');
  const shell = spawn('/bin/sh', ['-c', 'read -r _; kill -KILL 0'], {
    stdio: [LIFELINE_FD, 'ignore', 'ignore'],
  });
  shell.unref();
  shell.on('error', startWatchdog);
}

/** The fallback: a thread that checks twice a second that the stack is still the parent. */
function startWatchdog() {
  const { Worker } = require('node:worker_threads');
  const watchdog = new Worker(
    `const { workerData: parent } = require('node:worker_threads');
     setInterval(() => {
       if (process.ppid === parent) return;
       try { process.kill(-process.pid, 'SIGKILL'); } catch { process.kill(process.pid, 'SIGKILL'); }
     }, 500);`,
    { eval: true, workerData: process.ppid },
  );
  watchdog.unref();
  watchdog.on('error', () => {});
}
