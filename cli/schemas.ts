#!/usr/bin/env node
/**
 * `npm run schemas`: writes the JSON Schema of every detail type we publish to `schemas/`, generated
 * from the zod schemas in contract/event-schemas.ts. The stack registers these files in its
 * EventBridge schema registry; a test fails when they differ from what this writes.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaFiles } from '../contract/event-schemas.js';

const directory = join(import.meta.dirname, '..', 'schemas');
mkdirSync(directory, { recursive: true });
const files = schemaFiles();
// A detail type that is no longer known must not linger in the registry.
for (const name of readdirSync(directory)) if (name.endsWith('.json') && !(name in files)) rmSync(join(directory, name));
for (const [name, content] of Object.entries(files)) writeFileSync(join(directory, name), content);
console.log(`wrote ${Object.keys(files).length} schemas to schemas/`);
