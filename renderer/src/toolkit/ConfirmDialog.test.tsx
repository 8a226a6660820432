// @vitest-environment happy-dom
/** The one confirmation dialog: labelled, focus kept inside and given back, Escape cancels, confirm waits for its check boxes. */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfirmDialog } from './ConfirmDialog';

afterEach(cleanup);

function open(extra: Partial<Parameters<typeof ConfirmDialog>[0]> = {}) {
  const onConfirm = vi.fn();
  const onCancel = vi.fn();
  render(
    <>
      <button type="button">outside</button>
      <ConfirmDialog title="Write to this card?" confirmLabel="Write" cancelLabel="Cancel" onConfirm={onConfirm} onCancel={onCancel} {...extra}>
        <p>The boot settings of pi-01 will be written to /dev/sdb.</p>
      </ConfirmDialog>
    </>,
  );
  return { onConfirm, onCancel, dialog: screen.getByRole('dialog', { name: 'Write to this card?' }) };
}

describe('ConfirmDialog', () => {
  it('is a modal dialog named by its title and described by its body', () => {
    const { dialog } = open();
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    const described = document.getElementById(dialog.getAttribute('aria-describedby') ?? '');
    expect(described?.textContent).toContain('/dev/sdb');
  });

  it('puts focus inside and keeps it there with Tab and Shift+Tab', () => {
    const { dialog } = open();
    expect(dialog.contains(document.activeElement)).toBe(true);
    const buttons = [...dialog.querySelectorAll('button')];
    buttons.at(-1)!.focus();
    fireEvent.keyDown(dialog, { key: 'Tab' });
    expect(document.activeElement).toBe(buttons[0]);
    fireEvent.keyDown(dialog, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(buttons.at(-1));
  });

  it('cancels on Escape', () => {
    const { dialog, onCancel, onConfirm } = open();
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onCancel).toHaveBeenCalledOnce();
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('confirms only once every check box is ticked', () => {
    const { onConfirm } = open({ check: 'Yes, /dev/sdb is the card for pi-01', secondCheck: 'I checked the size' });
    const confirm = screen.getByRole('button', { name: 'Write' }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Yes, /dev/sdb is the card for pi-01' }));
    expect(confirm.disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: 'I checked the size' }));
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    expect(onConfirm).toHaveBeenCalledOnce();
  });

  it('gives focus back to where it was when it closes', () => {
    const outside = document.createElement('button');
    document.body.append(outside);
    outside.focus();
    const { unmount } = render(<ConfirmDialog title="T" confirmLabel="OK" cancelLabel="No" onConfirm={() => undefined} onCancel={() => undefined} />);
    expect(document.activeElement).not.toBe(outside);
    unmount();
    expect(document.activeElement).toBe(outside);
    outside.remove();
  });
});
