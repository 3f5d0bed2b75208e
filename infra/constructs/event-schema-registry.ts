import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';

/** Where `npm run schemas` writes one JSON Schema per detail type. */
export const SCHEMAS_DIRECTORY = fileURLToPath(new URL('../../schemas', import.meta.url));

export interface EventSchemaRegistryProps {
  /** Name of the schema registry. */
  readonly registryName: string;
  /** `source` of our events: schemas are named `<source>@<detail type>`, as EventBridge names discovered ones. */
  readonly eventSource: string;
  /** Folder of one JSON Schema file per detail type. @default the schemas/ folder of this repository */
  readonly schemasDirectory?: string;
}

/**
 * An EventBridge schema registry holding the JSON Schema of every detail type we publish, so
 * consumers can browse them and download code bindings. The schemas come from the committed files
 * in schemas/ (generated from zod), so the registry and the files cannot disagree.
 */
export class EventSchemaRegistry extends Construct {
  readonly registry: eventschemas.CfnRegistry;
  /** Schema resources by detail type. */
  readonly schemas: Map<string, eventschemas.CfnSchema>;

  constructor(scope: Construct, id: string, props: EventSchemaRegistryProps) {
    super(scope, id);
    const directory = props.schemasDirectory ?? SCHEMAS_DIRECTORY;
    this.registry = new eventschemas.CfnRegistry(this, 'Registry', {
      registryName: props.registryName,
      description: `Events published by cxone-eventbridge with source ${props.eventSource}`,
    });
    this.schemas = new Map();
    for (const file of readdirSync(directory)
      .filter((name) => name.endsWith('.json'))
      .sort()) {
      const detailType = file.slice(0, -'.json'.length);
      const content = JSON.parse(readFileSync(join(directory, file), 'utf8')) as unknown;
      const schema = new eventschemas.CfnSchema(this, detailType, {
        registryName: this.registry.attrRegistryName,
        schemaName: `${props.eventSource}@${detailType}`,
        // The registry takes OpenApi3 or JSONSchemaDraft4; zod writes draft 4 for us.
        type: 'JSONSchemaDraft4',
        content: JSON.stringify(content),
        description: `detail-type ${detailType}`,
      });
      this.schemas.set(detailType, schema);
    }
  }
}
