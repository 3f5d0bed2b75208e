import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An AWS API error as the JSON protocols carry it: `__type` names the exception. */
export class AwsApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = type;
  }
}

/** Handles one AWS JSON-protocol operation: parsed request body in, response body out. */
export type AwsOperation = (request: Record<string, unknown>) => Promise<unknown> | unknown;

export interface LocalAwsServer {
  /** Value for AWS_ENDPOINT_URL, e.g. http://127.0.0.1:4010 */
  endpoint: string;
  /** Calls per `X-Amz-Target`, for figures such as PutEvents calls per event. */
  calls: Map<string, number>;
  close(): Promise<void>;
}

/** A REST-protocol service (S3) on the same endpoint: answers the request and returns true if it is its own. */
export type RestService = (request: IncomingMessage, response: ServerResponse, body: Buffer) => Promise<boolean>;

/**
 * A loopback HTTP endpoint speaking the AWS JSON 1.0/1.1 protocols for the few operations the
 * bridge calls, so the unchanged AWS SDK clients reach local implementations over real HTTP.
 * Operations are keyed by the `X-Amz-Target` header, e.g. `AWSEvents.PutEvents`; requests without
 * one go to the REST services (S3), which may be added after the server started.
 */
export async function startLocalAwsServer(
  operations: Record<string, AwsOperation>,
  port = 0,
  faults?: { refusal(operation: string): AwsApiError | undefined },
  restServices: RestService[] = [],
): Promise<LocalAwsServer> {
  const calls = new Map<string, number>();
  const server = createServer((request, response) => {
    void handle(request, response);
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const contentType = String(request.headers['content-type'] ?? 'application/x-amz-json-1.1');
    // The AWS Query protocol (CloudFormation) posts a form whose Action names the operation: keyed `Query.<Action>`.
    const query = contentType.startsWith('application/x-www-form-urlencoded');
    let target = String(request.headers['x-amz-target'] ?? '');
    try {
      const buffer = await readBuffer(request);
      // Neither a JSON target nor a Query form: a REST service's request (S3), if one claims it.
      if (!target && !query) for (const service of restServices) if (await service(request, response, buffer)) return;
      const raw = buffer.toString('utf8');
      const form = query ? Object.fromEntries(new URLSearchParams(raw)) : undefined;
      if (form) target = `Query.${form.Action ?? ''}`;
      calls.set(target, (calls.get(target) ?? 0) + 1);
      const operation = operations[target];
      if (!operation) throw new AwsApiError('UnknownOperationException', `the local AWS endpoint does not implement ${target || 'this request'}`);
      // An injected outage of this operation (AwsFaults) answers as the service would.
      const refusal = faults?.refusal(target);
      if (refusal) throw refusal;
      const body = form ?? (raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>));
      const result = await operation(body);
      if (query) sendText(response, 200, 'text/xml', String(result));
      else send(response, 200, contentType, result ?? {});
    } catch (error) {
      const apiError =
        error instanceof AwsApiError
          ? error
          : error instanceof SyntaxError
            ? new AwsApiError('SerializationException', 'request body is not JSON')
            : new AwsApiError('InternalFailure', error instanceof Error ? error.message : String(error), 500);
      response.setHeader('x-amzn-errortype', apiError.type);
      if (query) sendText(response, apiError.statusCode, 'text/xml', queryError(apiError));
      else send(response, apiError.statusCode, contentType, { __type: apiError.type, message: apiError.message });
    }
  }

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  // Idle sockets outlive the SDK's pooled ones, so a client never reuses a socket the server closed
  // (an ECONNRESET under load); close() ends them all, so they never hold the process open.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const { port: actualPort } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${actualPort}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(response: ServerResponse, status: number, contentType: string, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(payload), 'x-amzn-requestid': crypto.randomUUID() });
  response.end(payload);
}

function sendText(response: ServerResponse, status: number, contentType: string, payload: string): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(payload), 'x-amzn-requestid': crypto.randomUUID() });
  response.end(payload);
}

/** An error as the Query protocol carries it. */
function queryError(error: AwsApiError): string {
  const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<ErrorResponse><Error><Type>${error.statusCode >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(error.type)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`;
}

async function readBuffer(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
