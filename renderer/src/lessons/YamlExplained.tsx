/**
 * A manifest as the lesson applies it, line by line: a click (or Enter) on a line shows what
 * its field does, in the user's language (the explanations live in lessons/messages.ts).
 */
import { useMemo, useState } from 'react';
import { useT } from '../i18n/use-t';
import { explanationKeys, kindsByLine, yamlLines } from './yaml-paths';

export function YamlExplained({ yaml, title }: { yaml: string; title?: string }) {
  const { t } = useT();
  const lines = useMemo(() => yamlLines(yaml), [yaml]);
  const kinds = useMemo(() => kindsByLine(lines), [lines]);
  const [selected, setSelected] = useState<number | null>(null);
  const explain = (i: number): { path: string; text: string } | null => {
    const line = lines[i];
    if (!line?.path) return null;
    const key = explanationKeys(kinds[i], line.path).find((k) => t.has(k));
    return { path: line.path, text: key ? t(key) : t('lesson.yamlNoExplanation') };
  };
  const chosen = selected === null ? null : explain(selected);
  return (
    <section className="yaml-explained" aria-label={title ?? t('lesson.yamlTitle')}>
      <h3>{title ?? t('lesson.yamlTitle')}</h3>
      <p className="hint">{t('lesson.yamlHint')}</p>
      <div className="yaml-layout">
        <pre className="yaml mono" role="list">
          {lines.map((l, i) => (
            <span
              key={i}
              role="listitem"
              className={`yaml-line ${l.path ? 'explainable' : ''} ${selected === i ? 'selected' : ''}`}
              tabIndex={l.path ? 0 : -1}
              onClick={() => l.path && setSelected(i)}
              onKeyDown={(e) => {
                if (l.path && (e.key === 'Enter' || e.key === ' ')) {
                  e.preventDefault();
                  setSelected(i);
                }
              }}
              data-path={l.path}
            >
              {l.text || ' '}
              {'\n'}
            </span>
          ))}
        </pre>
        <aside className="yaml-explanation" aria-live="polite" data-testid="yaml-explanation">
          {chosen ? (
            <>
              <p className="mono small">{chosen.path}</p>
              <p>{chosen.text}</p>
            </>
          ) : null}
        </aside>
      </div>
    </section>
  );
}
