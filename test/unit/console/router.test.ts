import { describe, expect, it } from 'vitest';
import { parseRoute } from '../../../local/console/client/router';

describe('parseRoute', () => {
  it('maps each hash to its page and decodes names', () => {
    expect(parseRoute('')).toEqual({ page: 'flows' });
    expect(parseRoute('#/flows')).toEqual({ page: 'flows' });
    expect(parseRoute('#/queues')).toEqual({ page: 'queues' });
    expect(parseRoute('#/flows/queueflow-demo')).toEqual({
      page: 'executions',
      flow: 'queueflow-demo',
    });
    expect(parseRoute('#/flows/my%20flow/executions/run%2F1')).toEqual({
      page: 'execution',
      flow: 'my flow',
      execution: 'run/1',
    });
  });

  it('shows the flows list for hashes it does not know', () => {
    expect(parseRoute('#/nowhere/at/all')).toEqual({ page: 'flows' });
    expect(parseRoute('#/flows/f/executions')).toEqual({ page: 'executions', flow: 'f' });
    expect(parseRoute('#/flows/100%')).toEqual({ page: 'executions', flow: '100%' });
  });
});
