// Shared browser launcher for the end-to-end tests (tests/e2e/*.test.mjs).
// Uses Debian's Chromium (installed by scripts/setup), never a Playwright-
// downloaded browser: only package registries are reachable here.
import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.BANGFU_CHROMIUM || '/usr/bin/chromium';

// The background-networking/component-update/sync flags keep Chromium from
// dialling out (the machine's network is closed); --no-sandbox because tests
// run as root.
export const LAUNCH_OPTIONS = Object.freeze({
  executablePath: CHROMIUM_PATH,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

/** Launch headless Chromium; extra options are merged over LAUNCH_OPTIONS. */
export function launchBrowser(extra = {}) {
  return chromium.launch({ ...LAUNCH_OPTIONS, ...extra });
}
