/** The kubectl commands a lesson action stands for, each copyable. */
import { useState } from 'react';
import { useT } from '../i18n/use-t';

export function KubectlPanel({ commands }: { commands: readonly string[] }) {
  const { t } = useT();
  const [copied, setCopied] = useState<string | null>(null);
  if (commands.length === 0) return null;
  const copy = (text: string) => {
    void navigator.clipboard?.writeText(text).then(() => setCopied(text), () => setCopied(null));
  };
  return (
    <section className="kubectl-panel" aria-label={t('lesson.kubectlTitle')}>
      <h3>{t('lesson.kubectlTitle')}</h3>
      <p className="hint">{t('lesson.kubectlHint')}</p>
      <ul className="commands">
        {commands.map((c) => (
          <li key={c}>
            <code className="mono">$ {c}</code>{' '}
            <button type="button" className="small" onClick={() => copy(c)} aria-label={`${t('lesson.copy')}: ${c}`}>
              {copied === c ? t('lesson.copied') : t('lesson.copy')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
