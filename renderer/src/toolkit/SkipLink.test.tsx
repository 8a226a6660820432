// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import { SkipLink } from './SkipLink';

afterEach(cleanup);

it('moves focus to the step content', () => {
  render(
    <>
      <SkipLink label="Skip to the step" />
      <nav>
        <button type="button">1. Plan</button>
      </nav>
      <main id="content" tabIndex={-1}>
        step
      </main>
    </>,
  );
  fireEvent.click(screen.getByRole('link', { name: 'Skip to the step' }));
  expect(document.activeElement?.id).toBe('content');
});
