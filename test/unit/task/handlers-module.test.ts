import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type TaskContext, toHandlerRegistry } from '../../../shared/task/registry';
import { useTempDirs } from '../../support/temp-dirs';

const temp = useTempDirs('qf-handlers-module-');

const ctx: TaskContext = { taskType: 'extract', signal: new AbortController().signal };

/**
 * Writes a --handlers module and loads it as `queueflow worker` does
 * (loadHandlers in local/cli/commands/worker.ts): Node's ESM import, through
 * tsx's scoped loader for TypeScript, then toHandlerRegistry. The import goes
 * through tsImport for a .cjs file too: it leaves plain JavaScript to Node,
 * whereas vitest's own import() finds named exports in a CommonJS module that
 * Node does not.
 */
async function loadHandlersFile(name: string, source: string) {
  const file = join(temp(), name);
  writeFileSync(file, source);
  const { tsImport } = await import('tsx/esm/api');
  const loaded: unknown = await tsImport(pathToFileURL(file).href, import.meta.url);
  return { loaded, registry: toHandlerRegistry(loaded) };
}

describe('a CommonJS --handlers module', () => {
  it('finds handlers written inline as module.exports = { handlers: {...} }', async () => {
    const { loaded, registry } = await loadHandlersFile(
      'inline-handlers.cjs',
      `module.exports = {
  handlers: {
    extract: async (input) => ({ rows: input.source.length }),
    load: async () => ({ loaded: true }),
  },
};
`,
    );
    // Node finds no named export in an inline object: all of it is under `default`.
    expect(Object.keys(loaded as object)).toEqual(['default']);
    expect(registry.types()).toEqual(['extract', 'load']);
    expect(await registry.get('extract')?.({ source: 'abc' }, ctx)).toEqual({ rows: 3 });
  });

  it('takes the inline handlers, not a helper function exported beside them', async () => {
    const { registry } = await loadHandlersFile(
      'inline-with-helper.cjs',
      `module.exports = {
  handlers: { extract: async () => ({ rows: 1 }) },
  close: async () => {},
};
`,
    );
    expect(registry.types()).toEqual(['extract']);
  });

  it('finds a registry written inline as module.exports = { registry: {...} }', async () => {
    const { loaded, registry } = await loadHandlersFile(
      'inline-registry.cjs',
      `const handlers = { extract: async () => ({ rows: 1 }) };
module.exports = {
  registry: {
    get: (taskType) => (taskType === 'extract' ? handlers.extract : undefined),
    types: () => ['extract'],
  },
};
`,
    );
    expect(Object.keys(loaded as object)).toEqual(['default']);
    expect(registry.types()).toEqual(['extract']);
    expect(await registry.get('extract')?.({}, ctx)).toEqual({ rows: 1 });
  });

  it('finds handlers of a .cts file written export = { handlers: {...} }', async () => {
    const { loaded, registry } = await loadHandlersFile(
      'inline-handlers.cts',
      `export = {
  handlers: {
    extract: async (input: { source: string }) => ({ rows: input.source.length }),
  },
};
`,
    );
    expect(Object.keys(loaded as object)).toEqual(['default']);
    expect(await registry.get('extract')?.({ source: 'ab' }, ctx)).toEqual({ rows: 2 });
  });

  it('still takes an inline object of functions as the handlers themselves', async () => {
    const { registry } = await loadHandlersFile(
      'inline-functions.cjs',
      'module.exports = { extract: async () => ({ rows: 2 }), load: async () => ({}) };\n',
    );
    expect(registry.types()).toEqual(['extract', 'load']);
  });

  it('says so when the inline object holds no handlers', async () => {
    await expect(
      loadHandlersFile('no-handlers.cjs', 'module.exports = { handlers: { version: 1 } };\n'),
    ).rejects.toThrow(/exports no handlers/);
  });
});
