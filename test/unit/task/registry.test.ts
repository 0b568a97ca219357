import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createHandlerRegistry,
  type TaskContext,
  toHandlerRegistry,
} from '../../../shared/task/registry';

const ctx: TaskContext = { taskType: 'a', signal: new AbortController().signal };

describe('handler registry', () => {
  it('finds handlers by task type and lists the types', async () => {
    const registry = createHandlerRegistry({
      extract: async (input: { source: string }) => ({ rows: input.source.length }),
      load: () => ({ loaded: true }),
    });
    expect(registry.types()).toEqual(['extract', 'load']);
    expect(await registry.get('extract')?.({ source: 'abc' }, ctx)).toEqual({ rows: 3 });
    expect(registry.get('missing')).toBeUndefined();
  });

  it('does not treat inherited object keys as handlers', () => {
    const registry = createHandlerRegistry({ a: () => ({}) });
    expect(registry.get('toString')).toBeUndefined();
    expect(registry.get('constructor')).toBeUndefined();
  });

  it('keeps the handlers typed for callers', () => {
    const registry = createHandlerRegistry({
      extract: async (input: { source: string }) => ({ rows: input.source.length }),
    });
    expectTypeOf(registry.handlers.extract).parameter(0).toEqualTypeOf<{ source: string }>();
    expectTypeOf(registry.handlers.extract).returns.resolves.toEqualTypeOf<{ rows: number }>();
  });

  it('rejects a value that is not a function', () => {
    expect(() => createHandlerRegistry({ a: 1 as never })).toThrow(/"a" is not a function/);
  });

  it('accepts every shape a --handlers module may export', () => {
    const registry = createHandlerRegistry({ x: () => ({}) });
    expect(toHandlerRegistry({ registry }).types()).toEqual(['x']);
    expect(toHandlerRegistry({ default: registry }).types()).toEqual(['x']);
    expect(toHandlerRegistry({ default: { y: () => ({}) } }).types()).toEqual(['y']);
    expect(toHandlerRegistry({ handlers: { z: () => ({}) } }).types()).toEqual(['z']);
    // `export default {...}` in a .ts file that tsx compiled to CommonJS, then imported.
    const wrapped = { default: { __esModule: true, default: { w: () => ({}) } } };
    expect(toHandlerRegistry(wrapped).types()).toEqual(['w']);
    const wrappedRegistry = { default: { __esModule: true, default: registry } };
    expect(toHandlerRegistry(wrappedRegistry).types()).toEqual(['x']);
    expect(toHandlerRegistry({ a: () => ({}), b: () => ({}), note: 'x' }).types()).toEqual([
      'a',
      'b',
    ]);
  });

  it('says so when a module exports no handlers', () => {
    expect(() => toHandlerRegistry({ version: 1 })).toThrow(/exports no handlers/);
  });
});
