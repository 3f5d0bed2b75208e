import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { ObjectNotFoundError, type ObjectStore } from './object-store.js';

/**
 * ObjectStore over S3. PutObject sends the SHA-256 so S3 refuses a body that changed on the way
 * (`x-amz-checksum-sha256`, https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html);
 * GetObject answers NoSuchKey for a missing key (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html);
 * ListObjectsV2 returns keys in UTF-8 binary order, at most 1,000 a page
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
 */
export function s3ObjectStore(client: S3Client, bucket: string): ObjectStore {
  return {
    bucket,
    async put(key, body, options = {}) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          ...(options.sha256 ? { ChecksumSHA256: Buffer.from(options.sha256, 'hex').toString('base64') } : {}),
        }),
      );
    },
    async get(key) {
      try {
        const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return (await output.Body?.transformToString('utf8')) ?? '';
      } catch (error) {
        if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey')
          throw new ObjectNotFoundError(`no object s3://${bucket}/${key}`, { cause: error });
        throw error;
      }
    },
    async *list(prefix) {
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        for (const object of page.Contents ?? []) {
          if (object.Key) yield { key: object.Key, size: object.Size ?? 0 };
        }
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}
