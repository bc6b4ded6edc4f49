// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';

// ECharts needs a real canvas; the component's job is the option it hands over, so the chart is a stub
// that shows that option.
vi.mock('vue-echarts', () => ({
  default: defineComponent({
    props: { option: { type: Object, required: true } },
    setup: (props) => () => h('div', { class: 'vchart-stub', 'data-option': JSON.stringify(props.option) }),
  }),
}));

const { default: LineChart } = await import('../../src-renderer/src/components/LineChart.vue');
const { default: HeatmapCanvas } = await import('../../src-renderer/src/components/HeatmapCanvas.vue');

describe('LineChart', () => {
  it('hands ECharts the series as [step, value] pairs, smoothed, with PNG/SVG/TeX/CSV/JSON exports', () => {
    const w = mount(LineChart, { props: { title: 'Loss', series: [{ name: 'loss', steps: [1, 2], values: [4, 0] }], smoothing: 0.5 } });
    const option = JSON.parse(w.find('.vchart-stub').attributes('data-option')!);
    // Debiased EMA with weight 0.5: 4, then (0.5·2 + 0.5·0) / 0.75 = 4/3 (raw would be 0).
    expect(option.series[0].data[0]).toEqual([1, 4]);
    expect(option.series[0].data[1][0]).toBe(2);
    expect(option.series[0].data[1][1]).toBeCloseTo(4 / 3, 12);
    expect(option.title.text).toBe('Loss');
    expect(w.findAll('button').map((b) => b.text())).toEqual(['PNG', 'SVG', 'TeX', 'CSV', 'JSON']);
  });
});

describe('HeatmapCanvas', () => {
  const matrix = { rows: 2, cols: 2, gates: 1, values: [0, 2, -1, 0], order: [1, 0], mask: [1, 1, 1, 0] };

  it('zooms the raster to twice or four times the panel, in a scrolling frame', async () => {
    const w = mount(HeatmapCanvas, { props: { matrix, name: 'W_hh' } });
    expect(w.find('canvas').attributes('style')).toMatch(/max-width: 520px/);
    await w.find('[data-test="heatmap-zoom"]').setValue('4×');
    expect(w.find('canvas').attributes('style')).toMatch(/width: 2080px/);
    expect(w.find('.frame').classes()).toContain('zoomed');
  });

  it('draws in embedding order by default and switches to natural order', async () => {
    const w = mount(HeatmapCanvas, { props: { matrix, name: 'W_hh' } });
    expect(w.find('canvas').attributes('data-order')).toBe('embedding');
    await w.find('[data-test="order-toggle"]').setValue(false);
    expect(w.find('canvas').attributes('data-order')).toBe('natural');
  });

  it('offers the mask view when a mask exists and the penalty view only with C', async () => {
    const without = mount(HeatmapCanvas, { props: { matrix, name: 'W_hh' } });
    expect(without.find('option[value="penalty"]').attributes('disabled')).toBeDefined();
    expect(without.find('option[value="mask"]').attributes('disabled')).toBeUndefined();
    const withC = mount(HeatmapCanvas, { props: { matrix, name: 'W_hh', penalty: [0, 1, 1, 0] } });
    expect(withC.find('option[value="penalty"]').attributes('disabled')).toBeUndefined();
  });
});
