import { TaskMessageError } from './task-error';

/** A decoded task message: the token, the handler key and the whole JSON body as input. */
export interface TaskEnvelope {
  token: string;
  /** The `task_type` field; undefined when the body has none. */
  taskType?: string;
  /** The parsed body (the step's mapped input), token included. */
  input: Record<string, unknown>;
}

/** The body field names that may carry the task token, in order of preference. */
export const TOKEN_FIELDS = ['task_token', 'taskToken'] as const;
/** The body field that selects the handler. */
export const TASK_TYPE_FIELD = 'task_type';

const BASE64 = /^[A-Za-z0-9+/\r\n]+={0,2}\s*$/;

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decodes a task message body: raw JSON, or base64 of JSON (what other MNS SDKs
 * and EventBridge with IsBase64Decode=false deliver). Throws TaskMessageError
 * when there is no JSON object or no token in it.
 * @example const { token, taskType, input } = decodeTaskMessage(message.body);
 */
export function decodeTaskMessage(body: string | Buffer | Record<string, unknown>): TaskEnvelope {
  let input: Record<string, unknown> | undefined;
  if (typeof body === 'object' && !Buffer.isBuffer(body)) {
    input = body;
  } else {
    const text = (Buffer.isBuffer(body) ? body.toString('utf8') : body).trim();
    input = parseObject(text);
    if (!input && text && BASE64.test(text)) {
      input = parseObject(Buffer.from(text, 'base64').toString('utf8').trim());
    }
    if (!input) {
      // Short: a body that is almost JSON carries a task token early on.
      const preview = text.length > 24 ? `${text.slice(0, 24)}...` : text;
      throw new TaskMessageError(
        'InvalidTaskMessage',
        `task message body is neither a JSON object nor base64 of one: "${preview}"`,
      );
    }
  }
  let token: string | undefined;
  for (const field of TOKEN_FIELDS) {
    const v = input[field];
    if (typeof v === 'string' && v) {
      token = v;
      break;
    }
  }
  if (!token) {
    throw new TaskMessageError(
      'MissingTaskToken',
      `task message has no token: map $context.task.token to "task_token" (or "taskToken") in the step's inputMappings; body keys: ${Object.keys(input).join(', ') || '(none)'}`,
    );
  }
  const taskType = input[TASK_TYPE_FIELD];
  return typeof taskType === 'string' ? { token, taskType, input } : { token, input };
}
