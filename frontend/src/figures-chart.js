// The promise board's trend chart: ECharts (only the line chart and the parts it needs)
// draws each KPI over 12 months against its target. The data comes from a JSON block
// on the page (<script type="application/json" id="trend-data">): no inline script.
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, MarkLineComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, MarkLineComponent, CanvasRenderer]);

function draw(el, data) {
  const narrow = el.clientWidth < 560;
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  chart.setOption({
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: (v) => (v === null || v === undefined ? '—' : `${v}%`) },
    legend: { type: 'scroll', bottom: 0, textStyle: { fontSize: narrow ? 11 : 12 } },
    grid: { left: 40, right: 12, top: 16, bottom: narrow ? 56 : 44 },
    xAxis: { type: 'category', data: data.months, axisLabel: { fontSize: 11, hideOverlap: true } },
    yAxis: { type: 'value', min: (v) => Math.max(0, Math.floor(v.min / 10) * 10), max: 100,
             axisLabel: { formatter: '{value}%', fontSize: 11 } },
    series: data.series.map((s) => ({
      name: s.label, type: 'line', data: s.values, connectNulls: false, symbolSize: 6,
      markLine: s.target === null ? undefined : {
        silent: true, symbol: 'none', lineStyle: { type: 'dashed', opacity: 0.5 },
        label: { show: false }, data: [{ yAxis: s.target }] },
    })),
  });
  window.addEventListener('resize', () => chart.resize());
  el.dataset.ready = '1';
}

document.addEventListener('DOMContentLoaded', () => {
  const el = document.getElementById('trend-chart');
  const source = document.getElementById('trend-data');
  if (el && source) draw(el, JSON.parse(source.textContent));
});
