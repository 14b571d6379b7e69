// Draws vega-lite specs under the webview's CSP: no eval (the AST interpreter evaluates expressions),
// no injected <style> (vega-embed's and vega-tooltip's CSS live in media/report.css), SVG renderer.
import embed from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import type { View } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import type { Config } from 'vega-lite';

export type ChartView = View;

export async function drawChart(
  container: HTMLElement,
  spec: TopLevelSpec,
  config: Config,
): Promise<ChartView> {
  const result = await embed(container, spec, {
    renderer: 'svg',
    actions: false,
    defaultStyle: false,
    ast: true,
    expr: expressionInterpreter,
    config: { ...config, autosize: { type: 'fit-x', contains: 'padding' } },
    tooltip: { theme: 'custom', disableDefaultStyle: true, offsetX: 12, offsetY: 12 },
    logLevel: 1,
  });
  return result.view;
}

/** The chart as SVG text or as a PNG data URL (twice the screen resolution). */
export async function exportChart(view: ChartView, format: 'svg' | 'png'): Promise<string> {
  return format === 'svg' ? view.toSVG() : view.toImageURL('png', 2);
}
