import type { AlarmEvaluator } from '../metrics/alarms.js';
import { type MetricDataQuery, runQueries } from '../metrics/metric-queries.js';
import type { MetricStore } from '../metrics/metric-store.js';
import type { ObservedStack } from '../metrics/observed-twin.js';
import { stackTokenResolver } from '../metrics/stack-tokens.js';

/** One widget of a CloudWatch dashboard body, as the template holds it. */
interface BodyWidget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

/** The template's dashboard: its name and its body, tokens resolved. */
export interface StackDashboard {
  name: string;
  widgets: BodyWidget[];
}

/** A widget with what the page draws. */
export interface RenderedWidget {
  type: 'metric' | 'text' | 'alarm' | string;
  x: number;
  y: number;
  width: number;
  height: number;
  title: string;
  markdown?: string;
  stacked?: boolean;
  annotations?: { value: number; label: string }[];
  periodSeconds?: number;
  /** Metric widgets: one line per shown query. */
  series?: { label: string; points: [number, number][] }[];
  /** Alarm widgets: the alarms it lists, with their state. */
  alarms?: { name: string; state: string }[];
}

/**
 * Reads the AWS::CloudWatch::Dashboard of the synthesized template: the body is a Fn::Join of JSON
 * and tokens, resolved to the twin's physical names, then parsed.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */
export function readDashboard(stack: ObservedStack): StackDashboard {
  const resolve = stackTokenResolver(stack);
  const dashboards = Object.entries(stack.template.Resources).filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Dashboard');
  const [, dashboard] = dashboards[0] ?? [];
  if (!dashboard) throw new Error('the template has no AWS::CloudWatch::Dashboard');
  const props = dashboard.Properties ?? {};
  const body = JSON.parse(String(resolve(props.DashboardBody))) as { widgets: BodyWidget[] };
  return { name: String(props.DashboardName ?? 'dashboard'), widgets: body.widgets };
}

/** The queries of one metric widget: `[namespace, name, dim, value, …, {options}]` or `[{expression, …}]`. */
export function widgetQueries(metrics: unknown[][]): MetricDataQuery[] {
  return metrics.map((row, index) => {
    const last = row[row.length - 1];
    const options = (typeof last === 'object' && last !== null ? last : {}) as {
      id?: string;
      label?: string;
      stat?: string;
      period?: number;
      visible?: boolean;
      expression?: string;
    };
    const id = options.id ?? `m${index}`;
    if (options.expression !== undefined) return { id, label: options.label, expression: options.expression, returnData: options.visible !== false };
    const [namespace, metricName, ...rest] = row.filter((part) => typeof part === 'string') as string[];
    const dimensions: Record<string, string> = {};
    for (let i = 0; i + 1 < rest.length; i += 2) dimensions[rest[i] as string] = rest[i + 1] as string;
    return {
      id,
      label: options.label,
      metric: {
        namespace: namespace as string,
        metricName: metricName as string,
        dimensions,
        stat: options.stat ?? 'Average',
        periodSeconds: options.period ?? 300,
      },
      returnData: options.visible !== false,
    };
  });
}

/** Every widget with its data over [startMs, endMs) and every alarm widget with the alarms' states. */
export function renderDashboard(dashboard: StackDashboard, store: MetricStore, alarms: AlarmEvaluator, startMs: number, endMs: number): RenderedWidget[] {
  return dashboard.widgets.map((widget) => {
    const properties = widget.properties;
    const base = { type: widget.type, x: widget.x, y: widget.y, width: widget.width, height: widget.height, title: String(properties.title ?? '') };
    if (widget.type === 'text') return { ...base, markdown: String(properties.markdown ?? '') };
    if (widget.type === 'alarm') {
      const arns = (properties.alarms as string[] | undefined) ?? [];
      return {
        ...base,
        alarms: arns.map((arn) => ({
          name: arn.slice(arn.lastIndexOf(':') + 1),
          state: alarms.states.find((alarm) => alarm.definition.arn === arn)?.state ?? 'INSUFFICIENT_DATA',
        })),
      };
    }
    if (widget.type !== 'metric') return base;
    const queries = widgetQueries((properties.metrics as unknown[][] | undefined) ?? []);
    const periodSeconds = Number(properties.period ?? queries.find((query) => query.metric)?.metric?.periodSeconds ?? 300);
    const results = runQueries(store, queries, periodSeconds, startMs, endMs);
    const horizontal = ((properties.annotations as { horizontal?: { value: number; label?: string }[] } | undefined)?.horizontal ?? []).map((annotation) => ({
      value: annotation.value,
      label: annotation.label ?? '',
    }));
    return {
      ...base,
      stacked: properties.stacked === true,
      periodSeconds,
      annotations: horizontal,
      series: results.map((result) => ({ label: result.label, points: [...result.series.entries()] })),
    };
  });
}
