import type { Locator } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Waiting assertions on the window (playwright-core has no `expect` of its own): each polls until
 * the window shows what is expected or the time is up, then fails with what it saw.
 */
export function ui(locator: Locator) {
  const poll = <T>(read: () => Promise<T>, timeout = 10_000) => expect.poll(read, { timeout, interval: 100 });
  const text = () => locator.innerText().catch(() => '');
  const match = (p: ReturnType<typeof poll<string>>, want: string | RegExp) => (want instanceof RegExp ? p.toMatch(want) : p.toContain(want));
  return {
    toBeVisible: (o: { timeout?: number } = {}) => poll(() => locator.isVisible(), o.timeout).toBe(true),
    toContainText: (want: string | RegExp, o: { timeout?: number } = {}) => match(poll(text, o.timeout), want),
    toHaveText: (want: string | RegExp, o: { timeout?: number } = {}) =>
      want instanceof RegExp ? poll(async () => (await text()).trim(), o.timeout).toMatch(want) : poll(async () => (await text()).trim(), o.timeout).toBe(want),
    toHaveCount: (n: number, o: { timeout?: number } = {}) => poll(() => locator.count(), o.timeout).toBe(n),
    toHaveAttribute: (name: string, want: string | RegExp, o: { timeout?: number } = {}) => {
      const p = poll(async () => (await locator.getAttribute(name).catch(() => null)) ?? '', o.timeout);
      return want instanceof RegExp ? p.toMatch(want) : p.toBe(want);
    },
    toBeFocused: (o: { timeout?: number } = {}) => poll(() => locator.evaluate((el) => el === document.activeElement).catch(() => false), o.timeout).toBe(true),
    not: {
      /** Checked now (after the positive waits before it): the window must not show this. */
      toContainText: async (unwanted: RegExp) => expect(await text()).not.toMatch(unwanted),
    },
  };
}
