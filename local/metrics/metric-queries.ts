import type { Dimensions, MetricStore } from './metric-store.js';

/** Values by period start (epoch ms): one time series. */
export type Series = Map<number, number>;

/** One query of a GetMetricData request, an alarm's Metrics or a widget's metrics row. */
export interface MetricDataQuery {
  id: string;
  label?: string;
  /** A stored metric with its statistic. */
  metric?: { namespace: string; metricName: string; dimensions: Dimensions; stat: string; periodSeconds: number };
  /** Metric math over the other queries' ids. */
  expression?: string;
  /** Shown (dashboard) or evaluated (alarm). */
  returnData: boolean;
}

/** A computed series, labelled. */
export interface QueryResult {
  id: string;
  label: string;
  series: Series;
}

class UnsupportedExpressionError extends Error {
  override readonly name = 'UnsupportedExpressionError';
}

/**
 * Runs metric queries over [startMs, endMs): stored metrics by their statistic per period, and the
 * metric math the stack uses: arithmetic over ids and numbers, PERIOD(id), and
 * SEARCH('{Namespace,dim,...} MetricName="x" dim="v"', 'Stat', period), which returns one series per
 * matching metric. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
 */
export function runQueries(store: MetricStore, queries: MetricDataQuery[], periodSeconds: number, startMs: number, endMs: number): QueryResult[] {
  const byId = new Map<string, Series>();
  const results: QueryResult[] = [];
  for (const query of queries) {
    if (!query.metric) continue;
    const { stat, periodSeconds: period, ...id } = query.metric;
    const series: Series = new Map(
      store.query({ ...id, statistic: stat, periodSeconds: period, startMs, endMs }).map((point) => [point.timestampMs, point.value]),
    );
    byId.set(query.id, series);
    if (query.returnData) results.push({ id: query.id, label: query.label ?? id.metricName, series });
  }
  for (const query of queries) {
    if (!query.expression) continue;
    const search = /^SEARCH\(\s*'(.*)'\s*,\s*'(\w+)'\s*,\s*(\d+)\s*\)$/s.exec(query.expression.trim());
    if (search) {
      for (const found of searchMetrics(store, search[1] as string)) {
        const series: Series = new Map(
          store
            .query({ ...found, statistic: search[2] as string, periodSeconds: Number(search[3]), startMs, endMs })
            .map((point) => [point.timestampMs, point.value]),
        );
        if (query.returnData)
          results.push({
            id: `${query.id}:${Object.values(found.dimensions).join(' ')}`,
            label: searchLabel(query.label, found.dimensions, search[1] as string),
            series,
          });
      }
      continue;
    }
    const series = evaluateExpression(query.expression, byId, periodSeconds);
    byId.set(query.id, series);
    if (query.returnData) results.push({ id: query.id, label: query.label ?? query.expression, series });
  }
  return results;
}

/** The metrics a SEARCH expression's schema and terms select. */
function searchMetrics(store: MetricStore, search: string) {
  const schema = /^\{([^}]*)\}/.exec(search.trim());
  const [namespace, ...dimensionNames] = (schema?.[1] ?? '').split(',').map((part) => part.trim());
  const terms = [...search.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1] as string, match[2] as string] as const);
  return store.list({ namespace }).filter((metric) => {
    const names = Object.keys(metric.dimensions);
    if (names.length !== dimensionNames.length || !dimensionNames.every((name) => names.includes(name as string))) return false;
    return terms.every(([key, value]) => (key === 'MetricName' ? metric.metricName === value : metric.dimensions[key] === value));
  });
}

/** A found metric's label: the values of the dimensions the search did not fix, as the console shows. */
function searchLabel(label: string | undefined, dimensions: Dimensions, search: string): string {
  const values = Object.entries(dimensions)
    .filter(([key]) => !new RegExp(`\\b${key}="`).test(search))
    .map(([, value]) => value)
    .join(' ');
  return label ? `${label} ${values}` : values;
}

type Node =
  | { kind: 'number'; value: number }
  | { kind: 'id'; name: string }
  | { kind: 'period'; name: string }
  | { kind: 'binary'; op: string; left: Node; right: Node };

/**
 * Evaluates arithmetic over series, period by period. A period missing from one side takes 0 when the
 * other has a value (the stack's expressions add counts that are only sent when not zero).
 */
export function evaluateExpression(expression: string, series: Map<string, Series>, periodSeconds: number): Series {
  const tokens = expression.match(/\d+(?:\.\d+)?|[A-Za-z_]\w*|[-+*/()]/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];
  const primary = (): Node => {
    const token = next();
    if (token === undefined) throw new UnsupportedExpressionError(`incomplete expression: ${expression}`);
    if (token === '(') {
      const inner = sum();
      next();
      return inner;
    }
    if (/^\d/.test(token)) return { kind: 'number', value: Number(token) };
    if (token === 'PERIOD' && peek() === '(') {
      next();
      const name = next() as string;
      next();
      return { kind: 'period', name };
    }
    if (/^[A-Za-z_]/.test(token) && peek() !== '(') return { kind: 'id', name: token };
    throw new UnsupportedExpressionError(`the twin does not evaluate ${token} in ${expression}`);
  };
  const product = (): Node => {
    let left = primary();
    while (peek() === '*' || peek() === '/') left = { kind: 'binary', op: next() as string, left, right: primary() };
    return left;
  };
  const sum = (): Node => {
    let left = product();
    while (peek() === '+' || peek() === '-') left = { kind: 'binary', op: next() as string, left, right: product() };
    return left;
  };
  const tree = sum();
  const ids = new Set<string>();
  const collect = (node: Node): void => {
    if (node.kind === 'id') ids.add(node.name);
    if (node.kind === 'binary') {
      collect(node.left);
      collect(node.right);
    }
  };
  collect(tree);
  const timestamps = new Set<number>();
  for (const id of ids) for (const timestamp of series.get(id)?.keys() ?? []) timestamps.add(timestamp);
  const at = (node: Node, timestamp: number): number => {
    switch (node.kind) {
      case 'number':
        return node.value;
      case 'period':
        return periodSeconds;
      case 'id':
        return series.get(node.name)?.get(timestamp) ?? 0;
      case 'binary': {
        const left = at(node.left, timestamp);
        const right = at(node.right, timestamp);
        return node.op === '+' ? left + right : node.op === '-' ? left - right : node.op === '*' ? left * right : left / right;
      }
    }
  };
  return new Map([...timestamps].sort((a, b) => a - b).map((timestamp) => [timestamp, at(tree, timestamp)]));
}
