// The app shell works with no network: once opened, the service worker has the page,
// the JS and the wasm, so a reload offline, and a browser closed and reopened offline
// with the server gone, still start the app.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer,
  launchBrowser,
  openApp,
  waitForApp,
  waitForServiceWorker,
  removeTempDirs,
  Api,
} from "../lib/harness.mjs";

after(removeTempDirs);

test("the app is installable and opens offline from the service worker, also after the browser restarts", async () => {
  const server = await startServer();
  let context = await launchBrowser();
  const { userDataDir } = context;
  try {
    // Online, first visit: the app starts under the server's CSP and the worker installs.
    let page = await openApp(context, server.url + "/");
    await waitForServiceWorker(page);
    const shell = await page.evaluate(async () => {
      const names = await caches.keys();
      const cache = await caches.open(names.find((n) => n.startsWith("jemput-shell-")));
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    assert.ok(shell.includes("/index.html"), `shell cache: ${shell}`);
    assert.ok(shell.some((p) => p.endsWith(".wasm")), `shell cache: ${shell}`);
    // Chromium would offer to install it (manifest, icons, worker all acceptable).
    const cdp = await context.newCDPSession(page);
    assert.deepEqual(await cdp.send("Page.getInstallabilityErrors"), { installabilityErrors: [] });
    assert.deepEqual((await cdp.send("Page.getAppManifest")).errors, []);
    await cdp.detach();

    // The API is reachable through the page.
    const api = await Api.asAdmin(server.url);
    const statuses = await page.evaluate(async (token) => {
      const headers = { authorization: `Bearer ${token}` };
      const regions = await fetch("/api/regions", { headers });
      const me = await fetch("/api/auth/me", { headers });
      return [regions.status, me.status];
    }, api.token);
    assert.deepEqual(statuses, [200, 200]);

    // Offline: a reload is served by the worker.
    await context.setOffline(true);
    await page.reload();
    await waitForApp(page);
    assert.equal(await page.title(), "Jemput");
    // An app path too (index.html for every page).
    await page.goto(server.url + "/daftar/baru");
    await waitForApp(page);
    // The region list was cached when fetched online.
    const offlineRegions = await page.evaluate(
      async (token) => (await fetch("/api/regions", { headers: { authorization: `Bearer ${token}` } })).status,
      api.token,
    );
    assert.equal(offlineRegions, 200);
    assert.deepEqual(page.problems, []);

    // The browser closes, the server goes away; reopened offline, the app still starts.
    await context.close();
    await server.stop();
    context = await launchBrowser({ userDataDir, offline: true });
    page = await openApp(context, server.url + "/");
    assert.equal(await page.title(), "Jemput");
    assert.ok(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)));
    // The region list is kept; no other API answer is.
    const offline = await page.evaluate(async (token) => {
      const headers = { authorization: `Bearer ${token}` };
      const status = (path) => fetch(path, { headers }).then((r) => r.status, () => "network error");
      return [await status("/api/regions"), await status("/api/auth/me")];
    }, api.token);
    assert.deepEqual(offline, [200, "network error"]);
    assert.deepEqual(page.problems, []);
  } finally {
    await context.close().catch(() => {});
    await server.kill();
  }
});
