// What a run returns: the first difference, and what the sequence exercised.
import type { ModelOp } from './ops';

/** The first step where the service and the model disagree. */
export interface Mismatch {
  step: number;
  op: ModelOp;
  service: string;
  model: string;
  /** The steps before it, with the model's clock (ms since the start). */
  history: string[];
}

export interface RunOutcome {
  mismatch: Mismatch | null;
  /** What the sequence exercised: messages received, DLQ moves, polls served, restarts, rollbacks. */
  coverage: Coverage;
}

/** What a sequence exercised: messages received, DLQ moves, polls served, restarts, rollbacks. */
export interface Coverage {
  received: number;
  dlqMoves: number;
  pollsServed: number;
  restarts: number;
  rollbacks: number;
  /** Moments qa and its DLQ woke together with polls parked on both (the service picks the order). */
  ties: number;
  /** Advances whose answers showed the DLQ served first at such a moment (the model followed). */
  tiesDlqFirst: number;
  /** Messages a restart found in flight under a process-bound claim (made receivable). */
  boundHandedBack: number;
}

/** Coverage of nothing yet, to count from. */
export const noCoverage = (): Coverage => ({
  received: 0,
  dlqMoves: 0,
  pollsServed: 0,
  restarts: 0,
  rollbacks: 0,
  ties: 0,
  tiesDlqFirst: 0,
  boundHandedBack: 0,
});
