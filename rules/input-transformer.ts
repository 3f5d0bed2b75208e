/**
 * EventBridge input transformers (a target's InputPathsMap + InputTemplate), as the service applies
 * them (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html):
 *
 * - each InputPathsMap entry names a variable whose value is read from the event by a JSON path
 *   (dot notation, array indices, `*` wildcards); a path the event lacks creates no variable;
 * - `<aws.events.rule-arn>`, `<aws.events.rule-name>`, `<aws.events.event.ingestion-time>`,
 *   `<aws.events.event>` (the event without `detail`) and `<aws.events.event.json>` (the whole event)
 *   are predefined and reserved;
 * - a template that is a JSON object gets a placeholder's value as JSON where the placeholder is a
 *   JSON value (strings quoted), and as raw text inside a string literal (EventBridge does not escape
 *   what it inserts); the result is minified. Any other template is text with raw values.
 *
 * Pure code: the stack validates route transformers with it at synth, the local bus applies them.
 */

/** A target's input transformer, in CloudFormation's terms. */
export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

/** What the predefined variables resolve to for one delivery. */
export interface TransformContext {
  ruleArn: string;
  ruleName: string;
  /** When EventBridge received the event (ISO 8601). */
  ingestionTime: string;
}

/** The reserved variables every template may use. */
export const PREDEFINED_VARIABLES: readonly string[] = [
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event.ingestion-time',
  'aws.events.event',
  'aws.events.event.json',
];

/** Quotas and syntax of PutTargets. */
const MAX_VARIABLES = 100;
const MAX_TEMPLATE_LENGTH = 8192;
const VARIABLE_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const JSON_PATH = /^\$(?:\.(?:\*|[^.[\]*]+)|\[(?:\d+|\*)\])*$/;
const PLACEHOLDER = /^<([A-Za-z0-9_.-]+)>/;

/** Thrown for a transformer PutTargets would reject; `field` is InputPathsMap or InputTemplate. */
export class InvalidInputTransformerError extends Error {
  readonly field: 'InputPathsMap' | 'InputTemplate';

  constructor(field: 'InputPathsMap' | 'InputTemplate', message: string) {
    super(message);
    this.name = 'InvalidInputTransformerError';
    this.field = field;
  }
}

/**
 * Checks a transformer as PutTargets does, and more strictly where the service only fails at
 * delivery time: every placeholder must be defined, and a JSON template must stay valid JSON.
 */
export function validateInputTransformer(transformer: InputTransformer): void {
  const paths = transformer.InputPathsMap ?? {};
  const entries = Object.entries(paths);
  if (entries.length > MAX_VARIABLES) throw new InvalidInputTransformerError('InputPathsMap', `at most ${MAX_VARIABLES} variables, got ${entries.length}`);
  for (const [name, path] of entries) {
    if (!VARIABLE_NAME.test(name)) throw new InvalidInputTransformerError('InputPathsMap', `variable "${name}" must be letters, digits, _ or -`);
    if (!JSON_PATH.test(path) || path.length > 256) {
      throw new InvalidInputTransformerError(
        'InputPathsMap',
        `variable "${name}": "${path}" is not a JSON path in dot notation such as $.detail.data.CurrentState`,
      );
    }
  }
  const template = transformer.InputTemplate;
  if (template.trim() === '' || template.length > MAX_TEMPLATE_LENGTH) {
    throw new InvalidInputTransformerError('InputTemplate', `must be 1–${MAX_TEMPLATE_LENGTH} characters`);
  }
  for (const name of placeholdersOf(template)) {
    if (!(name in paths) && !PREDEFINED_VARIABLES.includes(name)) {
      throw new InvalidInputTransformerError(
        'InputTemplate',
        `placeholder <${name}> is neither in InputPathsMap nor predefined (${PREDEFINED_VARIABLES.join(', ')})`,
      );
    }
  }
  if (!isJsonTemplate(template)) return;
  const key = placeholderUsedAsKey(template);
  if (key) throw new InvalidInputTransformerError('InputTemplate', `placeholder <${key}> is used as an object key, which a JSON template does not allow`);
  // Fill every variable with a sample value and check the result parses.
  const sample = Object.fromEntries(Object.keys(paths).map((name) => [name, { found: true, value: 'sample' }]));
  const rendered = render(
    template,
    { ...sample, ...predefined({ version: '0', detail: {} }, { ruleArn: 'arn', ruleName: 'rule', ingestionTime: 'time' }) },
    true,
  );
  try {
    JSON.parse(rendered);
  } catch (error) {
    throw new InvalidInputTransformerError(
      'InputTemplate',
      `a template starting with { must be JSON once its placeholders are filled: ${(error as Error).message}`,
    );
  }
}

/** The payload the target receives for `event` (the full EventBridge event). */
export function applyInputTransformer(transformer: InputTransformer, event: Record<string, unknown>, context: TransformContext): string {
  const variables: Record<string, Variable> = {};
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) variables[name] = readJsonPath(event, path);
  Object.assign(variables, predefined(event, context));
  const json = isJsonTemplate(transformer.InputTemplate);
  const rendered = render(transformer.InputTemplate, variables, json);
  if (!json) return rendered;
  try {
    return JSON.stringify(JSON.parse(rendered));
  } catch {
    // Unescaped values can break the JSON; EventBridge delivers what it rendered.
    return rendered;
  }
}

interface Variable {
  found: boolean;
  value?: unknown;
}

/** Reads a JSON path such as `$.detail.data.CurrentState`, `$.resources[0]` or `$.detail.*`. */
export function readJsonPath(document: unknown, path: string): Variable {
  if (!JSON_PATH.test(path)) return { found: false };
  const steps = [...path.slice(1).matchAll(/\.(\*|[^.[\]*]+)|\[(\d+|\*)\]/g)].map((match) => match[1] ?? match[2] ?? '');
  let current: unknown[] = [document];
  let wildcard = false;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== 'object') continue;
      if (step === '*') {
        wildcard = true;
        next.push(...Object.values(value));
      } else if (Array.isArray(value) ? /^\d+$/.test(step) && Number(step) < value.length : Object.hasOwn(value, step)) {
        next.push((value as Record<string, unknown>)[step]);
      }
    }
    current = next;
  }
  if (wildcard) return current.length > 0 ? { found: true, value: current } : { found: false };
  return current.length === 1 ? { found: true, value: current[0] } : { found: false };
}

function predefined(event: Record<string, unknown>, context: TransformContext): Record<string, Variable> {
  const { detail: _, ...withoutDetail } = event;
  return {
    'aws.events.rule-arn': { found: true, value: context.ruleArn },
    'aws.events.rule-name': { found: true, value: context.ruleName },
    'aws.events.event.ingestion-time': { found: true, value: context.ingestionTime },
    'aws.events.event': { found: true, value: withoutDetail },
    'aws.events.event.json': { found: true, value: event },
  };
}

function isJsonTemplate(template: string): boolean {
  return template.trim().startsWith('{');
}

function placeholdersOf(template: string): string[] {
  return [...template.matchAll(/<([A-Za-z0-9_.-]+)>/g)].map((match) => match[1] ?? '');
}

/** The first placeholder written where a JSON object key belongs (outside strings, before a colon). */
function placeholderUsedAsKey(template: string): string | undefined {
  let inString = false;
  for (let i = 0; i < template.length; i += 1) {
    const char = template[i];
    if (inString && char === '\\') i += 1;
    else if (char === '"') inString = !inString;
    else if (!inString && char === '<') {
      const match = PLACEHOLDER.exec(template.slice(i));
      if (match && /^\s*:/.test(template.slice(i + match[0].length))) return match[1];
    }
  }
  return undefined;
}

/**
 * Substitutes placeholders. In a JSON template a placeholder outside string literals becomes its
 * value as JSON (a missing variable becomes null, so the payload stays JSON); inside a string
 * literal, and anywhere in a text template, it becomes raw text (a missing variable, nothing).
 */
function render(template: string, variables: Record<string, Variable>, json: boolean): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; ) {
    const char = template[i] as string;
    if (json && inString && char === '\\') {
      out += template.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (json && char === '"') inString = !inString;
    const match = char === '<' ? PLACEHOLDER.exec(template.slice(i)) : null;
    const variable = match ? variables[match[1] as string] : undefined;
    // A name that is no variable at all stays as written (PutTargets rejects such templates).
    if (!match || !variable) {
      out += char;
      i += 1;
      continue;
    }
    out += json && !inString ? asJson(variable) : asText(variable);
    i += match[0].length;
  }
  return out;
}

function asJson(variable: Variable | undefined): string {
  return variable?.found ? (JSON.stringify(variable.value) ?? 'null') : 'null';
}

function asText(variable: Variable | undefined): string {
  if (!variable?.found) return '';
  return typeof variable.value === 'string' ? variable.value : (JSON.stringify(variable.value) ?? '');
}
