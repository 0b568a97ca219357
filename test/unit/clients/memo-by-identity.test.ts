import { describe, expect, it } from 'vitest';
import { memoByIdentity } from '../../../shared/clients/config';

describe('memoByIdentity', () => {
  it('builds once while the credentials stay the same and again when they rotate', () => {
    let builds = 0;
    const get = memoByIdentity(() => ({ n: ++builds }));
    const ctx = (token: string) => ({
      credentials: { accessKeyId: 'ak', accessKeySecret: 's', securityToken: token },
    });
    const first = get(ctx('t1'));
    expect(get(ctx('t1'))).toBe(first);
    const rotated = get(ctx('t2'));
    expect(rotated).not.toBe(first);
    expect(builds).toBe(2);
    expect(get()).not.toBe(rotated);
    expect(builds).toBe(3);
  });
});
