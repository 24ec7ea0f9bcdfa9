import { existsSync } from 'node:fs';

/**
 * Debian's Chromium (apt-get install chromium), driven by playwright-core. In CI a missing
 * Chromium fails the test; on a developer machine without it the suite says why and skips.
 */
export const CHROMIUM = process.env.KWTA_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumPresent = existsSync(CHROMIUM);
if (!chromiumPresent) {
  if (process.env.CI) throw new Error(`browser test: Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  console.warn(`browser test skipped: Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
}

// Headless, no sandbox (CI runs as root), no GPU, and no background traffic on a closed network
// (without those flags Chromium's own connections are refused here).
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
