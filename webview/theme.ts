// The VS Code theme as the charts see it: CSS variables of the webview → a vega config and a palette.
import type { Config } from 'vega-lite';
import { opaque } from './color';

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** Colours by role, so every chart draws the same thing the same way. */
export interface Palette {
  /** The layer's own data (ESD bars, spacing histogram, measured curves). */
  data: string;
  /** The random-matrix reference (MP density, GOE). */
  reference: string;
  /** The alternative reference (Poisson). */
  alternative: string;
  /** Thresholds and boundaries (TW threshold, PT boundary, saturation depth). */
  threshold: string;
  /** The randomised baseline. */
  baseline: string;
  foreground: string;
  muted: string;
  background: string;
  verdict: Record<
    'random' | 'bulk random, spikes' | 'deviating' | 'too small' | 'failed' | 'pending',
    string
  >;
}

export interface Theme {
  kind: ThemeKind;
  palette: Palette;
  fontFamily: string;
  fontSize: number;
  /** Line width of the chart marks (thicker in high contrast). */
  strokeWidth: number;
  config: Config;
}

const FALLBACKS: Record<ThemeKind, Record<string, string>> = {
  light: {
    fg: '#3b3b3b',
    bg: '#ffffff',
    muted: '#717171',
    border: '#e5e5e5',
    blue: '#1a85ff',
    red: '#e51400',
    yellow: '#bf8803',
    orange: '#d18616',
    green: '#388a34',
    purple: '#652d90',
  },
  dark: {
    fg: '#cccccc',
    bg: '#1f1f1f',
    muted: '#9d9d9d',
    border: '#3c3c3c',
    blue: '#3794ff',
    red: '#f14c4c',
    yellow: '#cca700',
    orange: '#d18616',
    green: '#89d185',
    purple: '#b180d7',
  },
  'high-contrast': {
    fg: '#ffffff',
    bg: '#000000',
    muted: '#ffffff',
    border: '#6fc3df',
    blue: '#3794ff',
    red: '#f14c4c',
    yellow: '#ffd700',
    orange: '#ff8c00',
    green: '#89d185',
    purple: '#b180d7',
  },
  'high-contrast-light': {
    fg: '#292929',
    bg: '#ffffff',
    muted: '#292929',
    border: '#0f4a85',
    blue: '#0f4a85',
    red: '#b5200d',
    yellow: '#895503',
    orange: '#895503',
    green: '#374e06',
    purple: '#652d90',
  },
};

export function themeKind(body: HTMLElement = document.body): ThemeKind {
  const kind = body.dataset.vscodeThemeKind ?? '';
  const classes = body.classList;
  if (kind === 'vscode-high-contrast-light' || classes.contains('vscode-high-contrast-light')) {
    return 'high-contrast-light';
  }
  if (kind === 'vscode-high-contrast' || classes.contains('vscode-high-contrast')) return 'high-contrast';
  if (kind === 'vscode-dark' || classes.contains('vscode-dark')) return 'dark';
  return 'light';
}

/** Reads the theme from the page's CSS variables (VS Code sets them on <html>). */
export function readTheme(): Theme {
  const kind = themeKind();
  const fallback = FALLBACKS[kind];
  const style = getComputedStyle(document.documentElement);
  const css = (name: string, fallbackValue: string): string =>
    style.getPropertyValue(`--vscode-${name}`).trim() || fallbackValue;

  const foreground = css('editor-foreground', css('foreground', fallback.fg));
  const background = css('editor-background', fallback.bg);
  const muted = css('descriptionForeground', fallback.muted);
  const highContrast = kind === 'high-contrast' || kind === 'high-contrast-light';
  const border = highContrast ? css('contrastBorder', fallback.border) : css('charts-lines', fallback.border);
  // Some themes derive charts.* from translucent colours (e.g. charts.orange from the minimap's find
  // highlight): drawn as thin lines over the editor background they turn muddy, so drop the alpha.
  const color = (name: string): string => opaque(css(`charts-${name}`, fallback[name]));
  const fontFamily = css('font-family', 'system-ui, sans-serif');
  const fontSize = parseFloat(css('font-size', '13px')) || 13;

  const palette: Palette = {
    data: color('blue'),
    reference: color('orange'),
    alternative: color('purple'),
    threshold: color('red'),
    baseline: color('green'),
    foreground,
    muted,
    background,
    verdict: {
      random: color('green'),
      'bulk random, spikes': color('blue'),
      deviating: color('orange'),
      'too small': muted,
      failed: color('red'),
      pending: border,
    },
  };
  const strokeWidth = highContrast ? 2.5 : 1.75;
  return {
    kind,
    palette,
    fontFamily,
    fontSize,
    strokeWidth,
    config: vegaConfig(palette, fontFamily, fontSize, border, highContrast),
  };
}

function vegaConfig(
  p: Palette,
  font: string,
  fontSize: number,
  border: string,
  highContrast: boolean,
): Config {
  const small = Math.max(10, fontSize - 2);
  const axis = {
    domainColor: highContrast ? p.foreground : border,
    gridColor: border,
    gridOpacity: highContrast ? 0.35 : 0.7,
    tickColor: highContrast ? p.foreground : border,
    labelColor: highContrast ? p.foreground : p.muted,
    titleColor: p.foreground,
    labelFont: font,
    titleFont: font,
    labelFontSize: small,
    titleFontSize: small + 1,
    titleFontWeight: 'normal' as const,
  };
  return {
    background: p.background,
    font,
    padding: 6,
    view: { stroke: highContrast ? border : 'transparent' },
    axis,
    legend: {
      labelColor: p.foreground,
      titleColor: p.foreground,
      labelFont: font,
      titleFont: font,
      labelFontSize: small,
      titleFontSize: small,
      symbolStrokeWidth: highContrast ? 2.5 : 1.75,
    },
    title: { color: p.foreground, font, fontSize: fontSize, fontWeight: 'normal', anchor: 'start' },
    mark: { color: p.data },
    rule: { color: p.foreground },
    text: { color: p.foreground, font },
    range: { category: [p.data, p.reference, p.alternative, p.baseline, p.threshold] },
  };
}

/** Calls `listener` whenever VS Code switches the theme (body class or CSS variables change). */
export function onThemeChange(listener: () => void): void {
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      listener();
    });
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
