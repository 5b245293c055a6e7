// A new build never takes over by itself: its service worker installs and waits, the
// page is told (`jemput:update-waiting`), and only the page's SKIP_WAITING message makes
// it take over; the page then reloads into the new build and the old cache is gone.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  builtSite,
  launchBrowser,
  openApp,
  removeTempDirs,
  startServer,
  tempDir,
  waitForApp,
  waitForServiceWorker,
} from "../lib/harness.mjs";

after(removeTempDirs);

const shellCaches = (page) =>
  page.evaluate(async () => (await caches.keys()).filter((name) => name.startsWith("jemput-shell-")).sort());

/** Makes the site's service worker a new build's: another version, another cache. */
async function deployNewBuild(webDir) {
  const path = join(webDir, "sw.js");
  const script = await readFile(path, "utf8");
  await writeFile(path, script.replace(/const VERSION = "([0-9a-f]+)"/, 'const VERSION = "$1-next"'));
  // The server would otherwise send the old build's precompressed copies.
  await rm(path + ".br", { force: true });
  await rm(path + ".gz", { force: true });
}

test("a new build waits until the page asks it to take over", async () => {
  const webDir = await tempDir("site");
  await cp(builtSite(), webDir, { recursive: true });
  const server = await startServer({ webDir });
  const context = await launchBrowser();
  try {
    const page = await openApp(context, server.url + "/");
    await waitForServiceWorker(page);
    const [first] = await shellCaches(page);
    assert.ok(first, "the shell is cached");

    await deployNewBuild(webDir);
    const announced = page.evaluate(
      () => new Promise((resolve) => window.addEventListener("jemput:update-waiting", () => resolve(true))),
    );
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    assert.equal(await announced, true);

    // Installed and waiting: the old build still runs the page, both caches exist.
    const state = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      return { waiting: registration.waiting?.state, active: registration.active?.state };
    });
    assert.deepEqual(state, { waiting: "installed", active: "activated" });
    assert.deepEqual(await shellCaches(page), [first, `${first}-next`].sort());

    // The app says "go": the new worker takes over, the page reloads, the old cache goes.
    const reloaded = page.waitForEvent("framenavigated");
    await page.evaluate(() => window.jemputUpdateWaiting.postMessage({ type: "SKIP_WAITING" }));
    await reloaded;
    await waitForApp(page);
    await waitForServiceWorker(page);
    assert.deepEqual(await shellCaches(page), [`${first}-next`]);
    assert.deepEqual(page.problems, []);
  } finally {
    await context.close().catch(() => {});
    await server.kill();
  }
});
