'use strict';
// One function instance: a child process that loads a BUILT bundle with require,
// as FC's Node.js runtime does, and runs one invocation at a time (FC 3.0 built-in
// runtimes never run two requests in one instance). Plain CommonJS on purpose: it
// starts in a few milliseconds with no loader and works from the sources and the
// bundled CLI alike. The parent (instance.ts) talks to it over the IPC channel.
//
// argv: <codeDir> <handler>   e.g. /repo/dist/task-worker index.handler
const path = require('node:path');

const [codeDir, handlerSpec] = process.argv.slice(2);
const dot = handlerSpec.lastIndexOf('.');
const moduleName = handlerSpec.slice(0, dot);
const exportName = handlerSpec.slice(dot + 1);

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

// FC serialises the handler result: a Buffer unchanged, a string as is, any other
// value JSON-encoded (undefined becomes an empty body).
function toBytes(value) {
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function createLogger(requestId) {
  const line =
    (level) =>
    (...args) => {
      const text = args
        .map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.stack : JSON.stringify(a)))
        .join(' ');
      process.stdout.write(`${new Date().toISOString()} ${requestId} [${level}] ${text}\n`);
    };
  return {
    requestId,
    logLevel: { name: 'info', priority: 2 },
    debug: line('DEBUG'),
    info: line('INFO'),
    log: line('INFO'),
    warn: line('WARN'),
    error: line('ERROR'),
  };
}

let handler;
const initStarted = performance.now();
try {
  const mod = require(path.join(codeDir, moduleName));
  handler = mod[exportName];
  if (typeof handler !== 'function') {
    throw new Error(`${handlerSpec} is not a function exported by ${moduleName}`);
  }
  process.send({ type: 'ready', initMs: performance.now() - initStarted });
} catch (err) {
  process.send({ type: 'init-failed', error: toErrorBody(err) });
}

function runHandler(fn, event, context) {
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
const LOG_TAIL = 4096;
let capture;
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => {
    if (capture) {
      capture.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      if (capture.length > 64) capture.splice(0, capture.length - 64);
    }
    return write(chunk, ...rest);
  };
}
function takeLogTail() {
  const all = Buffer.concat(capture ?? []);
  capture = undefined;
  return all.subarray(Math.max(0, all.length - LOG_TAIL)).toString('base64');
}

process.on('message', async (msg) => {
  if (msg?.type !== 'invoke' || !handler) return;
  const context = { ...msg.context, logger: createLogger(msg.context.requestId) };
  const event = Buffer.from(msg.event, 'base64');
  const started = performance.now();
  // The Start/End lines FC writes go into the tail only, keeping the terminal quiet.
  capture = [Buffer.from(`FC Invoke Start RequestId: ${msg.context.requestId}\n`)];
  try {
    const result = await runHandler(handler, event, context);
    // Serialised here, inside the try: a result JSON cannot hold (a BigInt, a
    // cycle) fails the invocation like a throw, as FC's runtime does.
    const body = toBytes(result).toString('base64');
    capture.push(Buffer.from(`FC Invoke End RequestId: ${msg.context.requestId}\n`));
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
    const error = isBody ? thrown : toErrorBody(thrown);
    const handled = Boolean(error.handled);
    delete error.handled;
    capture?.push(
      Buffer.from(
        `FC Invoke End RequestId: ${msg.context.requestId}, Error: ${handled ? 'Handled' : 'Unhandled'} function error\n`,
      ),
    );
    process.send({
      type: 'result',
      id: msg.id,
      ok: false,
      handled,
      error,
      durationMs: performance.now() - started,
      logTail: takeLogTail(),
    });
  }
});

// An unhandled rejection or exception kills the instance, as in FC; the parent
// reports "Process exited unexpectedly" and starts a fresh one.
process.on('unhandledRejection', (err) => {
  process.stderr.write(`unhandled rejection: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(129);
});
process.on('disconnect', () => process.exit(0));
