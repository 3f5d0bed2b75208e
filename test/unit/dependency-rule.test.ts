import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layers and who may import whom (README, "Architecture"):
//   contract -> zod, node: built-ins
//   rules    -> contract, zod, node:
//   lambdas  -> contract, packages (never infra, local, rules, cli)
//   infra    -> contract, rules, packages, and only `import type` from lambdas (handlers are bundled from their paths)
//   cli      -> contract, lambdas, packages
//   local, bench, test -> anything; nothing outside test/ and bench/ imports local/
// and no cycle between folders.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCANNED = ['contract', 'rules', 'infra', 'lambdas', 'cli', 'local'] as const;
type Layer = (typeof SCANNED)[number];

interface Import {
  from: string;
  specifier: string;
  /** Repository-relative path of the target when the specifier is relative. */
  target?: string;
  typeOnly: boolean;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const STATEMENT = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

function importsOf(file: string): Import[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const found: Import[] = [];
  for (const match of source.matchAll(STATEMENT)) {
    const specifier = match[4] ?? match[5] ?? match[6];
    if (!specifier) continue;
    const clause = match[3] ?? '';
    // `import { type A, type B }` is erased like `import type { A, B }`.
    const named = /^\{([^}]*)\}$/.exec(clause.trim())?.[1];
    const allInlineTypes =
      named
        ?.split(',')
        .map((name) => name.trim())
        .filter(Boolean)
        .every((name) => name.startsWith('type ')) === true;
    const typeOnly = match[2] !== undefined || allInlineTypes;
    const target = specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '.ts') : undefined;
    found.push({ from: file, specifier, target, typeOnly });
  }
  return found;
}

const layerOf = (path: string): string => path.split('/')[0] ?? '';
const isBuiltIn = (specifier: string) => specifier.startsWith('node:');

/** Why an import breaks the rule, or undefined when it is allowed. */
function violation(layer: Layer, entry: Import): string | undefined {
  const to = entry.target ? layerOf(entry.target) : undefined;
  if (to === 'local' && layer !== 'local') return 'only test/ and bench/ may import local/';
  if (to === 'test' || to === 'bench') return `${layer} may not import ${to}/`;
  switch (layer) {
    case 'contract':
      if (to === 'contract' || isBuiltIn(entry.specifier) || entry.specifier === 'zod') return undefined;
      return 'contract imports only zod and node: built-ins';
    case 'rules':
      if (to === 'rules' || to === 'contract' || isBuiltIn(entry.specifier) || entry.specifier === 'zod') return undefined;
      return 'rules imports only contract, zod and node: built-ins';
    case 'lambdas':
      if (to === undefined || to === 'lambdas' || to === 'contract') return undefined;
      return 'lambdas imports only contract and packages';
    case 'infra':
      if (to === undefined || to === 'infra' || to === 'contract' || to === 'rules') return undefined;
      if (to === 'lambdas' && entry.typeOnly) return undefined;
      return 'infra imports contract, rules, packages, and only types from lambdas';
    case 'cli':
      if (to === undefined || to === 'cli' || to === 'contract' || to === 'lambdas') return undefined;
      return 'cli imports contract, lambdas and packages';
    case 'local':
      return undefined;
  }
}

const imports = SCANNED.flatMap((layer) => tsFiles(layer).flatMap(importsOf));

describe('dependency rule', () => {
  it('finds the imports it checks', () => {
    // Guards the scanner itself: a regex that matched nothing would make every rule pass.
    expect(imports.filter((entry) => entry.target?.startsWith('contract/')).length).toBeGreaterThan(10);
    expect(imports.some((entry) => entry.typeOnly && entry.from.startsWith('infra/') && entry.target?.startsWith('lambdas/'))).toBe(true);
  });

  it('every import goes down the layers', () => {
    const broken = imports.flatMap((entry) => {
      const why = violation(layerOf(entry.from) as Layer, entry);
      return why ? [`${entry.from} -> ${entry.specifier}: ${why}`] : [];
    });
    expect(broken).toEqual([]);
  });

  it('relative imports resolve to files that exist', () => {
    const known = new Set(SCANNED.flatMap((layer) => tsFiles(layer)));
    const missing = imports.filter((entry) => entry.target && SCANNED.includes(layerOf(entry.target) as Layer) && !known.has(entry.target));
    expect(missing.map((entry) => `${entry.from} -> ${entry.specifier}`)).toEqual([]);
  });

  it('no cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const entry of imports) {
      if (!entry.target) continue;
      const from = folderOf(entry.from);
      const to = folderOf(entry.target);
      if (from === to) continue;
      edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
    const cycles: string[] = [];
    for (const start of edges.keys()) {
      // A folder is in a cycle when it can reach itself; report each cycle from its smallest folder.
      const path = findPath(edges, start, start);
      if (path?.every((folder) => folder >= start)) cycles.push(path.join(' -> '));
    }
    expect(cycles).toEqual([]);
  });
});

/** The folder a file belongs to for the cycle check: the stack and its constructs (infra/**) are one unit. */
function folderOf(file: string): string {
  return layerOf(file) === 'infra' ? 'infra' : dirname(file);
}

/** Breadth-first path from `from` back to `to` (at least one edge), or undefined. */
function findPath(edges: Map<string, Set<string>>, from: string, to: string): string[] | undefined {
  const previous = new Map<string, string>();
  const queue = [...(edges.get(from) ?? [])];
  for (const next of queue) previous.set(next, from);
  while (queue.length > 0) {
    const folder = queue.shift() as string;
    if (folder === to) {
      const path = [to];
      for (let at = previous.get(to) as string; at !== from; at = previous.get(at) as string) path.unshift(at);
      return [from, ...path];
    }
    for (const next of edges.get(folder) ?? []) {
      if (!previous.has(next)) {
        previous.set(next, folder);
        queue.push(next);
      }
    }
  }
  return undefined;
}
