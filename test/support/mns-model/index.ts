// A model-based checker of the local MNS queue service: an independent model of three
// queues (qa moves a message to its dead-letter queue qa-dlq once received MaxReceiveCount
// times; qb delays every message), a seeded operation generator, and a runner that applies
// one sequence to a real stack and to the model and returns the first difference. The
// model reads no service code: only types come from local/mns.
export { checkSeeds, type SeedsOutcome } from './check';
export type { ModelMode } from './ops';
