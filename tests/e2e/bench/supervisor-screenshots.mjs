// Takes the laptop-size screenshots (1366×800) of the supervisor's screens in docs/: the
// overview, the registrations table and a record page. Run with the browser tests'
// environment: `node bench/supervisor-screenshots.mjs [--demo N]`. With `--demo N` the
// server is filled by `jemput-server demo --records N`; without it, an officer's phone
// syncs a few dozen sample registrations and a supervisor reviews one.

import { startServer, launchBrowser, openApp, removeTempDirs, Api, LAPTOP, login } from "../lib/harness.mjs";

const out = new URL("../../../docs/", import.meta.url).pathname;
const demoAt = process.argv.indexOf("--demo");
const demoRecords = demoAt > 0 ? Number(process.argv[demoAt + 1]) : 0;
const PASSWORD = "supervisor-password-1";

const server = await startServer({ demoRecords });
const admin = await Api.asAdmin(server.url);
const regencies = (await admin.request("GET", "/api/regions")).regencies.map((r) => r.code);
await admin.createUser({ username: "kadis", password: PASSWORD, role: "supervisor", regions: regencies, displayName: "Kepala Dinas" });
const contexts = [];
try {
  if (!demoRecords) {
    await admin.createUser({ username: "siti", password: PASSWORD, role: "officer", regions: ["17.01.01"], displayName: "Siti Aminah" });
    const phone = await launchBrowser();
    contexts.push(phone);
    const page = await openApp(phone, server.url + "/");
    await login(page, "siti", PASSWORD);
    await page.locator("section.list").waitFor();
    for (const village of ["17.01.01.2001", "17.01.01.2002", "17.01.01.2003"]) {
      await page.evaluate((v) => window.jemputAddSamples(12, v), village);
    }
    await page.click('button[name="sync_now"]');
    await page.waitForFunction(() => document.querySelector(".status .waiting")?.dataset.waiting === "0", null, { timeout: 120_000 });
  }

  const laptop = await launchBrowser({ viewport: LAPTOP });
  contexts.push(laptop);
  const page = await openApp(laptop, server.url + "/");
  await login(page, "kadis", PASSWORD);
  await page.locator('[data-testid="overview"] [data-testid="per-day"]').waitFor({ timeout: 60_000 });
  await page.screenshot({ path: out + "supervisor-overview.png" });

  await page.click('nav a[data-nav="pendaftaran"]');
  await page.locator('tr[data-testid="row"]').first().waitFor({ timeout: 60_000 });
  await page.screenshot({ path: out + "supervisor-table.png" });

  await page.locator('tr[data-testid="row"] a.name').first().click();
  await page.locator('[data-testid="record-name"]').waitFor();
  if (!demoRecords) {
    await page.fill('textarea[name="comment"]', "Nomor HP tidak aktif, mohon diperiksa.");
    await page.click('button[name="needs_correction"]');
    await page.locator('[data-testid="record-status"][data-value="needs_correction"]').waitFor();
    await page.fill('textarea[name="comment"]', "");
  }
  await page.locator('[data-testid="history"]').waitFor();
  await page.locator('textarea[name="comment"]').blur();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: out + "supervisor-record.png" });
} finally {
  for (const context of contexts) await context.close();
  await server.stop();
  await removeTempDirs();
}
