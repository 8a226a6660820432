/** The left rail: every step of the journey with its status; a locked step says why and cannot be entered. */
import type { AppState, StepId } from '../../../preload/contract/app';
import { STEP_IDS } from '../../../preload/contract/steps';
import { useT } from '../i18n/use-t';

const STATUS_ICON = { 'not-started': '○', 'in-progress': '◐', done: '●', 'needs-attention': '!' } as const;

export function StepRail({ state, onSelect }: { state: AppState; onSelect: (id: StepId) => void }) {
  const { t } = useT();
  return (
    <nav className="rail" aria-label={t('app.journey')}>
      <ol>
        {STEP_IDS.map((id, index) => {
          const available = state.available.includes(id);
          const lock = state.locked[id];
          const current = state.preferences.currentStep === id;
          const status = state.steps[id];
          return (
            <li key={id}>
              <button
                type="button"
                className={`step ${current ? 'current' : ''} ${available ? '' : 'unavailable'}`}
                aria-current={current ? 'step' : undefined}
                aria-disabled={!available}
                data-step={id}
                data-status={status}
                onClick={() => available && onSelect(id)}
              >
                <span className={`status status-${status}`} aria-hidden="true">
                  {STATUS_ICON[status]}
                </span>
                <span className="step-text">
                  <span className="step-title">
                    {index + 1}. {t.rich(`steps.${id}.title`)}
                  </span>
                  <span className="step-sub">{available ? t(`status.${status}`) : `${t(`app.lock.${lock ?? 'coming-later'}`)} — ${t(`steps.${id}.summary`)}`}</span>
                </span>
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
