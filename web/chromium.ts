// Debian's Chromium (/usr/bin/chromium), headless, driven by puppeteer-core: for the browser test
// and `npm run bench:web`. Nothing is downloaded; each launch gets a fresh profile directory,
// removed on close.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Why Chromium cannot run here, or null when it can. */
export function chromiumMissing(): string | null {
  return fs.existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (Debian: apt-get install -y chromium)`;
}

export interface Chromium {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium. `webgpu: true` adds --enable-unsafe-webgpu: on Linux, headless and
 * without a GPU, that is all Chromium needs to give navigator.gpu a SwiftShader adapter (software
 * Vulkan, built into Chromium; checked with Chromium 156).
 */
export async function launchChromium(opts: { webgpu?: boolean } = {}): Promise<Chromium> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "dlgrad-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    userDataDir: profile,
    args: [
      "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ...(opts.webgpu ? ["--enable-unsafe-webgpu"] : []),
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Clicks `selector` on the page and returns the bytes of the download named `file` (waiting up
 *  to 10 s), or null when none arrives. */
export async function clickDownload(page: Page, selector: string, file: string): Promise<Uint8Array | null> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dlgrad-download-"));
  try {
    const cdp = await page.createCDPSession();
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: dir });
    await page.click(selector);
    const at = path.join(dir, file);
    for (let i = 0; i < 100 && !fs.existsSync(at); i++) await new Promise((r) => setTimeout(r, 100));
    return fs.existsSync(at) ? new Uint8Array(fs.readFileSync(at)) : null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
