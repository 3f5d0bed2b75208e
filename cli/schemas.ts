#!/usr/bin/env node
/**
 * `npm run schemas`: writes the JSON Schema of every detail type we publish to `schemas/`, generated
 * from the zod schemas in contract/event-schemas.ts. The stack registers these files in its
 * EventBridge schema registry; a test fails when they differ from what this writes.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { schemaFiles } from '../contract/event-schemas.js';
import { parseCommandLine, runMain } from './usage.js';

export const SCHEMAS_USAGE = 'usage: npm run schemas   (writes schemas/<detail type>.json; takes no options)';

/** Parses the arguments (none but --help); throws UsageError on anything else. Returns whether help was asked. */
export function parseSchemasCommand(args: readonly string[]): { help: boolean } {
  const { values } = parseCommandLine(args, { help: { type: 'boolean', short: 'h' } });
  return { help: values.help === true };
}

async function main(): Promise<number> {
  if (parseSchemasCommand(process.argv.slice(2)).help) {
    console.log(SCHEMAS_USAGE);
    return 0;
  }
  const directory = join(import.meta.dirname, '..', 'schemas');
  mkdirSync(directory, { recursive: true });
  const files = schemaFiles();
  // A detail type that is no longer known must not linger in the registry.
  for (const name of readdirSync(directory)) if (name.endsWith('.json') && !(name in files)) rmSync(join(directory, name));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(directory, name), content);
  console.log(`wrote ${Object.keys(files).length} schemas to schemas/`);
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) runMain('schemas', main);
