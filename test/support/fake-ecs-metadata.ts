// A stand-in for the ECS metadata service (100.100.100.200) on 127.0.0.1, for
// tests of the ECS RAM role credential source. It answers the hardened mode
// (PUT /latest/api/token, then the token in a header) and the plain GET, and
// records what it was asked.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRoleCredentials {
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken: string;
  Expiration: string;
}

export interface FakeEcsMetadata {
  endpoint: string;
  /** What the role's credentials are now (change it to rotate them). */
  credentials: FakeRoleCredentials;
  /** The status the token request gets (200 = the hardened mode works). */
  tokenStatus: number;
  /** The status the credentials request gets (200 = the credentials above). */
  credentialsStatus: number;
  /** Requests so far: method, path, and whether the metadata token came along. */
  requests: Array<{ method: string; path: string; withToken: boolean }>;
  close(): Promise<void>;
}

export async function startFakeEcsMetadata(
  roleName: string,
  credentials: FakeRoleCredentials,
): Promise<FakeEcsMetadata> {
  const token = 'imds-token-1';
  const state = {
    credentials,
    tokenStatus: 200,
    credentialsStatus: 200,
    requests: [] as FakeEcsMetadata['requests'],
  };
  const server = createServer((req: IncomingMessage, res) => {
    const path = req.url ?? '';
    const withToken = req.headers['x-aliyun-ecs-metadata-token'] === token;
    state.requests.push({ method: req.method ?? '', path, withToken });
    req.resume();
    if (req.method === 'PUT' && path === '/latest/api/token') {
      const ttl = Number(req.headers['x-aliyun-ecs-metadata-token-ttl-seconds']);
      if (state.tokenStatus !== 200 || !(ttl >= 1 && ttl <= 21600)) {
        res.writeHead(state.tokenStatus === 200 ? 400 : state.tokenStatus).end();
        return;
      }
      res.end(token);
      return;
    }
    if (req.method === 'GET' && path === `/latest/meta-data/ram/security-credentials/${roleName}`) {
      if (state.credentialsStatus !== 200) {
        res.writeHead(state.credentialsStatus).end('error');
        return;
      }
      res.setHeader('content-type', 'text/plain');
      res.end(
        JSON.stringify({
          ...state.credentials,
          LastUpdated: new Date().toISOString(),
          Code: 'Success',
        }),
      );
      return;
    }
    res.writeHead(404).end('Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
