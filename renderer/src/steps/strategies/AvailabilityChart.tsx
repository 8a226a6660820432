/**
 * The availability chart of a measured change: per second of the prober's run, a bar of the
 * requests sent, coloured by the nginx version that answered, with the requests nothing answered
 * on top in the error colour. Drawn with uPlot (small, no dependencies, canvas; loaded only with
 * this step). Its colours are the theme's (CSS variables resolved by the browser, `light-dark()`
 * included) and follow a theme switch; the numbers are also given as text beside it, since a
 * canvas says nothing to a screen reader.
 */
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { KubeProbeSample } from '../../../../preload/contract/kube';
import { useT } from '../../i18n/use-t';
import { bucketSamples, stackedForDrawing } from './chart-data';

/** Colour variables for versions, oldest first (see strategies.css). */
const VERSION_COLOURS = ['--chart-old', '--chart-new', '--chart-third'];

/** A CSS colour (variables and light-dark() included) as the browser resolves it now. */
function resolveColour(host: HTMLElement, value: string): string {
  const probe = document.createElement('span');
  probe.style.color = value;
  probe.style.display = 'none';
  host.appendChild(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour;
}

/** Changes whenever the page's theme may have changed (the app's choice or the system's). */
function useThemeKey(onChange: () => void): void {
  useEffect(() => {
    const observer = new MutationObserver(onChange);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const media = window.matchMedia?.('(prefers-color-scheme: dark)');
    media?.addEventListener('change', onChange);
    return () => {
      observer.disconnect();
      media?.removeEventListener('change', onChange);
    };
  }, [onChange]);
}

export function AvailabilityChart({ samples, label, testId }: { samples: readonly KubeProbeSample[]; label: string; testId?: string }) {
  const { t } = useT();
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const buckets = useMemo(() => bucketSamples(samples), [samples]);
  const data = useMemo(() => [buckets.x, ...stackedForDrawing(buckets)] as uPlot.AlignedData, [buckets]);
  const seriesKey = buckets.versions.join('|');
  const dataRef = useRef(data);
  dataRef.current = data;

  const build = useMemo(
    () => () => {
      const el = host.current;
      if (!el) return;
      chart.current?.destroy();
      const colour = (v: string) => resolveColour(el, v);
      const axisColour = colour('var(--muted)');
      const gridColour = colour('var(--border)');
      const bars = uPlot.paths.bars!({ size: [0.85, 40], align: 1 });
      const versions = [...buckets.versions].reverse(); // drawing order: newest layer first
      const opts: uPlot.Options = {
        width: Math.max(280, el.clientWidth),
        height: 200,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max))] } },
        axes: [
          { stroke: axisColour, grid: { stroke: gridColour, width: 1 }, ticks: { stroke: gridColour }, values: (_u, ticks) => ticks.map((s) => `${s} s`) },
          { stroke: axisColour, grid: { stroke: gridColour, width: 1 }, ticks: { stroke: gridColour }, size: 40 },
        ],
        series: [
          {},
          { label: t('strategies.chart.failed'), fill: colour('var(--error)'), stroke: colour('var(--error)'), paths: bars, points: { show: false } },
          ...versions.map((v) => {
            const c = colour(`var(${VERSION_COLOURS[buckets.versions.indexOf(v)] ?? '--chart-third'})`);
            return { label: v, fill: c, stroke: c, paths: bars, points: { show: false } };
          }),
        ],
      };
      chart.current = new uPlot(opts, dataRef.current, el);
    },
    // Rebuilt when the versions (series) change; data alone goes through setData.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [seriesKey, t],
  );

  useEffect(() => {
    build();
    const el = host.current;
    const resize = new ResizeObserver(() => chart.current?.setSize({ width: Math.max(280, el?.clientWidth ?? 280), height: 200 }));
    if (el) resize.observe(el);
    return () => {
      resize.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, [build]);
  useThemeKey(build);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);

  const failed = buckets.failed.reduce((a, b) => a + b, 0);
  return (
    <figure className="availability-chart" data-testid={testId} data-samples={samples.length}>
      <figcaption>{label}</figcaption>
      <div ref={host} className="chart-canvas" aria-hidden="true" />
      <ul className="chart-legend">
        {buckets.versions.map((v, i) => (
          <li key={v}>
            <span className="swatch" style={{ background: `var(${VERSION_COLOURS[i] ?? '--chart-third'})` }} /> {t('strategies.chart.version', { version: v, count: buckets.answered[i]!.reduce((a, b) => a + b, 0) })}
          </li>
        ))}
        <li>
          <span className="swatch" style={{ background: 'var(--error)' }} /> {t('strategies.chart.failedCount', { count: failed })}
        </li>
        <li className="hint">{t('strategies.chart.axes')}</li>
      </ul>
    </figure>
  );
}
