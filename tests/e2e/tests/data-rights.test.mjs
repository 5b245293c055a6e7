// A citizen's data rights in real browsers: a supervisor records the citizen's requests on
// "Data pribadi" (the overview lists open ones with their 3×24-hour deadlines), erases the
// person for good — which closes the erasure request, in time — and the officer's phone
// drops its copy at its next sync while keeping everyone else.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer,
  launchBrowser,
  openApp,
  removeTempDirs,
  Api,
  ADMIN_PASSWORD,
  login,
  loginOfficer,
  navigate,
  registerPerson,
  supervisorPath,
  until,
} from "../lib/harness.mjs";

after(removeTempDirs);

const ERASED = { name: "Ahmad Fauzi", nik: "1701011505900001", birthDate: "1990-05-15" };
const KEPT = { name: "Sulastri Wulandari", nik: "1701015505950007", birthDate: "1995-05-15" };

/** Records a request of `kind` for the NIK on the page's panel. */
async function recordRequest(screen, kind, note) {
  const panel = screen.locator('[data-testid="requests-panel"]');
  await panel.locator('select[name="request_kind"]').selectOption(kind);
  await panel.locator('input[name="request_note"]').fill(note);
  await panel.locator('button[name="request_record"]').click();
  await panel.locator('[data-testid="request-note"]', { hasText: "Permintaan dicatat." }).waitFor();
}

test("a supervisor records a citizen's requests and erases the person; the officer's phone drops the copy", async () => {
  const server = await startServer();
  const api = await Api.asAdmin(server.url);
  await api.createUser({ username: "budi", password: "budi-password-123", role: "supervisor", regions: ["17.01"] });
  await api.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"] });
  const phoneContext = await launchBrowser();
  const context = await launchBrowser();
  try {
    const phone = await openApp(phoneContext, server.url + "/");
    await loginOfficer(phone, "siti", "siti-password-123");
    await registerPerson(phone, ERASED);
    await registerPerson(phone, KEPT);
    await phone.click('button[name="sync_now"]');
    await until(async () => (await api.request("GET", "/api/admin/stats")).registrations === 2, "both on the server");

    const page = await openApp(context, server.url + "/");
    page.on("dialog", (dialog) => dialog.accept());
    await login(page, "budi", "budi-password-123");
    await page.locator('nav[data-testid="nav"]').waitFor({ timeout: 30_000 });
    await navigate(page, supervisorPath("data-pribadi"));
    const screen = page.locator('[data-testid="personal-data"]');
    await screen.locator('input[name="person_nik"]').fill(ERASED.nik);
    await screen.locator('button[name="person_find"]').click();
    await screen.locator('[data-testid="person-report"][data-registrations="1"]').waitFor({ timeout: 30_000 });

    // Two requests, each shown with its masked NIK, open.
    await recordRequest(screen, "access", "datang ke kantor");
    await recordRequest(screen, "erasure", "minta dihapus");
    const rows = screen.locator('[data-testid="requests"] [data-testid="privacy-request"]');
    await until(async () => (await rows.count()) === 2, "two requests listed");
    for (const text of await rows.allInnerTexts()) {
      assert.match(text, /1701••••••••0001/);
      assert.doesNotMatch(text, new RegExp(ERASED.nik));
      assert.match(text, /Terbuka/);
    }

    // Erased for good: the report is empty, the erasure request closed in time.
    await screen.locator('button[name="person_erase"]').click();
    await screen.locator('[data-testid="erase-note"]', { hasText: "1 pendaftaran dihapus permanen." }).waitFor();
    await screen.locator('[data-testid="person-report"][data-registrations="0"]').waitFor();
    const erasure = screen.locator('[data-testid="requests"] [data-testid="privacy-request"][data-kind="erasure"]');
    await until(async () => /Selesai · tepat waktu/.test(await erasure.innerText()), "the erasure request closed");

    // The overview lists the request still open (the access one), with its deadline.
    await navigate(page, supervisorPath(""));
    const open = page.locator('[data-testid="open-requests"] [data-testid="privacy-request"]');
    await until(async () => (await open.count()) === 1, "one open request on the overview");
    assert.equal(await open.getAttribute("data-kind"), "access");

    // The phone drops the erased copy at its next sync and keeps the other.
    await phone.click('button[name="sync_now"]');
    const names = phone.locator("section.list li.record .name");
    await until(async () => (await names.count()) === 1, "one record left on the phone");
    assert.equal(await names.innerText(), KEPT.name);
    assert.equal((await api.request("GET", "/api/admin/stats")).registrations, 1);
    const trail = (await api.request("GET", "/api/admin/audit?action=erased")).entries;
    assert.equal(trail.length, 1);
    assert.equal(trail[0].username, "budi");
  } finally {
    await phoneContext.close();
    await context.close();
    await server.stop();
  }
});

test("an admin publishes a new consent notice; the officer's form shows it and the registration keeps its version", async () => {
  const server = await startServer();
  const api = await Api.asAdmin(server.url);
  const siti = await api.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"] });
  const adminContext = await launchBrowser();
  const phoneContext = await launchBrowser();
  try {
    const admin = await openApp(adminContext, server.url + "/");
    await login(admin, "admin", ADMIN_PASSWORD);
    await admin.locator('nav[data-testid="nav"]').waitFor({ timeout: 30_000 });
    await navigate(admin, supervisorPath("admin"));
    const notice = admin.locator('[data-testid="consent-notice"]');
    await notice.locator('li[data-version="1"]').waitFor({ timeout: 30_000 });
    await notice.locator('textarea[name="consent_text_id"]').fill("Data Anda dipakai untuk program pelatihan BLK.");
    await notice.locator('textarea[name="consent_text_en"]').fill("Your data is used for BLK training programmes.");
    await notice.locator('button[name="consent_publish"]').click();
    await notice.locator('[data-testid="consent-note"]', { hasText: "Versi 2 diterbitkan" }).waitFor();
    await notice.locator('li[data-version="2"]').waitFor();

    // The officer signs in (the first sync fetches the notice) and registers someone.
    const phone = await openApp(phoneContext, server.url + "/");
    await loginOfficer(phone, "siti", "siti-password-123");
    await until(async () => (await phone.evaluate(() => localStorage.getItem("jemput.consent_text") || "")).includes('"version":2'), "the notice on the phone");
    await phone.click('button[name="new_registration"]');
    const shown = phone.locator('[data-testid="consent-text"][data-version="2"]');
    await shown.waitFor();
    await shown.locator("summary").click();
    assert.match(await shown.innerText(), /program pelatihan BLK/);
    await phone.click('button[name="back"]');
    await phone.locator("section.list").waitFor();
    await registerPerson(phone, ERASED);
    await phone.click('button[name="sync_now"]');
    await until(async () => (await api.request("GET", "/api/admin/stats")).registrations === 1, "the record on the server");
    const listed = await api.request("GET", "/api/registrations?per_page=10");
    const record = await api.request("GET", `/api/registrations/${listed.rows[0].id}`);
    assert.equal(record.consent.version, 2);
    assert.equal(record.consent.by, siti.id);
    assert.ok(record.consent.given);
  } finally {
    await adminContext.close();
    await phoneContext.close();
    await server.stop();
  }
});
