// The field officer's day, in a real browser against a real server: log in once, register
// people with no network, reload and restart the browser offline, come back online and
// watch the records go by themselves, receive a supervisor's "needs correction" with its
// comment, correct and resubmit; and invalid input refused next to the field.

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
  loginOfficer,
  registerPerson,
  unlock,
  until,
  waiting,
  waitForRegionList,
} from "../lib/harness.mjs";

after(removeTempDirs);

const VILLAGE = { regency: "17.01", district: "17.01.01", village: "17.01.01.2001" };

/** A valid NIK for a man born on `day`/`month`/`year` in district 17.01.01. */
function nikFor(day, month, year, serial) {
  const dd = String(day).padStart(2, "0");
  const mm = String(month).padStart(2, "0");
  const yy = String(year % 100).padStart(2, "0");
  return `170101${dd}${mm}${yy}${String(serial).padStart(4, "0")}`;
}

async function serverCount(api) {
  return (await api.request("GET", "/api/admin/stats")).registrations;
}

test("an officer registers offline, survives reloads and restarts, syncs by itself, and corrects a reviewed record", async () => {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"], displayName: "Siti" });
  await admin.createUser({ username: "budi", password: "budi-password-123", role: "supervisor", regions: ["17.01"], displayName: "Budi" });

  let context = await launchBrowser();
  const { userDataDir } = context;
  try {
    // 1. Log in online; the region list comes down with the app.
    let page = await openApp(context, server.url + "/");
    await waitForServiceWorker(page);
    await loginOfficer(page, "siti", "siti-password-123");
    await waitForRegionList(page, VILLAGE.regency);

    // Offline: three people. The server is down too for the whole offline stretch:
    // Playwright's offline mode may start a relaunched browser's first page before it
    // applies, and the worker's own requests are not covered by it.
    await context.setOffline(true);
    await server.stop();
    const people = [
      { name: "Ahmad Fauzi", nik: nikFor(12, 5, 1995, 1), birthDate: "1995-05-12" },
      { name: "Rudi Hartono", nik: nikFor(3, 8, 1990, 2), birthDate: "1990-08-03" },
      { name: "Joko Santoso", nik: nikFor(21, 1, 2000, 3), birthDate: "2000-01-21" },
    ];
    for (const person of people) await registerPerson(page, person);
    assert.equal(await page.locator("li.record").count(), 3);
    assert.equal(await waiting(page), 3);

    // Reload, still offline: the app loads from the service worker, asks for the PIN
    // and lists all three.
    await page.reload();
    await waitForApp(page);
    await unlock(page);
    await page.locator("li.record").nth(2).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator("li.record").count(), 3);

    // Close the browser and open it again on the same profile, still offline.
    await context.close();
    context = await launchBrowser({ userDataDir, offline: true });
    page = await openApp(context, server.url + "/");
    await unlock(page);
    await page.locator("li.record").nth(2).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator("li.record").count(), 3);
    assert.equal(await waiting(page), 3);
    await server.restart();
    assert.equal(await serverCount(admin), 0);

    // 2. Online again: everything goes without pressing anything.
    await context.setOffline(false);
    await until(async () => (await serverCount(admin)) === 3, "three records on the server");
    await until(async () => (await waiting(page)) === 0, "0 waiting in the status line");

    // 3. A supervisor asks for a correction, with a comment.
    const id = await page.locator("li.record", { hasText: "Rudi Hartono" }).getAttribute("data-id");
    const supervisor = new Api(server.url);
    await supervisor.login("budi", "budi-password-123");
    await supervisor.request("POST", `/api/registrations/${id}/review`, {
      status: "needs_correction",
      comment: "Tempat lahir salah, mohon diperiksa.",
    });
    await page.click('button[name="sync_now"]');
    const flagged = page.locator(`li.record[data-id="${id}"][data-status="needs_correction"]`);
    await flagged.waitFor({ timeout: 60_000 });
    await flagged.click();
    await page.locator("ul.comments", { hasText: "Tempat lahir salah" }).waitFor();
    await page.fill('input[name="birth_place"]', "Bengkulu");
    await page.fill('textarea[name="reply"]', "Sudah diperbaiki.");
    await page.click('button[name="save"]');
    await page.locator("section.list").waitFor();
    await until(async () => {
      const stored = await supervisor.request("GET", `/api/registrations/${id}`);
      return stored.birth_place === "Bengkulu";
    }, "the correction on the server");
    const stored = await supervisor.request("GET", `/api/registrations/${id}`);
    assert.equal(stored.review.status, "submitted");
    const texts = stored.review.comments.map((c) => c.text);
    assert.ok(texts.includes("Tempat lahir salah, mohon diperiksa."), `comments: ${texts}`);
    assert.ok(texts.includes("Sudah diperbaiki."), `comments: ${texts}`);
    await until(async () => (await waiting(page)) === 0, "0 waiting after the correction");

    // 4. Invalid input is refused next to the field, in Indonesian, and nothing is saved.
    await page.click('button[name="new_registration"]');
    await page.fill('input[name="full_name"]', "Salah Input");
    await page.fill('input[name="nik"]', "170101120595000"); // 15 digits
    await page.click('button[name="save"]');
    const nikError = page.locator('.problem.error[data-field="nik"]');
    await nikError.waitFor();
    assert.match(await nikError.innerText(), /16/);
    const consentError = page.locator('.problem.error[data-field="consent"]');
    await consentError.waitFor();
    assert.match(await consentError.innerText(), /menyetujui/);
    await page.locator(".save-error", { hasText: "Belum tersimpan" }).waitFor();
    await page.click('button[name="back"]');
    assert.equal(await page.locator("li.record").count(), 3);
    assert.equal(await serverCount(admin), 3);
    assert.deepEqual(page.problems, []);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("the network drops in the middle of sending 200 records: after it returns, the server holds all 200 exactly once", async () => {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "rina", password: "rina-password-123", role: "officer", regions: ["17.01.01"] });
  const context = await launchBrowser();
  try {
    const page = await openApp(context, server.url + "/");
    await waitForServiceWorker(page);
    await context.setOffline(false);
    await loginOfficer(page, "rina", "rina-password-123");
    // Small batches, so the sync takes several round trips.
    await context.setOffline(true);
    assert.equal(await page.evaluate(() => window.jemputAddSamples(200, "17.01.01.2001")), 200);
    await until(async () => (await waiting(page)) === 200, "200 waiting");

    // The link breaks after the first batch reached the server: its answer is lost, and
    // the next requests fail, until the link is back.
    let requests = 0;
    await page.route("**/api/sync", async (route) => {
      requests += 1;
      if (requests === 1) {
        await route.fetch(); // the server commits...
        await route.abort("connectionreset"); // ...but the answer never arrives
      } else {
        await route.abort("internetdisconnected");
      }
    });
    await context.setOffline(false);
    await until(async () => requests >= 2, "the failing sync attempts");
    const committedBeforeRecovery = await serverCount(admin);
    assert.ok(committedBeforeRecovery > 0, `after the drop: ${committedBeforeRecovery}`);
    await page.unroute("**/api/sync");
    await page.click('button[name="sync_now"]');
    await until(async () => (await waiting(page)) === 0, "0 waiting", 120_000);
    assert.equal(await serverCount(admin), 200);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("another officer's record opens read-only until a supervisor hands it over", async () => {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"], displayName: "Siti" });
  const rina = await admin.createUser({ username: "rina", password: "rina-password-123", role: "officer", regions: ["17.01.01"], displayName: "Rina" });
  await admin.createUser({ username: "budi", password: "budi-password-123", role: "supervisor", regions: ["17.01"], displayName: "Budi" });
  const sitiPhone = await launchBrowser();
  const rinaPhone = await launchBrowser();
  try {
    // Siti registers someone; it reaches the server.
    const siti = await openApp(sitiPhone, server.url + "/");
    await loginOfficer(siti, "siti", "siti-password-123");
    assert.equal(await siti.evaluate(() => window.jemputAddSamples(1, "17.01.01.2001")), 1);
    await siti.click('button[name="sync_now"]');
    await until(async () => (await waiting(siti)) === 0, "siti's record sent");
    const id = await siti.locator("li.record").first().getAttribute("data-id");

    // Rina, in the same district, sees it — to view only.
    const page = await openApp(rinaPhone, server.url + "/");
    await loginOfficer(page, "rina", "rina-password-123");
    await page.click('button[name="sync_now"]');
    const record = page.locator(`li.record[data-id="${id}"]`);
    await record.locator(".tag.view-only").waitFor({ timeout: 30_000 });
    await record.click();
    await page.locator('[data-testid="view-only"]').waitFor();
    assert.match(await page.locator('[data-testid="view-only"]').innerText(), /petugas lain/);
    assert.equal(await page.locator('button[name="save"]').count(), 0);
    assert.ok(await page.locator('input[name="full_name"]').isDisabled());
    await page.click('button[name="back"]');

    // The supervisor hands it over to Rina; after a sync she may change it.
    const budi = new Api(server.url);
    await budi.login("budi", "budi-password-123");
    const handed = await budi.request("POST", `/api/registrations/${id}/handover`, { officer_id: rina.id });
    assert.equal(handed.assigned_officer, rina.id);
    await page.click('button[name="sync_now"]');
    await record.locator(".tag.view-only").waitFor({ state: "detached", timeout: 30_000 });
    await record.click();
    await page.locator('button[name="save"]').waitFor();
    assert.equal(await page.locator('[data-testid="view-only"]').count(), 0);
    assert.deepEqual(page.problems, []);
  } finally {
    await sitiPhone.close();
    await rinaPhone.close();
    await server.stop();
  }
});
