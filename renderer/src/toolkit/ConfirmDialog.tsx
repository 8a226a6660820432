/**
 * The one confirmation dialog: labelled by its title and described by its body, focus trapped
 * inside while open and given back to where it was, Escape cancels, the confirm button can wait
 * for a check box ("Yes, /dev/sdb is the card for pi-01"). Every "are you sure" uses it.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { ReactNode } from 'react';

export interface ConfirmDialogProps {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  cancelLabel: string;
  /** A check box the user must tick before confirming. */
  check?: string;
  /** A second check box (for example a drive larger than 256 GB). */
  secondCheck?: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
  testId?: string;
}

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function ConfirmDialog(props: ConfirmDialogProps) {
  const titleId = useId();
  const bodyId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const [checked, setChecked] = useState(false);
  const [secondChecked, setSecondChecked] = useState(false);
  const onCancel = useRef(props.onCancel);
  onCancel.current = props.onCancel;

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>(FOCUSABLE);
    (first ?? ref.current)?.focus();
    return () => previous?.focus?.();
  }, []);

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onCancel.current();
      return;
    }
    if (e.key !== 'Tab') return;
    const items = [...(ref.current?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? [])];
    if (items.length === 0) return;
    const first = items[0]!;
    const last = items[items.length - 1]!;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  const ready = (!props.check || checked) && (!props.secondCheck || secondChecked) && !props.busy;
  return (
    <div className="dialog-backdrop">
      <div ref={ref} className="dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} aria-describedby={props.children ? bodyId : undefined} tabIndex={-1} onKeyDown={onKeyDown} data-testid={props.testId}>
        <h2 id={titleId}>{props.title}</h2>
        {props.children && <div id={bodyId}>{props.children}</div>}
        {props.check && (
          <label className="check">
            <input type="checkbox" checked={checked} onChange={(e) => setChecked(e.target.checked)} />
            {props.check}
          </label>
        )}
        {props.secondCheck && (
          <label className="check">
            <input type="checkbox" checked={secondChecked} onChange={(e) => setSecondChecked(e.target.checked)} />
            {props.secondCheck}
          </label>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={props.onCancel}>
            {props.cancelLabel}
          </button>
          <button type="button" className={props.danger ? 'danger' : 'primary'} disabled={!ready} onClick={props.onConfirm}>
            {props.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
