/**
 * The MNS error codes the local queue service answers with, their HTTP status
 * and the cloud's message wording (https://help.aliyun.com/document_detail/27501.htm).
 * The code is the contract:
 * the Node SDK turns it into `err.name = 'MNS' + Code + 'Error'`.
 */
export const MNS_ERRORS = {
  AccessDenied: [403, 'The OSS Access Key Id you provided is not allowed to access this resource.'],
  InvalidAccessKeyId: [403, 'The access Id you provided is not exist.'],
  SignatureDoesNotMatch: [
    403,
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  ],
  InvalidArgument: [400, 'The value of the argument you provided is invalid.'],
  InvalidAuthorizationHeader: [400, 'The Authorization header you provided is invalid.'],
  InvalidDateHeader: [400, 'The Date header you provided is invalid.'],
  InvalidDegist: [400, 'The Content-MD5 you specified is not valid.'],
  InvalidRequestURL: [400, 'The request URL you provided is invalid.'],
  InvalidQueryString: [400, 'The query string you provided is invalid.'],
  MalformedXML: [400, 'The XML you provided was not well-formed.'],
  MissingAuthorizationHeader: [400, 'The Authorization header is missing.'],
  MissingDateHeader: [400, 'The Date header is missing.'],
  MissingVersionHeader: [400, 'The x-mns-version header is missing.'],
  MissingReceiptHandle: [400, 'The ReceiptHandle is missing.'],
  MissingVisibilityTimeout: [400, 'The VisibilityTimeout is missing.'],
  InvalidQueueName: [400, 'The queue name you provided is invalid.'],
  QueueNameLengthError: [400, 'The length of queue name should be between 1 and 120.'],
  ReceiptHandleError: [400, 'The receipt handle you provided is not valid.'],
  QueueNotExist: [404, 'The queue name you provided is not exist.'],
  MessageNotExist: [404, 'Message not exist.'],
  TimeExpired: [408, 'The http request you sent is expired.'],
  QueueAlreadyExist: [409, 'The queue you want to create is already exist.'],
  InternalError: [500, 'Internal error.'],
} as const satisfies Record<string, readonly [number, string]>;

/** A code the service can answer with. */
export type MnsErrorCode = keyof typeof MNS_ERRORS;

/** The queue service's one error class; `code` and `status` are the cloud's. */
export class MnsError extends Error {
  override readonly name = 'MnsError';
  readonly code: MnsErrorCode;
  readonly status: number;
  /** Only internal errors are worth retrying as they are; the rest need a changed request. */
  readonly retryable: boolean;

  constructor(code: MnsErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? MNS_ERRORS[code][1], options);
    this.code = code;
    this.status = MNS_ERRORS[code][0];
    this.retryable = this.status >= 500;
  }
}

/** The cloud's wording for `code`, then which queue: `... (queue "jobs")`. */
export function queueError(code: MnsErrorCode, queue: string, detail = ''): MnsError {
  const shown = queue.length > 130 ? `${queue.slice(0, 127)}...` : queue;
  return new MnsError(code, `${MNS_ERRORS[code][1]} (queue "${shown}"${detail})`);
}

/** InvalidArgument with the cloud's range wording. */
export function outOfRange(field: string, low: number, high: number, unit: string): MnsError {
  return new MnsError(
    'InvalidArgument',
    `The value of ${field} should between ${low} and ${high}${unit ? ` ${unit}` : ''}.`,
  );
}

/** InvalidArgument for a dead-letter queue without a receive count, or the reverse. */
export function halfDeadLetterSetting(): MnsError {
  return new MnsError(
    'InvalidArgument',
    'x-queueflow-dead-letter-queue and x-queueflow-max-receive-count go together: set both, or neither.',
  );
}

/** InvalidArgument for a queue given as its own dead-letter queue (attributes or a move). */
export function ownDeadLetterQueue(): MnsError {
  return new MnsError('InvalidArgument', 'A queue cannot be its own dead-letter queue.');
}
