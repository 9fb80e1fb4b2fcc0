import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's chromium through playwright-core (which downloads no browser). playwright's launch() gives
 * every browser a fresh temporary profile (it refuses --user-data-dir), so nothing leaks between runs.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}
