import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { NO_CURSOR } from '../../contract/discovery-cursor.js';
import type { CursorStore } from './discover-sessions.js';
import { parseDiscoveryCursor, serializeDiscoveryCursor } from './discovery-cursor.js';

/** CursorStore over an SSM String parameter. */
export function ssmCursorStore(client: SSMClient, name: string): CursorStore {
  return {
    async load() {
      const value = (await client.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
      return value && value !== NO_CURSOR ? parseDiscoveryCursor(value) : undefined;
    },
    async save(cursor) {
      await client.send(new PutParameterCommand({ Name: name, Value: serializeDiscoveryCursor(cursor), Overwrite: true, Type: 'String' }));
    },
  };
}
