// The app shell works with no network: once opened, the service worker has the page,
// the JS and the wasm, so a reload offline, and a browser closed and reopened offline
// with the server gone, still start the app. The supervisor's app, which needs the
// server, says so cleanly offline.

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
  LAPTOP,
  login,
  supervisorPath,
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

test("offline, the supervisor's app starts from the worker once opened and says it is offline; never opened, a notice says so", async () => {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "budi", password: "budi-password-123", role: "supervisor", regions: ["17.01"] });
  const opened = await launchBrowser({ viewport: LAPTOP });
  const never = await launchBrowser({ viewport: LAPTOP });
  try {
    // Logged in online, the supervisor's app opens and the worker keeps it.
    const page = await openApp(opened, server.url + "/");
    await waitForServiceWorker(page);
    await login(page, "budi", "budi-password-123");
    await page.locator('[data-testid="overview"] [data-testid="total"]').waitFor({ timeout: 30_000 });
    assert.equal(new URL(page.url()).pathname, supervisorPath());

    // Offline, a reload starts it again: the screens say why they are empty.
    await opened.setOffline(true);
    await page.reload();
    await waitForApp(page);
    await page.locator('[data-testid="offline"]').waitFor();
    assert.equal(await page.locator('[data-testid="nav"]').count(), 1);
    assert.deepEqual(page.problems, []);

    // A browser that only ever opened the login page: offline, the supervisor's address
    // is a short notice in both languages, not a browser error.
    const first = await openApp(never, server.url + "/");
    await waitForServiceWorker(first);
    await never.setOffline(true);
    await first.goto(server.url + supervisorPath("pendaftaran"));
    await first.locator('[data-testid="offline"]', { hasText: "Tidak ada koneksi internet" }).waitFor();
    assert.match(await first.locator("body").innerText(), /No internet connection/);
  } finally {
    await opened.close().catch(() => {});
    await never.close().catch(() => {});
    await server.kill();
  }
});
