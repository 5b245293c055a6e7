// The admin's screens in a real browser against a real server: create an officer with a
// district (who then logs in and registers on their own phone), see and revoke that
// phone (its app must log in again), reset the officer's password, create and disable a
// supervisor, set the yearly targets, and import the region list from files.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import {
  startServer,
  launchBrowser,
  openApp,
  removeTempDirs,
  tempDir,
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

/** Signs the admin in and opens the admin screen with the region list loaded. */
async function openAdmin(context, url) {
  const page = await openApp(context, url + "/");
  // Revoking and disabling ask first; the admin agrees.
  page.on("dialog", (dialog) => dialog.accept());
  await login(page, "admin", ADMIN_PASSWORD);
  await page.locator('nav[data-testid="nav"]').waitFor({ timeout: 30_000 });
  await navigate(page, supervisorPath("admin"));
  await page.locator('[data-testid="admin"]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="create-user"] option[value="17.01.01"]').waitFor({ state: "attached", timeout: 30_000 });
  return page;
}

async function createUser(page, { username, displayName, password, role, regions }) {
  const form = page.locator('[data-testid="create-user"]');
  await form.locator('input[name="username"]').fill(username);
  await form.locator('input[name="display_name"]').fill(displayName);
  await form.locator('input[name="password"]').fill(password);
  await form.locator('select[name="role"]').selectOption(role);
  await form.locator('select[name="regions"]').selectOption(regions);
  await form.locator('button[type="submit"]').click();
  await page.locator('[data-testid="users-note"]', { hasText: `Pengguna ${username} dibuat.` }).waitFor();
  return page.locator(`[data-testid="user-row"][data-username="${username}"]`);
}

async function manage(page, username) {
  await page.locator(`[data-testid="user-row"][data-username="${username}"] button[name="manage"]`).click();
  const panel = page.locator(`[data-testid="user-panel"][data-username="${username}"]`);
  await panel.waitFor();
  return panel;
}

async function loginRefused(url, username, password) {
  await assert.rejects(new Api(url).login(username, password), /40[13]/);
}

/** What the page complained about, less the refusals a test provoked on purpose. */
function unexpected(page, ...statuses) {
  return page.problems.filter((p) => !statuses.some((status) => p.includes(`status of ${status} `)));
}


test("an admin creates an officer who registers, revokes the officer's phone, resets the password and disables a supervisor", async () => {
  const server = await startServer();
  const api = await Api.asAdmin(server.url);
  const adminContext = await launchBrowser();
  const officerContext = await launchBrowser();
  try {
    const admin = await openAdmin(adminContext, server.url);

    // 1. A new officer for one district; the list shows the district by name.
    const row = await createUser(admin, {
      username: "siti",
      displayName: "Siti Aminah",
      password: "siti-password-123",
      role: "officer",
      regions: ["17.01.01"],
    });
    assert.match(await row.innerText(), /17\.01\.01 Kedurang/);
    assert.match(await row.innerText(), /Petugas/);

    // 2. The officer logs in on her phone, registers someone and syncs.
    const phone = await openApp(officerContext, server.url + "/");
    await loginOfficer(phone, "siti", "siti-password-123");
    await registerPerson(phone, { name: "Ahmad Fauzi", nik: "1701011505900001", birthDate: "1990-05-15" });
    await phone.click('button[name="sync_now"]');
    await until(async () => (await api.request("GET", "/api/admin/stats")).registrations === 1, "the registration on the server");

    // 3. The admin sees her phone with its last sync, and revokes it.
    let panel = await manage(admin, "siti");
    const device = panel.locator('[data-testid="device-row"]');
    await device.waitFor();
    assert.equal(await device.count(), 1);
    assert.doesNotMatch(await device.locator("td").nth(2).innerText(), /belum pernah/);
    await device.locator('button[name="revoke"]').click();
    await panel.locator('[data-testid="user-note"]', { hasText: "Perangkat dicabut." }).waitFor();
    await panel.locator('[data-testid="device-row"][data-revoked="true"]').waitFor();

    // ... her next sync is refused: the app asks her to log in again, keeping her data.
    await phone.click('button[name="sync_now"]');
    await phone.locator("form.login").waitFor({ timeout: 30_000 });
    assert.equal(await phone.locator("li.record").count(), 1);

    // 4. A new password: the old one stops working, the new one works.
    await panel.locator('[data-testid="user-password"] input[name="password"]').fill("siti-new-password-456");
    await panel.locator('[data-testid="user-password"] button[type="submit"]').click();
    await panel.locator('[data-testid="user-note"]', { hasText: "Kata sandi baru disimpan." }).waitFor();
    await loginRefused(server.url, "siti", "siti-password-123");
    await new Api(server.url).login("siti", "siti-new-password-456");
    await login(phone, "siti", "siti-new-password-456");

    // 5. A supervisor of one regency, then disabled: their login is refused.
    const budi = await createUser(admin, {
      username: "budi",
      displayName: "Budi Santoso",
      password: "budi-password-123",
      role: "supervisor",
      regions: ["17.01"],
    });
    assert.match(await budi.innerText(), /Pengawas/);
    await new Api(server.url).login("budi", "budi-password-123");
    panel = await manage(admin, "budi");
    await panel.locator('button[name="toggle_disabled"]').click();
    await panel.locator('[data-testid="user-note"]', { hasText: "Pengguna dinonaktifkan." }).waitFor();
    await admin.locator('[data-testid="user-row"][data-username="budi"]', { hasText: "Nonaktif" }).waitFor();
    await loginRefused(server.url, "budi", "budi-password-123");
    const stored = (await api.request("GET", "/api/admin/users")).users.find((u) => u.username === "budi");
    assert.equal(stored.disabled, true);
    assert.deepEqual(stored.regions, ["17.01"]);

    // 6. Editing regions and role: siti moves to another district.
    panel = await manage(admin, "siti");
    await panel.locator('select[name="regions"]').selectOption(["17.01.02"]);
    await panel.locator('[data-testid="user-edit"] button[value="save"]').click();
    await panel.locator('[data-testid="user-note"]', { hasText: "Perubahan disimpan." }).waitFor();
    const siti = (await api.request("GET", "/api/admin/users")).users.find((u) => u.username === "siti");
    assert.deepEqual(siti.regions, ["17.01.02"]);
    assert.equal(siti.role, "officer");

    assert.deepEqual(admin.problems, []);
  } finally {
    await adminContext.close();
    await officerContext.close();
    await server.stop();
  }
});

test("an admin sets the yearly targets", async () => {
  const server = await startServer();
  const api = await Api.asAdmin(server.url);
  const context = await launchBrowser();
  try {
    const admin = await openAdmin(context, server.url);
    const targets = admin.locator('[data-testid="targets"]');
    // With nothing stored, the province-wide defaults are shown: 10,000 registrations
    // and 10,000 skilled workers ("Lulus / bersertifikat") a year.
    const rows = targets.locator('[data-testid="target-row"]');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 2);
    const stageOf = (row) => row.locator('select[name="stage"]').inputValue();
    assert.equal(await stageOf(rows.first()), "registered");
    assert.match(await rows.first().locator('select[name="stage"] option[value="registered"]').innerText(), /Pendaftaran/);
    assert.equal(await stageOf(rows.nth(1)), "qualified");
    for (const i of [0, 1]) assert.equal(await rows.nth(i).locator('input[name="yearly"]').inputValue(), "10000");

    await rows.first().locator('input[name="yearly"]').fill("12000");
    await targets.locator('button[name="add_target"]').click();
    await rows.nth(2).waitFor();
    // The first row kept what was typed while a row was added.
    assert.equal(await rows.first().locator('input[name="yearly"]').inputValue(), "12000");
    assert.equal(await stageOf(rows.nth(2)), "registered");
    await rows.nth(2).locator('select[name="regency"]').selectOption("17.01");
    await rows.nth(2).locator('select[name="programme"]').selectOption("job_placement");
    await rows.nth(2).locator('select[name="stage"]').selectOption("qualified");
    await rows.nth(2).locator('input[name="yearly"]').fill("300");
    await targets.locator('button[name="save_targets"]').click();
    await admin.locator('[data-testid="targets-note"]', { hasText: "Target disimpan." }).waitFor();

    const stored = async () => (await api.request("GET", "/api/targets")).targets;
    const find = (list, regency, programme, stage) =>
      list.find((t) => t.regency === regency && t.programme === programme && t.stage === stage);
    let list = await stored();
    assert.equal(list.length, 3);
    assert.equal(find(list, null, null, "registered")?.yearly, 12000);
    assert.equal(find(list, null, null, "qualified")?.yearly, 10000);
    assert.equal(find(list, "17.01", "job_placement", "qualified")?.yearly, 300);

    // Two targets for the same thing are refused with the server's message; nothing changes.
    const regencyRow = rows.nth(
      await rows.evaluateAll((trs) => trs.findIndex((tr) => tr.querySelector('select[name="regency"]').value === "17.01")),
    );
    await regencyRow.locator('select[name="programme"]').selectOption("");
    await regencyRow.locator('select[name="regency"]').selectOption("");
    await targets.locator('button[name="save_targets"]').click();
    await admin.locator('[data-testid="targets-note"].error').waitFor();
    assert.deepEqual(await stored(), list);

    // Counting another stage makes it another target: people working, province-wide.
    await regencyRow.locator('select[name="stage"]').selectOption("working");
    await targets.locator('button[name="save_targets"]').click();
    await admin.locator('[data-testid="targets-note"]:not(.error)', { hasText: "Target disimpan." }).waitFor();
    list = await stored();
    assert.equal(list.length, 3);
    assert.equal(find(list, null, null, "working")?.yearly, 300);
    assert.deepEqual(unexpected(admin, 400), []);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("an admin imports the region list from CSV files, and a bad set is refused in both languages", async () => {
  const regionsDir = process.env.JEMPUT_REGIONS_DIR;
  assert.ok(regionsDir, "JEMPUT_REGIONS_DIR names the reference region files");
  const server = await startServer();
  const context = await launchBrowser();
  try {
    const admin = await openAdmin(context, server.url);
    const form = admin.locator('[data-testid="regions-import"]');
    const note = admin.locator('[data-testid="regions-note"]');
    const choose = async (dir) => {
      for (const name of ["regencies", "districts", "villages"]) {
        await form.locator(`input[name="${name}"]`).setInputFiles(join(dir, `${name}.csv`));
      }
      await form.locator('button[name="import_regions"]').click();
    };

    // Files with a header and no region: refused, nothing replaced.
    const empty = await tempDir("regions");
    await writeFile(join(empty, "regencies.csv"), "code,name\n");
    await writeFile(join(empty, "districts.csv"), "code,regency_code,name\n");
    await writeFile(join(empty, "villages.csv"), "code,district_code,name\n");
    await choose(empty);
    await note.filter({ hasText: "Berkas tidak berisi satu pun kabupaten/kota." }).waitFor();
    assert.equal(await note.getAttribute("class"), "alert error");
    await admin.click('button[name="language"]');
    await note.filter({ hasText: "The files list no regency." }).waitFor();
    await admin.click('button[name="language"]');

    // The real files: imported, and counted in the message.
    await choose(regionsDir);
    await note.filter({ hasText: /^Daftar wilayah diimpor: 10 kabupaten\/kota, \d+ kecamatan, \d+ desa\/kelurahan\.$/ }).waitFor();
    const regions = await (await Api.asAdmin(server.url)).request("GET", "/api/regions");
    assert.equal(regions.regencies.length, 10);
    assert.deepEqual(unexpected(admin, 400), []);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("an admin reads the audit trail: who opened whose record, filtered by the citizen's NIK, and as CSV", async () => {
  const server = await startServer();
  const api = await Api.asAdmin(server.url);
  await api.createUser({ username: "budi", password: "budi-password-123", role: "supervisor", regions: ["17.01"] });
  await api.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"] });
  const phoneContext = await launchBrowser();
  const context = await launchBrowser();
  try {
    // Siti registers a person; Budi, the supervisor, opens the record.
    const phone = await openApp(phoneContext, server.url + "/");
    await loginOfficer(phone, "siti", "siti-password-123");
    const nik = "1701011505900001";
    await registerPerson(phone, { name: "Ahmad Fauzi", nik, birthDate: "1990-05-15" });
    await phone.click('button[name="sync_now"]');
    const budi = new Api(server.url);
    await budi.login("budi", "budi-password-123");
    let rows = [];
    await until(async () => {
      rows = (await budi.request("GET", `/api/registrations?q=${nik}`)).rows;
      return rows.length === 1;
    }, "the record on the server");
    await budi.request("GET", `/api/registrations/${rows[0].id}`);

    // The admin filters the trail by the citizen's NIK: the search and the view, by Budi.
    const admin = await openAdmin(context, server.url);
    const trail = admin.locator('[data-testid="audit"]');
    await trail.locator('[data-testid="audit-entry"]').first().waitFor();
    await trail.locator('input[name="audit_nik"]').fill(nik);
    await trail.locator('button[name="audit_show"]').click();
    const entries = trail.locator('[data-testid="audit-entry"]');
    await until(async () => (await entries.count()) === 2, "two entries about the person");
    const actions = await entries.evaluateAll((rows) => rows.map((row) => row.dataset.action).sort());
    assert.deepEqual(actions, ["nik_searched", "record_viewed"]);
    for (const text of await entries.allInnerTexts()) {
      assert.match(text, /budi/);
      assert.doesNotMatch(text, new RegExp(nik), "the NIK is not shown in the trail");
    }

    // The CSV link carries the same filter; its download is itself audited.
    const href = await trail.locator('[data-testid="audit-csv"]').getAttribute("href");
    assert.match(href, new RegExp(`nik=${nik}`));
    const csv = await (await fetch(new URL(href, server.url))).text();
    assert.equal(csv.trim().split("\n").length, 3, csv);
    const exported = await api.request("GET", "/api/admin/audit?action=audit_exported");
    assert.equal(exported.entries.length, 1);
    assert.deepEqual(unexpected(admin), []);
  } finally {
    await phoneContext.close();
    await context.close();
    await server.stop();
  }
});

test("a supervisor serves a citizen's access request: one printable page with their data, its history and who accessed it", async () => {
  const server = await startServer();
  const api = await Api.asAdmin(server.url);
  await api.createUser({ username: "budi", password: "budi-password-123", role: "supervisor", regions: ["17.01"] });
  await api.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"] });
  const phoneContext = await launchBrowser();
  const context = await launchBrowser();
  try {
    const phone = await openApp(phoneContext, server.url + "/");
    await loginOfficer(phone, "siti", "siti-password-123");
    const nik = "1701011505900001";
    await registerPerson(phone, { name: "Ahmad Fauzi", nik, birthDate: "1990-05-15" });
    await phone.click('button[name="sync_now"]');
    await until(async () => (await api.request("GET", "/api/admin/stats")).registrations === 1, "the record on the server");

    const page = await openApp(context, server.url + "/");
    await login(page, "budi", "budi-password-123");
    await page.locator('nav[data-testid="nav"]').waitFor({ timeout: 30_000 });
    await navigate(page, supervisorPath("data-pribadi"));
    const screen = page.locator('[data-testid="personal-data"]');
    await screen.locator('input[name="person_nik"]').fill(nik);
    await screen.locator('button[name="person_find"]').click();
    const report = screen.locator('[data-testid="person-report"][data-registrations="1"]');
    await report.waitFor({ timeout: 30_000 });
    const text = await report.innerText();
    assert.match(text, /Ahmad Fauzi/);
    assert.match(text, /081234567890|6281234567890/);
    // Its history names the officer who registered it.
    assert.match(await report.locator('[data-testid="person-registration"]').innerText(), /siti/i);

    // The JSON download carries the same report; making the report is in the trail.
    const href = await screen.locator('[data-testid="person-json"]').getAttribute("href");
    const json = await (await fetch(new URL(href, server.url))).json();
    assert.equal(json.registrations.length, 1);
    assert.equal(json.registrations[0].registration.nik, nik);
    const trail = (await api.request("GET", "/api/admin/audit?action=person_reported")).entries;
    assert.equal(trail.length, 2, "the page and the download");
    assert.ok(trail.every((entry) => entry.username === "budi"));
    assert.deepEqual(unexpected(page), []);
  } finally {
    await phoneContext.close();
    await context.close();
    await server.stop();
  }
});
