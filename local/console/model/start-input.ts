// Checks the JSON a user types as an execution input. The page checks it before sending
// and the server checks it again, so a bad input never reaches StartExecution.
import { NAME_PATTERN } from '../../../shared/fdl/check-context';

/** The outcome of checking an execution input. */
export type InputCheck = { ok: true; text: string } | { ok: false; message: string };

/** Accepts blank (no input) or the text of one JSON object; says what is wrong otherwise. */
export function checkExecutionInput(text: string): InputCheck {
  if (text.trim() === '') return { ok: true, text: '{}' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `Input is not valid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: 'Input must be a JSON object, like {"source": "orders.csv"}' };
  }
  return { ok: true, text: JSON.stringify(value) };
}

/** Accepts blank (the engine names it) or a valid execution name (the FDL name rule). */
export function checkExecutionName(name: string): { ok: true } | { ok: false; message: string } {
  if (name === '' || NAME_PATTERN.test(name)) return { ok: true };
  return {
    ok: false,
    message:
      'Execution name must start with a letter or _, then letters, digits, _ or -, at most 128',
  };
}
