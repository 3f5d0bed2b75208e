import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An object as the local store keeps it. */
export interface LocalS3Object {
  body: Buffer;
  contentType: string;
  etag: string;
  sha256Base64: string;
  lastModified: Date;
}

/** ListObjectsV2 returns at most 1,000 keys a page (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). */
const LIST_MAX_KEYS = 1_000;

/**
 * The S3 REST calls the bridge makes, over in-memory buckets, written from the S3 API reference:
 * PutObject (checks `x-amz-checksum-sha256` when sent, answers BadDigest when it does not match:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html), GetObject (NoSuchKey, 404:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), ListObjectsV2 (keys in
 * UTF-8 binary order, prefix, continuation token, max 1,000 a page), DeleteObject (204 whether or not
 * the key exists: "If you delete an object that does not exist, Amazon S3 will return a success",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/SOAPDeleteObject.html), and the
 * XML error body (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). Path-style
 * addressing only: the SDK uses it for an endpoint that is an IP address.
 */
export class LocalS3 {
  /** @param faults outage windows of the local endpoint, asked by operation name (`S3.PutObject`…). */
  constructor(private readonly faults?: { refusal(operation: string): { type: string; message: string; statusCode: number } | undefined }) {}

  private readonly buckets = new Map<string, Map<string, LocalS3Object>>();
  private failures = 0;
  readonly stats = { puts: 0, gets: 0, lists: 0, deletes: 0, refused: 0 };

  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  /** The bucket's objects by key (tests read them). */
  objects(bucket: string): ReadonlyMap<string, LocalS3Object> {
    return this.buckets.get(bucket) ?? new Map();
  }

  /** Makes the next `count` requests fail with 503 SlowDown, as an overloaded or unreachable S3 would; a negative count clears. */
  failNext(count: number): void {
    this.failures = Math.max(0, this.failures + count);
  }

  /** Handles a request if it is an S3 REST call (no X-Amz-Target header); false otherwise. */
  async handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<boolean> {
    if (request.headers['x-amz-target']) return false;
    const url = new URL(request.url ?? '/', 'http://local');
    const [, bucketName = '', ...keyParts] = url.pathname.split('/');
    const key = keyParts.map(decodeURIComponent).join('/');
    const resource = `/${bucketName}${key ? `/${key}` : ''}`;
    if (this.failures > 0) {
      this.failures -= 1;
      this.stats.refused += 1;
      return sendError(response, 503, 'SlowDown', 'Please reduce your request rate.', resource);
    }
    const bucket = this.buckets.get(decodeURIComponent(bucketName));
    if (!bucket) return sendError(response, 404, 'NoSuchBucket', 'The specified bucket does not exist', resource);
    const method = request.method ?? 'GET';
    const operation = `S3.${method === 'PUT' ? 'PutObject' : method === 'DELETE' ? 'DeleteObject' : key ? 'GetObject' : 'ListObjectsV2'}`;
    const refusal = this.faults?.refusal(operation);
    if (refusal) {
      this.stats.refused += 1;
      return sendError(response, refusal.statusCode, refusal.type, refusal.message, resource);
    }

    if (method === 'PUT' && key) return this.putObject(request, response, bucket, key, body, resource);
    if ((method === 'GET' || method === 'HEAD') && key) return this.getObject(response, bucket, key, resource, method === 'HEAD');
    if (method === 'DELETE' && key) {
      this.stats.deletes += 1;
      bucket.delete(key);
      response.writeHead(204, { 'x-amz-request-id': requestId() });
      response.end();
      return true;
    }
    if (method === 'GET' && url.searchParams.get('list-type') === '2')
      return this.listObjects(response, decodeURIComponent(bucketName), bucket, url.searchParams);
    return sendError(response, 501, 'NotImplemented', `the local S3 does not implement ${method} ${url.pathname}${url.search}`, resource);
  }

  private putObject(
    request: IncomingMessage,
    response: ServerResponse,
    bucket: Map<string, LocalS3Object>,
    key: string,
    body: Buffer,
    resource: string,
  ): boolean {
    if (String(request.headers['content-encoding'] ?? '').includes('aws-chunked')) {
      return sendError(response, 501, 'NotImplemented', 'the local S3 takes whole bodies, not aws-chunked uploads', resource);
    }
    const sha256Base64 = createHash('sha256').update(body).digest('base64');
    const claimed = request.headers['x-amz-checksum-sha256'];
    if (typeof claimed === 'string' && claimed !== sha256Base64) {
      return sendError(response, 400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.', resource);
    }
    this.stats.puts += 1;
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    bucket.set(key, {
      body: Buffer.from(body),
      contentType: String(request.headers['content-type'] ?? 'binary/octet-stream'),
      etag,
      sha256Base64,
      lastModified: new Date(),
    });
    response.writeHead(200, {
      etag,
      'x-amz-request-id': requestId(),
      'x-amz-server-side-encryption': 'AES256',
      ...(claimed ? { 'x-amz-checksum-sha256': sha256Base64 } : {}),
    });
    response.end();
    return true;
  }

  private getObject(response: ServerResponse, bucket: Map<string, LocalS3Object>, key: string, resource: string, headOnly: boolean): boolean {
    const object = bucket.get(key);
    if (!object) return sendError(response, 404, 'NoSuchKey', 'The specified key does not exist.', resource);
    this.stats.gets += 1;
    response.writeHead(200, {
      'content-type': object.contentType,
      'content-length': object.body.length,
      etag: object.etag,
      'last-modified': object.lastModified.toUTCString(),
      'x-amz-request-id': requestId(),
      'x-amz-server-side-encryption': 'AES256',
    });
    response.end(headOnly ? undefined : object.body);
    return true;
  }

  private listObjects(response: ServerResponse, name: string, bucket: Map<string, LocalS3Object>, params: URLSearchParams): boolean {
    this.stats.lists += 1;
    const prefix = params.get('prefix') ?? '';
    const maxKeys = Math.min(LIST_MAX_KEYS, Number(params.get('max-keys') ?? LIST_MAX_KEYS));
    const token = params.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64url').toString('utf8') : (params.get('start-after') ?? '');
    // UTF-8 binary order, as S3 lists keys.
    const keys = [...bucket.keys()]
      .filter((key) => key.startsWith(prefix) && Buffer.compare(Buffer.from(key), Buffer.from(after)) > 0)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = keys.slice(0, maxKeys);
    const truncated = keys.length > page.length;
    const contents = page
      .map((key) => {
        const object = bucket.get(key) as LocalS3Object;
        return `<Contents><Key>${xml(key)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified><ETag>${xml(object.etag)}</ETag><Size>${object.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const next = truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1] as string).toString('base64url')}</NextContinuationToken>` : '';
    const body = `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(name)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${token ? `<ContinuationToken>${xml(token)}</ContinuationToken>` : ''}${next}${contents}</ListBucketResult>`;
    response.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': requestId() });
    response.end(body);
    return true;
  }
}

function sendError(response: ServerResponse, status: number, code: string, message: string, resource: string): true {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message><Resource>${xml(resource)}</Resource><RequestId>${requestId()}</RequestId></Error>`;
  response.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': requestId() });
  response.end(body);
  return true;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function requestId(): string {
  return crypto.randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
}
