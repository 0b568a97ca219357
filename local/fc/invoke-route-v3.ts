import type { ServerResponse } from 'node:http';
import type { SecretLookup } from '../credentials';
import type { HttpRoute } from '../http/route';
import { acs3Precheck, checkAcs3Signature } from './acs3-signature';
import {
  badEncoding,
  decodePath,
  invokeAndReply,
  invokeBodyLimit,
  readFcBody,
  sendApiError,
} from './invoke-route';
import { newFcRequestId } from './request-id';
import type { FunctionRuntime } from './runtime';

const FC3_PATH = /^\/2023-03-30\/functions\/([^/]+)\/invocations$/;

/**
 * The FC 3.0 InvokeFunction API (2023-03-30), as @alicloud/fc20230330 calls it:
 * ACS3-HMAC-SHA256 signature, a chunked body, `?qualifier=`. Outcomes are
 * written as in the 2016-08-15 API (function errors are 200 + x-fc-error-type);
 * API errors use the FC 3.0 body `{Code, Message, RequestId}`.
 */
export function createInvokeRouteV3(options: {
  runtime: FunctionRuntime;
  secrets: SecretLookup;
}): HttpRoute {
  const { runtime } = options;
  return {
    name: 'fc3-invoke',
    matches: (req, url) => req.method === 'POST' && url.pathname.startsWith('/2023-03-30/'),
    async handle(req, res, url) {
      const requestId = newFcRequestId();
      const m = FC3_PATH.exec(url.pathname);
      // FC's error table files PathNotSupported under 400 (the 2016 route answers 400 too).
      if (!m)
        return apiError(res, requestId, 400, 'PathNotSupported', `${url.pathname} is not served`);
      // Decoded before the body and the signature: an unreadable name can name no function.
      const fnName = decodePath(m[1]!);
      if (fnName === undefined) return badEncoding(res, requestId, url.pathname, apiError);
      const unsigned = acs3Precheck(req.headers, options.secrets);
      if (unsigned) return apiError(res, requestId, 403, unsigned.code, unsigned.message);
      const body = await readFcBody(req, res, requestId, invokeBodyLimit(req), apiError);
      if (!body) return;
      const rejection = checkAcs3Signature({
        method: 'POST',
        rawPath: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        secretFor: options.secrets,
      });
      if (rejection) return apiError(res, requestId, 403, rejection.code, rejection.message);
      const name = runtime.resolve(fnName);
      if (!name) return apiError(res, requestId, 404, 'FunctionNotFound', 'function not found');
      const qualifier = url.searchParams.get('qualifier') ?? undefined;
      await invokeAndReply(req, res, { runtime, requestId, name, body, qualifier });
    },
  };
}

function apiError(
  res: ServerResponse,
  requestId: string,
  status: number,
  code: string,
  message: string,
): void {
  sendApiError(res, requestId, status, { Code: code, Message: message, RequestId: requestId });
}
