/**
 * The dashboard page: lays the widgets out on CloudWatch's 24-column grid, draws metric widgets with
 * ECharts (served from node_modules), and lists the alarms with their states; polls /api/state.
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cxone-eventbridge twin dashboard</title>
<script src="/echarts.min.js"></script>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #f2f3f3; color: #16191f; }
  header { padding: 8px 16px; background: #232f3e; color: #fff; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header span { font-size: 13px; opacity: .8; }
  main { display: flex; gap: 12px; padding: 12px; align-items: flex-start; }
  #grid { flex: 1; display: grid; grid-template-columns: repeat(24, 1fr); grid-auto-rows: 34px; gap: 8px; }
  .widget { background: #fff; border: 1px solid #d5dbdb; border-radius: 4px; padding: 6px 8px; display: flex; flex-direction: column; min-width: 0; }
  .widget h2 { font-size: 13px; margin: 0 0 4px; font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .widget .chart { flex: 1; min-height: 0; }
  .widget.text h1 { font-size: 18px; margin: 2px 0; }
  .widget.text p { margin: 2px 0; font-size: 13px; }
  .widget .empty { color: #879596; font-size: 12px; }
  aside { width: 300px; background: #fff; border: 1px solid #d5dbdb; border-radius: 4px; padding: 8px; }
  aside h2 { font-size: 14px; margin: 0 0 8px; }
  .alarm { display: flex; gap: 6px; align-items: flex-start; font-size: 12px; margin: 0 0 6px; min-width: 0; }
  .alarm span:last-child { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
  .state { font-weight: 700; padding: 1px 5px; border-radius: 3px; color: #fff; font-size: 11px; white-space: nowrap; }
  .state.OK { background: #1d8102; } .state.ALARM { background: #d13212; } .state.INSUFFICIENT_DATA { background: #687078; }
  .alarms-widget { display: flex; flex-wrap: wrap; gap: 6px; overflow: auto; }
  .alarms-widget .alarm { width: calc(25% - 6px); }
</style>
</head>
<body>
<header><h1 id="title">dashboard</h1><span id="updated"></span></header>
<main><div id="grid"></div><aside><h2>Alarms</h2><div id="alarms"></div></aside></main>
<script>
const charts = new Map();
const escapeHtml = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
function markdown(text) {
  return text.split('\\n').map((line) => {
    const html = escapeHtml(line).replace(/\`([^\`]+)\`/g, '<code>$1</code>');
    return line.startsWith('# ') ? '<h1>' + html.slice(2) + '</h1>' : '<p>' + html + '</p>';
  }).join('');
}
function alarmRow(alarm) {
  return '<div class="alarm" data-alarm="' + escapeHtml(alarm.name) + '" data-state="' + alarm.state + '"><span class="state ' + alarm.state + '">' + alarm.state.replace('_', ' ') + '</span><span title="' + escapeHtml(alarm.reason || '') + '">' + escapeHtml(alarm.name) + '</span></div>';
}
function widgetElement(widget, index) {
  let element = document.getElementById('w' + index);
  if (element) return element;
  element = document.createElement('div');
  element.id = 'w' + index;
  element.className = 'widget ' + widget.type;
  element.dataset.type = widget.type;
  element.style.gridColumn = (widget.x + 1) + ' / span ' + widget.width;
  element.style.gridRow = (widget.y + 1) + ' / span ' + widget.height;
  element.innerHTML = widget.type === 'text' ? markdown(widget.markdown || '') : '<h2>' + escapeHtml(widget.title) + '</h2><div class="chart"></div>';
  document.getElementById('grid').appendChild(element);
  return element;
}
function drawMetric(widget, element, state) {
  const points = widget.series.reduce((n, s) => n + s.points.length, 0);
  element.dataset.points = String(points);
  let chart = charts.get(element.id);
  if (!chart) { chart = echarts.init(element.querySelector('.chart')); charts.set(element.id, chart); }
  chart.setOption({
    animation: false,
    grid: { left: 40, right: 10, top: 10, bottom: 42 },
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0, type: 'scroll', textStyle: { fontSize: 10 }, itemHeight: 8 },
    xAxis: { type: 'time', min: state.startMs, max: state.now + 30000 },
    yAxis: { type: 'value', minInterval: 0, axisLabel: { fontSize: 10 } },
    series: widget.series.map((s, i) => ({
      name: s.label, type: 'line', showSymbol: true, symbolSize: 5, data: s.points,
      stack: widget.stacked ? 'total' : undefined, areaStyle: widget.stacked ? {} : undefined,
      markLine: i === 0 && widget.annotations.length ? { symbol: 'none', data: widget.annotations.map((a) => ({ yAxis: a.value, name: a.label, label: { formatter: a.label, fontSize: 10 } })) } : undefined,
    })),
  }, { replaceMerge: ['series'] });
}
async function refresh() {
  const state = await (await fetch('/api/state')).json();
  document.getElementById('title').textContent = state.dashboardName + ' (local twin)';
  document.getElementById('updated').textContent = 'updated ' + new Date(state.now).toLocaleTimeString() + ' · the stack\\'s own dashboard body, the twin\\'s metrics, periods as deployed';
  state.widgets.forEach((widget, index) => {
    const element = widgetElement(widget, index);
    if (widget.type === 'metric') drawMetric(widget, element, state);
    if (widget.type === 'alarm') {
      element.querySelector('.chart').className = 'chart alarms-widget';
      element.querySelector('.alarms-widget').innerHTML = widget.alarms.map(alarmRow).join('');
      element.dataset.points = String(widget.alarms.length);
    }
  });
  document.getElementById('alarms').innerHTML = state.alarms.map(alarmRow).join('');
  document.body.dataset.ready = 'true';
}
refresh();
setInterval(refresh, 2000);
window.addEventListener('resize', () => charts.forEach((chart) => chart.resize()));
</script>
</body>
</html>
`;
