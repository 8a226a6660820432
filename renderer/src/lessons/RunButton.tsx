/**
 * A lesson action behind one button, without the YAML and kubectl of ActionPanel: for actions a
 * panel already explains (roll back to revision N in a history table, enable MetalLB with the
 * range typed beside it). The outcome is worded as ActionPanel words it.
 */
import { useState } from 'react';
import type { LessonOutcome } from '../../../preload/contract/lessons';
import { call } from '../api/client';
import { useT } from '../i18n/use-t';
import { OutcomeText } from './OutcomeText';

export interface RunButtonProps {
  action: string;
  params?: Record<string, string | number | boolean | null>;
  label: string;
  primary?: boolean;
  disabled?: boolean;
  onDone?: (outcome: LessonOutcome) => void;
  /** Show the outcome below the button (default true). */
  showOutcome?: boolean;
  testId?: string;
}

export function RunButton(props: RunButtonProps) {
  const { t } = useT();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<LessonOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    setOutcome(null);
    try {
      const result = await call('lessons.run', { action: props.action, params: props.params ?? {}, force: false });
      setOutcome(result);
      props.onDone?.(result);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="run-button" data-testid={props.testId}>
      <button type="button" className={props.primary ? 'primary' : ''} disabled={busy || props.disabled} onClick={() => void run()}>
        {busy ? t('lesson.working') : props.label}
      </button>
      {props.showOutcome !== false && outcome && <OutcomeText outcome={outcome} scope={props.action.split('.')[0]} />}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
