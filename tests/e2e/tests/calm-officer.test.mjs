// A calmer, clearer officer app (issue 16): no signal is said calmly, the phone's storage
// in plain words (and a clear warning only when space is really short), the "saved" note
// only after the save that just happened, the list at its top after "Simpan", a Wi-Fi
// without internet recovered from by itself within a minute, and the supervisor's record
// history in the form's words.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  startServer,
  launchBrowser,
  openApp,
  waitForApp,
  removeTempDirs,
  Api,
  LAPTOP,
  login,
  loginOfficer,
  navigate,
  supervisorPath,
  registerPerson,
  unlock,
  until,
  waiting,
} from "../lib/harness.mjs";

after(removeTempDirs);

/** A valid NIK for a man born on `day`/`month`/`year` in district 17.01.01. */
function nikFor(day, month, year, serial) {
  const dd = String(day).padStart(2, "0");
  const mm = String(month).padStart(2, "0");
  const yy = String(year % 100).padStart(2, "0");
  return `170101${dd}${mm}${yy}${String(serial).padStart(4, "0")}`;
}

/** The computed text colour of the first element `selector` matches. */
function colorOf(page, selector) {
  return page.locator(selector).first().evaluate((e) => getComputedStyle(e).color);
}

/** The app's red (`--error` in style/app.css). */
const RED = "rgb(176, 0, 32)";

async function officerServer() {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"], displayName: "Siti" });
  return { server, admin };
}

test("offline is said calmly, storage in plain words, the saved note only after its save, the list at its top after Simpan", async () => {
  const { server } = await officerServer();
  const context = await launchBrowser();
  try {
    const page = await openApp(context, server.url + "/");
    await loginOfficer(page, "siti", "siti-password-123");

    // Storage: what it means for the officer, no megabytes of jargon.
    const storage = page.locator(".status .storage");
    await storage.waitFor();
    assert.equal(await storage.getAttribute("data-room"), "enough");
    assert.match(await storage.innerText(), /^Ruang di ponsel cukup\./);
    assert.doesNotMatch(await storage.innerText(), /Penyimpanan|MB|permanen/);
    assert.notEqual(await colorOf(page, ".status .storage"), RED);

    // A long list, so that a scroll position would show.
    assert.equal(await page.evaluate(() => window.jemputAddSamples(30, "17.01.01.2001")), 30);
    await page.locator("li.record").nth(29).waitFor();

    // 3. A save shows its note; a refused save then "← Kembali" shows none.
    await registerPerson(page, { name: "Ahmad Fauzi", nik: nikFor(12, 5, 1995, 1), birthDate: "1995-05-12" });
    await page.locator(".list .alert.ok", { hasText: "Tersimpan di ponsel." }).waitFor();
    await page.click('button[name="new_registration"]');
    await page.locator("form.registration").waitFor();
    await page.click('button[name="save"]');
    await page.locator(".save-error", { hasText: "Belum tersimpan" }).waitFor();
    await page.click('button[name="back"]');
    await page.locator("li.record").first().waitFor();
    assert.equal(await page.locator(".list .alert.ok").count(), 0, "a stale 'Tersimpan di ponsel.' note");

    // 4. "Simpan" at the bottom of the form opens the list at its top, the new record in view.
    const rudi = { name: "Rudi Hartono", nik: nikFor(3, 8, 1990, 2), birthDate: "1990-08-03" };
    await page.evaluate(() => {
      window.deepestScroll = 0;
      addEventListener("scroll", () => (window.deepestScroll = Math.max(window.deepestScroll, scrollY)));
    });
    await registerPerson(page, rudi);
    assert.ok((await page.evaluate(() => window.deepestScroll)) > 500, "the form was scrolled down to Simpan");
    const first = page.locator("li.record").first();
    await page.locator("li.record", { hasText: rudi.name }).waitFor();
    await until(() => page.evaluate(() => window.scrollY === 0), "the list at its top");
    assert.match(await first.innerText(), /Rudi Hartono/);
    // (The row is drawn again when the sync that follows the save marks it sent.)
    const inView = async () => {
      const box = await first.boundingBox();
      return box !== null && box.y >= 0 && box.y + box.height <= page.viewportSize().height;
    };
    await until(inView, "the new record in view", 10_000);
    assert.equal(await page.evaluate(() => window.scrollY), 0);
    // The note belongs to this save.
    await page.locator(".list .alert.ok", { hasText: "Tersimpan di ponsel." }).waitFor();

    // 1. Offline: a neutral line naming what waits, no red error.
    await until(async () => (await waiting(page)) === 0, "everything sent", 60_000);
    await context.setOffline(true);
    await registerPerson(page, { name: "Joko Santoso", nik: nikFor(21, 1, 2000, 3), birthDate: "2000-01-21" });
    const offline = page.locator('.status [data-testid="offline"]');
    await offline.waitFor();
    assert.equal(
      await offline.innerText(),
      "Offline — 1 data tersimpan di ponsel, dikirim otomatis saat ada sinyal",
    );
    assert.equal(await page.locator(".status .sync-error").count(), 0);
    assert.equal(await offline.getAttribute("role"), null);
    assert.notEqual(await colorOf(page, '.status [data-testid="offline"]'), RED);
    assert.equal(await offline.evaluate((e) => getComputedStyle(e).fontWeight), "400");

    // Back online: sent by itself, the line goes.
    await context.setOffline(false);
    await until(async () => (await waiting(page)) === 0, "the offline record sent", 60_000);
    await offline.waitFor({ state: "detached" });

    // 2. Space really short: a clear, red warning in plain words.
    await context.addInitScript(() => {
      const short = { usage: 990 * 1048576, quota: 1000 * 1048576 };
      Object.defineProperty(navigator.storage, "estimate", { value: async () => short });
    });
    await page.reload();
    await waitForApp(page);
    await unlock(page);
    const short = page.locator('.status .storage[data-room="short"]');
    await short.waitFor();
    assert.match(await short.innerText(), /^Ruang di ponsel hampir habis: sisa 10 MB\. Kirim data sekarang/);
    assert.equal(await colorOf(page, '.status .storage[data-room="short"]'), RED);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("behind a Wi-Fi without internet the app keeps retrying and sends by itself within a minute of the link returning", async () => {
  const { server } = await officerServer();
  const context = await launchBrowser();
  try {
    const page = await openApp(context, server.url + "/");
    await loginOfficer(page, "siti", "siti-password-123");
    await page.locator(".status .last-sync").waitFor();

    // The browser says online, but no request to the server gets through.
    let blocked = 0;
    await page.route("**/api/**", (route) => {
      blocked++;
      return route.abort("internetdisconnected");
    });
    await registerPerson(page, { name: "Ahmad Fauzi", nik: nikFor(12, 5, 1995, 1), birthDate: "1995-05-12" });
    assert.equal(await waiting(page), 1);
    assert.equal(await page.evaluate(() => navigator.onLine), true);
    // Long enough for the pause between retries to reach its cap (5, 10, 20, 40 s …).
    await page.waitForTimeout(80_000);
    assert.ok(blocked >= 4, `retried ${blocked} times`);
    assert.equal(await waiting(page), 1);
    // Calm, not an error.
    await page.locator('.status [data-testid="offline"]').waitFor();
    assert.equal(await page.locator(".status .sync-error").count(), 0);

    // The link returns; nobody touches the phone.
    await page.unroute("**/api/**");
    const returned = Date.now();
    await until(async () => (await waiting(page)) === 0, "the record sent by itself", 60_000, 500);
    const took = Date.now() - returned;
    assert.ok(took <= 60_000, `sent ${took} ms after the link returned`);
    await page.locator('.status [data-testid="offline"]').waitFor({ state: "detached" });
  } finally {
    await context.close();
    await server.stop();
  }
});

test("the supervisor (and the officer's phone) read a record's history in the form's words: Didaftarkan, then each field with its old and new value", async () => {
  const { server, admin } = await officerServer();
  await admin.createUser({ username: "budi", password: "budi-password-123", role: "supervisor", regions: ["17.01"], displayName: "Budi" });
  const phone = await launchBrowser();
  const laptop = await launchBrowser({ viewport: LAPTOP });
  try {
    // Siti registers Ahmad, then corrects his name and adds his hamlet.
    const page = await openApp(phone, server.url + "/");
    await loginOfficer(page, "siti", "siti-password-123");
    await registerPerson(page, { name: "Ahmad Fauzi", nik: nikFor(12, 5, 1995, 1), birthDate: "1995-05-12" });
    await until(async () => (await waiting(page)) === 0, "the registration sent");
    await page.locator("li.record", { hasText: "Ahmad Fauzi" }).click();
    await page.locator("form.registration").waitFor();
    await page.fill('input[name="full_name"]', "Ahmad Fauzi Rahman");
    await page.fill('input[name="address.hamlet"]', "Dusun Sukamaju");
    await page.click('button[name="save"]');
    await page.locator("section.list").waitFor();
    await until(async () => (await waiting(page)) === 0, "the correction sent");
    const id = await page.locator("li.record").first().getAttribute("data-id");

    // The phone shows the same readable history, from its own copy of the document.
    await page.locator("li.record", { hasText: "Ahmad Fauzi Rahman" }).click();
    const onPhone = page.locator('.record-history [data-testid="history"]');
    await onPhone.locator("li.change").nth(1).waitFor();
    assert.equal(await onPhone.locator("li.change").count(), 2);
    assert.equal(await onPhone.locator("li.change").nth(1).locator(".what").innerText(), "Didaftarkan");
    assert.equal(
      await onPhone.locator('li.change li[data-field="full_name"]').innerText(),
      "Nama lengkap: Ahmad Fauzi → Ahmad Fauzi Rahman",
    );
    assert.doesNotMatch(await onPhone.innerText(), /address\.|full_name/);
    await page.click('button[name="back"]');
    await page.locator("section.list").waitFor();

    // Budi asks for a correction.
    const budi = new Api(server.url);
    await budi.login("budi", "budi-password-123");
    await budi.request("POST", `/api/registrations/${id}/review`, { status: "needs_correction", comment: "Mohon cek nomor HP." });

    const desk = await openApp(laptop, server.url + "/");
    await login(desk, "budi", "budi-password-123");
    await desk.locator('[data-testid="overview"]').waitFor({ timeout: 30_000 });
    await navigate(desk, supervisorPath(`pendaftaran/${id}`));
    const history = desk.locator('[data-testid="history"]');
    await history.locator("li.change").nth(2).waitFor();
    const changes = history.locator("li.change");
    // Newest first: the review, the correction, the registration.
    assert.equal(await changes.count(), 3);
    const created = changes.nth(2);
    assert.equal(await created.getAttribute("data-created"), "true");
    assert.match(await created.innerText(), /^Siti · \d{4}-\d{2}-\d{2} \d{2}:\d{2}.*\nDidaftarkan\n/s);
    const correction = changes.nth(1);
    assert.match(await correction.locator(".who").innerText(), /^Siti · /);
    assert.equal(await correction.locator('li[data-field="full_name"]').innerText(), "Nama lengkap: Ahmad Fauzi → Ahmad Fauzi Rahman");
    assert.equal(await correction.locator('li[data-field="hamlet"]').innerText(), "Dusun: — → Dusun Sukamaju");
    assert.equal(await correction.locator("ul.changed > li").count(), 2);
    const review = changes.nth(0);
    assert.match(await review.locator(".who").innerText(), /^Budi · /);
    assert.equal(await review.locator('li[data-field="review_status"]').innerText(), "Status verifikasi: Diajukan → Perlu perbaikan");
    assert.equal(await review.locator('li[data-field="review_comment"]').innerText(), "Komentar: — → Mohon cek nomor HP.");

    // No internal paths or ids outside the technical details (closed, so not in innerText).
    const shown = await history.innerText();
    assert.doesNotMatch(shown, /address\.|full_name|consent\.at|review\.status|deleted|device_id/);
    assert.doesNotMatch(shown, new RegExp(id));
    // They are behind "detail teknis".
    const details = correction.locator("details.technical");
    assert.equal(await details.locator("summary").innerText(), "detail teknis");
    await details.locator("summary").click();
    assert.match(await details.locator(".paths").innerText(), /address\.hamlet/);
    assert.match(await details.innerText(), /Perangkat/);

    // For the docs.
    const docs = join(dirname(fileURLToPath(import.meta.url)), "../../../docs");
    await mkdir(docs, { recursive: true });
    await desk.locator('[data-testid="history"]').scrollIntoViewIfNeeded();
    await desk.screenshot({ path: join(docs, "record-history.png") });
    assert.deepEqual(desk.problems, []);
  } finally {
    await laptop.close();
    await phone.close();
    await server.stop();
  }
});
