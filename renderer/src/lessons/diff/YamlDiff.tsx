/**
 * What applying would change, as a diff of the manifest the app applied before (with the live
 * values) and the one it would apply now: removed lines red with `-`, added lines green with `+`.
 * Every line stays explainable by a click, as in YamlExplained.
 */
import { useMemo, useState } from 'react';
import { useT } from '../../i18n/use-t';
import { lineDiff } from './line-diff';
import { explanationKeys, kindsByLine, yamlLines } from '../yaml-paths';
import './yaml-diff.css';

export function YamlDiff({ before, after, title }: { before: string; after: string; title?: string }) {
  const { t } = useT();
  const rows = useMemo(() => {
    const oldLines = yamlLines(before);
    const newLines = yamlLines(after);
    const oldKinds = kindsByLine(oldLines);
    const newKinds = kindsByLine(newLines);
    return lineDiff(before, after).map((d) => {
      const line = d.kind === 'del' ? oldLines[d.index] : newLines[d.index];
      const kind = d.kind === 'del' ? oldKinds[d.index] : newKinds[d.index];
      return { ...d, path: line?.path, docKind: kind };
    });
  }, [before, after]);
  const [selected, setSelected] = useState<number | null>(null);
  const chosen = selected === null ? undefined : rows[selected];
  const explanation = chosen?.path ? explanationKeys(chosen.docKind, chosen.path).find((k) => t.has(k)) : undefined;
  const changes = rows.filter((r) => r.kind !== 'same').length;
  return (
    <section className="yaml-explained yaml-diff" aria-label={title ?? t('lesson.diff.title')}>
      <h3>{title ?? t('lesson.diff.title')}</h3>
      <p className="hint">{changes === 0 ? t('lesson.diff.none') : t('lesson.diff.hint', { count: changes })}</p>
      <div className="yaml-layout">
        <pre className="yaml mono" role="list">
          {rows.map((r, i) => (
            <span
              key={i}
              role="listitem"
              className={`yaml-line diff-${r.kind} ${r.path ? 'explainable' : ''} ${selected === i ? 'selected' : ''}`}
              tabIndex={r.path ? 0 : -1}
              onClick={() => r.path && setSelected(i)}
              onKeyDown={(e) => {
                if (r.path && (e.key === 'Enter' || e.key === ' ')) {
                  e.preventDefault();
                  setSelected(i);
                }
              }}
              data-path={r.path}
              data-diff={r.kind}
              aria-label={r.kind === 'same' ? undefined : `${r.kind === 'add' ? t('lesson.diff.added') : t('lesson.diff.removed')}: ${r.text.trim()}`}
            >
              <span className="diff-mark" aria-hidden="true">
                {r.kind === 'add' ? '+' : r.kind === 'del' ? '-' : ' '}
              </span>
              {r.text || ' '}
              {'\n'}
            </span>
          ))}
        </pre>
        <aside className="yaml-explanation" aria-live="polite" data-testid="yaml-explanation">
          {chosen?.path ? (
            <>
              <p className="mono small">{chosen.path}</p>
              <p>{explanation ? t(explanation) : t('lesson.yamlNoExplanation')}</p>
            </>
          ) : null}
        </aside>
      </div>
    </section>
  );
}
