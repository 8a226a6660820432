/**
 * One lesson action as the user meets it: what it will apply (YAML, every line explainable), the
 * kubectl it stands for, a button that runs it, and what happened, worded from the outcome's code
 * (errors with the cluster's own message). A change someone made behind the app's back is shown
 * before the app overwrites it.
 */
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import type { LessonOutcome, LessonPreview } from '../../../preload/contract/lessons';
import { call } from '../api/client';
import { useT } from '../i18n/use-t';
import { ConfirmDialog } from '../toolkit/ConfirmDialog';
import { YamlDiff } from './diff/YamlDiff';
import { KubectlPanel } from './KubectlPanel';
import { OutcomeText } from './OutcomeText';
import { YamlExplained } from './YamlExplained';

export interface ActionPanelProps {
  action: string;
  params?: Record<string, string | number | boolean | null>;
  /** Added to `params` only when the action runs (never previewed): e.g. a password the user typed. */
  runParams?: () => Record<string, string | number | boolean | null>;
  label: string;
  /** Show the YAML (actions that apply manifests). */
  showYaml?: boolean;
  disabled?: boolean;
  primary?: boolean;
  onDone?: (outcome: LessonOutcome) => void;
  children?: ReactNode;
  testId?: string;
  /** Preview again when this changes (e.g. the live object a diff is taken against). */
  refreshKey?: string;
  /** Ask first (e.g. an action that deletes before it applies): the dialog's title, body and confirm label. */
  confirm?: { title: string; body: ReactNode; label: string };
}

export function ActionPanel(props: ActionPanelProps) {
  const { t } = useT();
  const [preview, setPreview] = useState<LessonPreview | null>(null);
  const [outcome, setOutcome] = useState<LessonOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [drift, setDrift] = useState<LessonOutcome['drift'] | null>(null);
  const [asking, setAsking] = useState(false);
  const paramsKey = JSON.stringify(props.params ?? {});

  useEffect(() => {
    let live = true;
    call('lessons.preview', { action: props.action, params: JSON.parse(paramsKey) as Record<string, string> }).then(
      (p) => live && setPreview(p),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [props.action, paramsKey, props.refreshKey]);

  const run = async (force = false) => {
    setBusy(true);
    setError(null);
    setOutcome(null);
    try {
      const params = { ...(JSON.parse(paramsKey) as Record<string, string>), ...props.runParams?.() };
      const result = await call('lessons.run', { action: props.action, params, force });
      if (!result.ok && result.code === 'drift') setDrift(result.drift ?? []);
      else {
        setOutcome(result);
        props.onDone?.(result);
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="action-panel" data-action={props.action} data-testid={props.testId}>
      {props.children}
      {props.showYaml !== false && preview?.yaml ? preview.before !== undefined ? <YamlDiff before={preview.before} after={preview.yaml} /> : <YamlExplained yaml={preview.yaml} /> : null}
      {preview && <KubectlPanel commands={preview.kubectl} />}
      <div className="actions">
        <button type="button" className={props.primary === false ? '' : 'primary'} disabled={busy || props.disabled} onClick={() => (props.confirm ? setAsking(true) : void run())}>
          {busy ? t('lesson.working') : props.label}
        </button>
      </div>
      {outcome && <OutcomeText outcome={outcome} scope={props.action.split('.')[0]} />}
      {asking && props.confirm && (
        <ConfirmDialog
          title={props.confirm.title}
          confirmLabel={props.confirm.label}
          cancelLabel={t('lesson.cancel')}
          danger
          onConfirm={() => {
            setAsking(false);
            void run();
          }}
          onCancel={() => setAsking(false)}
          testId="action-confirm"
        >
          {props.confirm.body}
        </ConfirmDialog>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {drift && (
        <ConfirmDialog
          title={t('lesson.drift.title')}
          confirmLabel={t('lesson.drift.overwrite')}
          cancelLabel={t('lesson.cancel')}
          onConfirm={() => {
            setDrift(null);
            void run(true);
          }}
          onCancel={() => setDrift(null)}
          testId="drift-confirm"
        >
          <p>{t('lesson.drift.explain', { managers: [...new Set(drift.flatMap((d) => d.drift.flatMap((c) => c.owners.map((o) => o.manager))))].join(', ') })}</p>
          <ul className="mono small">
            {drift.flatMap((d) =>
              d.drift.map((c) => (
                <li key={`${d.name}${c.path}`}>
                  {d.display} {c.path}: {JSON.stringify(c.live)} → {JSON.stringify(c.desired)}
                </li>
              )),
            )}
          </ul>
        </ConfirmDialog>
      )}
    </div>
  );
}
