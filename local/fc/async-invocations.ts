import type { Logger } from '../log';
import { type AsyncInvokeSettings, FC_ASYNC_INVOKE_DEFAULTS } from '../project/model';
import type { Store } from '../store/store';
import { FC_MIGRATIONS } from './schema';
import type { InvokeOptions, InvokeOutcome } from './types';

interface Row {
  id: number;
  function_name: string;
  qualifier: string | null;
  request_id: string;
  body: Buffer;
  attempts: number;
  accepted_at: number;
}

/**
 * Async invocations (`x-fc-invocation-type: Async`), kept in the store from the
 * moment they are accepted until they have run: a stop or a crash before then
 * loses none (they run after the restart, once their function is deployed).
 */
export interface AsyncInvocations {
  /**
   * Stores the call (before the caller hears 202), then runs it. A call whose
   * `callerKey` is stored already (made again by a caller that did not hear the
   * first answer: a crash in between) is not stored or run a second time.
   */
  accept(
    name: string,
    body: Buffer,
    options: { qualifier?: string; requestId: string; callerKey?: string },
  ): void;
  /** Runs the stored calls of `name`: after it is deployed. */
  dispatch(name: string): void;
  /** Calls stored and not yet done. */
  pending(): number;
  /** Drops the stored calls of functions not named (gone from the project); returns them by function. */
  dropExcept(names: readonly string[]): Array<{ function: string; calls: number }>;
  /** Stops running calls; those in flight stay stored and run after a restart. */
  close(): void;
}

export function createAsyncInvocations(deps: {
  store: Store;
  logger: Logger;
  invoke: (name: string, body: Buffer, options: InvokeOptions) => Promise<InvokeOutcome>;
  now: () => number;
  /** The deployed function's settings; FC's defaults when undefined. */
  settingsOf?: (name: string) => AsyncInvokeSettings | undefined;
}): AsyncInvocations {
  const { store, logger } = deps;
  store.migrate('fc', FC_MIGRATIONS);
  const db = store.db;
  // OR IGNORE: only the caller key's unique index can refuse a row.
  const insert = db.prepare(
    `INSERT OR IGNORE INTO fc_async_invocations
       (function_name, qualifier, request_id, body, accepted_at, caller_key)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const ofFunction = db.prepare<[string], Row>(
    'SELECT * FROM fc_async_invocations WHERE function_name = ? ORDER BY id',
  );
  const byId = db.prepare<[number], Row>('SELECT * FROM fc_async_invocations WHERE id = ?');
  const remove = db.prepare('DELETE FROM fc_async_invocations WHERE id = ?');
  const setAttempts = db.prepare('UPDATE fc_async_invocations SET attempts = ? WHERE id = ?');
  const count = db.prepare('SELECT COUNT(*) FROM fc_async_invocations').pluck();
  const byFunction = db.prepare<[], { function_name: string; calls: number }>(
    'SELECT function_name, COUNT(*) AS calls FROM fc_async_invocations GROUP BY function_name',
  );
  const dropFunction = db.prepare('DELETE FROM fc_async_invocations WHERE function_name = ?');
  const running = new Set<number>();
  // Dispatched while still running (a redeploy cut off its run): run again after.
  const again = new Set<number>();
  let closed = false;

  async function run(row: Row): Promise<void> {
    if (closed) return;
    if (running.has(row.id)) {
      again.add(row.id);
      return;
    }
    running.add(row.id);
    try {
      let attempts = row.attempts;
      for (;;) {
        // Read before each attempt: a redeploy may have changed them.
        const { maxRetries, maxEventAgeSeconds: maxAgeSeconds } =
          deps.settingsOf?.(row.function_name) ?? FC_ASYNC_INVOKE_DEFAULTS;
        const ageMs = deps.now() - row.accepted_at;
        if (ageMs > maxAgeSeconds * 1000) {
          remove.run(row.id);
          logger.warn('async invocation dropped: older than its maximum event age', {
            function: row.function_name,
            requestId: row.request_id,
            ageSeconds: Math.floor(ageMs / 1000),
            maxEventAgeSeconds: maxAgeSeconds,
            attempts,
          });
          return;
        }
        let outcome: InvokeOutcome;
        try {
          outcome = await deps.invoke(row.function_name, row.body, {
            ...(row.qualifier ? { qualifier: row.qualifier } : {}),
            // Every attempt runs under the id the 202 named, as FC's async records do.
            requestId: row.request_id,
            retryCount: attempts,
          });
        } catch {
          return; // not deployed (now): stays stored until it is
        }
        // Killed by the stop: not an attempt of the function's; it runs again after the restart.
        if (closed) return;
        if (outcome.ok) {
          remove.run(row.id);
          return;
        }
        attempts++;
        const error = outcome.error.errorMessage.slice(0, 200);
        if (attempts > maxRetries) {
          remove.run(row.id);
          logger.warn('async invocation failed; dropped after its retries', {
            function: row.function_name,
            requestId: row.request_id,
            retries: maxRetries,
            error,
          });
          return;
        }
        setAttempts.run(attempts, row.id);
        logger.warn('async invocation failed; retrying', {
          function: row.function_name,
          requestId: row.request_id,
          attempt: attempts,
          error,
        });
      }
    } finally {
      running.delete(row.id);
      if (again.delete(row.id)) {
        const stored = byId.get(row.id);
        if (stored) void run(stored);
      }
    }
  }

  return {
    accept(name, body, options) {
      const qualifier = options.qualifier ?? null;
      const acceptedAt = deps.now();
      const info = insert.run(
        name,
        qualifier,
        options.requestId,
        body,
        acceptedAt,
        options.callerKey ?? null,
      );
      // Stored already under this caller key: that call runs (or ran), not a second.
      if (info.changes === 0) return;
      void run({
        id: Number(info.lastInsertRowid),
        function_name: name,
        qualifier,
        request_id: options.requestId,
        body,
        attempts: 0,
        accepted_at: acceptedAt,
      });
    },
    dispatch(name) {
      for (const row of ofFunction.all(name)) void run(row);
    },
    pending: () => Number(count.get()),
    dropExcept(names) {
      const keep = new Set(names);
      return store.transaction(() =>
        byFunction
          .all()
          .filter((r) => !keep.has(r.function_name))
          .map((r) => {
            dropFunction.run(r.function_name);
            return { function: r.function_name, calls: r.calls };
          }),
      );
    },
    close() {
      closed = true;
    },
  };
}
