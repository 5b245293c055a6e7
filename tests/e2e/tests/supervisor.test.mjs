// The supervisor's screens, in a real browser at laptop size against a real server, with
// officers' phones (the officer app in their own browsers) producing the data: the
// overview updating live while an officer syncs, the table's filters and search, a review
// comment reaching the officer's phone, a duplicate pair resolved, CSV and XLSX exports
// parsed, and a supervisor of one regency kept out of another's records (UI and API).
//
// The tests share one server and run in order; each states what it adds.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { inflateRawSync } from "node:zlib";
import {
  startServer,
  launchBrowser,
  openApp,
  removeTempDirs,
  Api,
  LAPTOP,
  login,
  loginOfficer,
  navigate,
  parseCsv,
  registerPerson,
  supervisorPath,
  until,
  waiting,
} from "../lib/harness.mjs";

const PASSWORD = "a-long-password-1";
const BUDI_REGENCY = "17.01"; // Bengkulu Selatan
const SITI_DISTRICT = "17.01.01";
const VILLAGE_A = "17.01.01.2001";
const VILLAGE_B = "17.01.01.2002";
const VILLAGE_C = "17.01.01.2003"; // what the tests add lands here
const OTHER_VILLAGE = "17.02.06.2001"; // Rejang Lebong: not Budi's

let server;
let admin;
let siti; // the officer's phone: { context, page }
const contexts = [];

async function browser(viewport) {
  const context = await launchBrowser(viewport ? { viewport } : {});
  contexts.push(context);
  const page = await openApp(context, server.url + "/");
  return { context, page };
}

/** An officer's phone, logged in, with the list shown. */
async function officerPhone(username) {
  const phone = await browser();
  await loginOfficer(phone.page, username, PASSWORD);
  return phone;
}

/** A supervisor's laptop, logged in, on the overview. */
async function supervisorLaptop(username) {
  const laptop = await browser(LAPTOP);
  await login(laptop.page, username, PASSWORD);
  await laptop.page.locator('[data-testid="overview"]').waitFor({ timeout: 30_000 });
  return laptop;
}

/** Sends everything the phone holds and waits until nothing is left to send. */
async function syncPhone(page) {
  await page.click('button[name="sync_now"]');
  await until(async () => (await waiting(page)) === 0, "the phone to send everything");
}

async function addSamples(page, count, village) {
  assert.equal(await page.evaluate(([n, v]) => window.jemputAddSamples(n, v), [count, village]), count);
}

async function dataValue(page, testid) {
  return Number(await page.locator(`[data-testid="${testid}"]`).first().getAttribute("data-value"));
}

/** Waits until `[data-testid=testid]` shows `expected` (its data-value). */
async function waitForValue(page, testid, expected, timeout = 60_000) {
  await page.waitForFunction(
    ([id, want]) => document.querySelector(`[data-testid="${id}"]`)?.dataset.value === String(want),
    [testid, expected],
    { timeout },
  );
}

async function rowIds(page) {
  return page.locator('tr[data-testid="row"]').evaluateAll((rows) => rows.map((r) => r.dataset.id));
}

/** Opens the table with `query` in the address and waits for the answer to `query`. */
async function openTable(page, query, expectedTotal) {
  await navigate(page, supervisorPath(`pendaftaran${query ? "?" + query : ""}`));
  await waitForValue(page, "table-total", expectedTotal);
}

// --- files -------------------------------------------------------------------------------

/** The files of a ZIP archive (from its central directory), inflated: name → Buffer. */
function unzip(buffer) {
  let end = buffer.length - 22;
  while (end >= 0 && buffer.readUInt32LE(end) !== 0x06054b50) end--;
  assert.ok(end >= 0, "no end of central directory: not a zip file");
  const entries = buffer.readUInt16LE(end + 10);
  let at = buffer.readUInt32LE(end + 16);
  const files = new Map();
  for (let i = 0; i < entries; i++) {
    assert.equal(buffer.readUInt32LE(at), 0x02014b50, "central directory entry");
    const method = buffer.readUInt16LE(at + 10);
    const compressed = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const local = buffer.readUInt32LE(at + 42);
    const name = buffer.toString("utf8", at + 46, at + 46 + nameLength);
    assert.equal(buffer.readUInt32LE(local), 0x04034b50, "local file header");
    const dataStart = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    const data = buffer.subarray(dataStart, dataStart + compressed);
    files.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

function unescapeXml(text) {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, "&");
}

/** The first sheet of an XLSX file as rows of cell texts (shared or inline strings, numbers). */
function readXlsx(buffer) {
  const files = unzip(buffer);
  const sheet = files.get("xl/worksheets/sheet1.xml");
  assert.ok(sheet, `no sheet1.xml in ${[...files.keys()]}`);
  const shared = [];
  const sharedXml = files.get("xl/sharedStrings.xml")?.toString("utf8") ?? "";
  for (const [, si] of sharedXml.matchAll(/<si>([\s\S]*?)<\/si>/g)) {
    shared.push(unescapeXml([...si.matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((m) => m[1]).join("")));
  }
  const column = (ref) => [...ref.replace(/\d+$/, "")].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  const rows = [];
  for (const [, body] of sheet.toString("utf8").matchAll(/<row[^>]*>([\s\S]*?)<\/row>/g)) {
    const row = [];
    for (const [, attrs, inner] of body.matchAll(/<c([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const ref = attrs.match(/r="([A-Z]+\d+)"/)[1];
      const type = attrs.match(/t="(\w+)"/)?.[1];
      let value = "";
      if (type === "s") value = shared[Number(inner.match(/<v>([^<]*)<\/v>/)[1])];
      else if (type === "inlineStr") value = unescapeXml([...(inner ?? "").matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((m) => m[1]).join(""));
      else value = unescapeXml(inner?.match(/<v>([^<]*)<\/v>/)?.[1] ?? "");
      row[column(ref)] = value;
    }
    rows.push(Array.from(row, (v) => v ?? ""));
  }
  return rows;
}

/** Clicks a download link in `page` and returns the downloaded file's bytes. */
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
  return readFile(await file.path());
}

// --- set-up ------------------------------------------------------------------------------

before(async () => {
  server = await startServer();
  admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "siti", password: PASSWORD, role: "officer", regions: [SITI_DISTRICT], displayName: "Siti" });
  await admin.createUser({ username: "dewi", password: PASSWORD, role: "officer", regions: [SITI_DISTRICT], displayName: "Dewi" });
  await admin.createUser({ username: "andi", password: PASSWORD, role: "officer", regions: ["17.02.06"], displayName: "Andi" });
  await admin.createUser({ username: "budi", password: PASSWORD, role: "supervisor", regions: [BUDI_REGENCY], displayName: "Budi" });
  await admin.createUser({ username: "rina", password: PASSWORD, role: "supervisor", regions: ["17.02"], displayName: "Rina" });
  // Siti: three people in each of two villages of Budi's regency; Andi: three in Rina's.
  siti = await officerPhone("siti");
  await addSamples(siti.page, 3, VILLAGE_A);
  await addSamples(siti.page, 3, VILLAGE_B);
  await syncPhone(siti.page);
  const andi = await officerPhone("andi");
  await addSamples(andi.page, 3, OTHER_VILLAGE);
  await syncPhone(andi.page);
  await andi.context.close();
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await server?.stop();
  await removeTempDirs();
});

// --- the tests ---------------------------------------------------------------------------

test("a registration an officer syncs appears on the supervisor's overview without a reload", async () => {
  const { page } = await supervisorLaptop("budi");
  await waitForValue(page, "total", 6);
  assert.equal(await page.locator('nav a[data-nav="admin"]').count(), 0, "no Admin entry for a supervisor");
  await page.evaluate(() => (window.stillThisPage = true));

  await addSamples(siti.page, 1, VILLAGE_C);
  await syncPhone(siti.page);

  await waitForValue(page, "total", 7);
  assert.equal(await page.evaluate(() => window.stillThisPage), true, "the page was not reloaded");
  assert.ok(Number(await page.locator('[data-testid="per-day"]').getAttribute("data-sum")) >= 7);
  const regency = page.locator(`[data-testid="regencies"] a[href="${supervisorPath("pendaftaran?regency=17.01")}"]`);
  assert.equal(Number(await regency.getAttribute("data-value")), 7);
  assert.deepEqual(page.problems, []);
});

test("filters and search narrow the registrations table, and the URL keeps them", async () => {
  const { page } = await supervisorLaptop("budi");
  await page.click('nav a[data-nav="pendaftaran"]');
  await waitForValue(page, "table-total", 7);
  assert.equal((await rowIds(page)).length, 7);

  // Regency → district → village, from the region list.
  assert.equal(await page.locator('select[name="regency"] option[value="17.02"]').count(), 0, "another regency is not offered");
  await page.selectOption('select[name="regency"]', BUDI_REGENCY);
  await page.locator(`select[name="district"] option[value="${SITI_DISTRICT}"]`).waitFor({ state: "attached" });
  await page.selectOption('select[name="district"]', SITI_DISTRICT);
  await page.locator(`select[name="village"] option[value="${VILLAGE_A}"]`).waitFor({ state: "attached" });
  await page.selectOption('select[name="village"]', VILLAGE_A);
  await waitForValue(page, "table-total", 3);
  const villageA = await rowIds(page);
  assert.equal(villageA.length, 3);
  assert.match(await page.evaluate(() => location.search), /village=17\.01\.01\.2001/);

  // The address holds the view: a reload shows the same rows.
  await page.reload();
  await waitForValue(page, "table-total", 3);
  assert.deepEqual((await rowIds(page)).sort(), [...villageA].sort());
  assert.equal(await page.locator('select[name="village"]').inputValue(), VILLAGE_A);

  // Search by NIK within the filter: one person.
  const first = page.locator('tr[data-testid="row"]').first();
  const id = await first.getAttribute("data-id");
  const nik = (await first.locator("td.nik").innerText()).trim();
  const name = (await first.locator("a.name").innerText()).trim();
  await page.fill('input[name="q"]', nik);
  await page.click('button[name="search"]');
  await waitForValue(page, "table-total", 1);
  assert.deepEqual(await rowIds(page), [id]);

  // Search by name over the whole scope: that person is among the rows, all named so.
  await openTable(page, `q=${encodeURIComponent(name)}`, await apiTotal("budi", { q: name }));
  assert.ok((await rowIds(page)).includes(id));
  for (const shown of await page.locator('tr[data-testid="row"] a.name').allInnerTexts()) {
    assert.ok(shown.toLowerCase().includes(name.split(" ")[0].toLowerCase()), `${shown} for ${name}`);
  }

  // A programme filter: every row shows that programme.
  const jobs = await apiTotal("budi", { programme: "job_placement" });
  await openTable(page, "programme=job_placement", jobs);
  assert.ok(jobs < 7 || jobs === 7);
  // (The total may equal the previous answer's, so wait for the rows themselves.)
  await until(async () => {
    const cells = await page.locator('tr[data-testid="row"] td:nth-child(4)').allInnerTexts();
    return cells.length === jobs && cells.every((cell) => /Penempatan kerja/.test(cell));
  }, "every row to show the programme");

  // A date range ending before today: nothing.
  await openTable(page, "to=2020-01-01", 0);
  assert.equal((await rowIds(page)).length, 0);
  assert.deepEqual(page.problems, []);
});

/** The table's total for `filter` as `username` sees it through the API. */
async function apiTotal(username, filter) {
  const api = new Api(server.url);
  await api.login(username, PASSWORD);
  const query = new URLSearchParams(filter).toString();
  return (await api.request("GET", `/api/registrations?${query}`)).total;
}

test("CSV and XLSX exports of the current filter hold exactly the filtered rows", async () => {
  const { page } = await supervisorLaptop("budi");
  await openTable(page, `village=${VILLAGE_B}`, 3);
  const shown = (await rowIds(page)).sort();

  const csv = parseCsv((await download(page, '[data-testid="export-csv"]')).toString("utf8"));
  const header = csv[0];
  assert.deepEqual(header.slice(0, 3), ["id", "full_name", "nik"]);
  const village = header.indexOf("village");
  const csvRows = csv.slice(1).filter((r) => r.length > 1);
  assert.deepEqual(csvRows.map((r) => r[0]).sort(), shown);
  assert.ok(csvRows.every((r) => r[village] === VILLAGE_B));
  assert.ok(csvRows.every((r) => r[header.indexOf("village_name")] === "Rantau Sialang"));

  const xlsx = readXlsx(await download(page, '[data-testid="export-xlsx"]'));
  assert.deepEqual(xlsx[0], header);
  const xlsxRows = xlsx.slice(1).filter((r) => r.some((v) => v !== ""));
  assert.deepEqual(xlsxRows.map((r) => r[0]).sort(), shown);
  assert.deepEqual(
    xlsxRows.map((r) => r[header.indexOf("nik")]).sort(),
    csvRows.map((r) => r[header.indexOf("nik")]).sort(),
  );
  assert.deepEqual(page.problems, []);
});

test("a supervisor of one regency cannot see or export another regency's records", async () => {
  const others = await admin.request("GET", "/api/registrations?regency=17.02");
  assert.equal(others.total, 3);
  const otherIds = others.rows.map((r) => r.id);

  // In the app.
  const { page } = await supervisorLaptop("budi");
  await openTable(page, "regency=17.02", 0);
  await openTable(page, "", 7);
  for (const id of otherIds) assert.equal(await page.locator(`tr[data-id="${id}"]`).count(), 0);
  await navigate(page, supervisorPath(`pendaftaran/${otherIds[0]}`));
  await page.locator('[data-testid="record"] .alert.error', { hasText: "tidak ditemukan" }).first().waitFor();
  assert.equal(await page.locator('[data-testid="record-name"]').count(), 0);
  assert.equal(await page.locator('textarea[name="comment"]').isVisible(), false, "no review of a record not shown");
  await navigate(page, supervisorPath("pendaftaran?regency=17.02"));
  const csv = parseCsv((await download(page, '[data-testid="export-csv"]')).toString("utf8"));
  assert.equal(csv.filter((r) => r.length > 1).length, 1, "only the header row");

  // Through the API, token in the header or in the query.
  const budi = new Api(server.url);
  await budi.login("budi", PASSWORD);
  await assert.rejects(budi.request("GET", `/api/registrations/${otherIds[0]}`), /404/);
  await assert.rejects(budi.request("GET", `/api/registrations/${otherIds[0]}/history`), /404/);
  assert.equal((await budi.request("GET", "/api/registrations?district=17.02.06")).total, 0);
  assert.equal((await budi.request("GET", "/api/overview")).regencies.some((r) => r.code === "17.02"), false);
  const everything = await (await fetch(`${server.url}/api/registrations/export.csv?token=${budi.token}`)).text();
  assert.equal(parseCsv(everything).filter((r) => r.length > 1).length, 1 + 7);
  for (const id of otherIds) assert.ok(!everything.includes(id));
  const xlsx = readXlsx(Buffer.from(await (await fetch(`${server.url}/api/registrations/export.xlsx?regency=17.02&token=${budi.token}`)).arrayBuffer()));
  assert.equal(xlsx.filter((r) => r.some((v) => v !== "")).length, 1, "only the header row");
  // Rina sees them; an officer sees none of the supervisor's API.
  assert.equal(await apiTotal("rina", {}), 3);
  const officer = new Api(server.url);
  await officer.login("siti", PASSWORD, "other-device");
  await assert.rejects(officer.request("GET", "/api/overview"), /403/);
  await assert.rejects(officer.request("GET", "/api/registrations"), /403/);
  const refused = await fetch(`${server.url}/api/registrations/export.csv?token=${officer.token}`);
  assert.equal(refused.status, 403);
  assert.deepEqual(page.problems.filter((p) => !/404/.test(p)), []);
});

test("a review with a comment reaches the officer's phone", async () => {
  const { page } = await supervisorLaptop("budi");
  await openTable(page, `village=${VILLAGE_B}`, 3);
  const row = page.locator('tr[data-testid="row"]').first();
  const id = await row.getAttribute("data-id");
  await row.locator("a.name").click();
  await page.locator('[data-testid="record-name"]').waitFor();
  await page.locator('[data-testid="history"] li.change').first().waitFor();
  assert.match(await page.locator('[data-testid="history"]').innerText(), /Siti/);
  const comment = "Nomor HP tidak aktif, mohon diperiksa.";
  await page.fill('textarea[name="comment"]', comment);
  await page.click('button[name="needs_correction"]');
  await page.locator('[data-testid="record-status"][data-value="needs_correction"]').waitFor();
  await page.locator('[data-testid="comments"]', { hasText: comment }).waitFor();
  await page.locator('[data-testid="history"] li[data-field="review_status"]', { hasText: "Status verifikasi: Diajukan → Perlu perbaikan" }).waitFor();
  assert.match(await page.locator('[data-testid="history"]').innerText(), /Budi/);

  // The table's status filter finds it.
  await openTable(page, "status=needs_correction", 1);
  assert.deepEqual(await rowIds(page), [id]);

  // The officer's phone pulls it on its next sync.
  await siti.page.click('button[name="sync_now"]');
  const flagged = siti.page.locator(`li.record[data-id="${id}"][data-status="needs_correction"]`);
  await flagged.waitFor({ timeout: 60_000 });
  await flagged.click();
  await siti.page.locator("ul.comments", { hasText: comment }).waitFor();
  await siti.page.click('button[name="back"]');
  await siti.page.locator("section.list").waitFor();
  assert.deepEqual(page.problems, []);
});

test("on the record page a supervisor hands a record over to another officer of its area", async () => {
  const { page } = await supervisorLaptop("budi");
  await openTable(page, `village=${VILLAGE_A}`, 3);
  const row = page.locator('tr[data-testid="row"]').first();
  const id = await row.getAttribute("data-id");
  await row.locator("a.name").click();
  await page.locator('[data-testid="record-name"]').waitFor();
  // The history keeps what the server received, from whom, behind its technical details.
  await page.locator('[data-testid="history"] li.change').first().waitFor();
  assert.match(await page.locator('[data-testid="history"] details.technical').first().textContent(), /Diterima server/);

  const dewi = page.locator('select[name="handover_officer"] option', { hasText: "Dewi (dewi)" });
  await dewi.waitFor({ state: "attached" });
  const dewiId = await dewi.getAttribute("value");
  await page.selectOption('select[name="handover_officer"]', dewiId);
  await page.click('button[name="hand_over"]');
  await page.locator(".handover .alert.ok").waitFor();
  await page.locator('[data-testid="history"] li[data-field="assigned_officer"]', { hasText: "Dipindahkan ke petugas: — → Dewi" }).waitFor();
  await page.locator('select[name="handover_officer"] option', { hasText: "Dewi (dewi) ✓" }).waitFor({ state: "attached" });

  const budi = new Api(server.url);
  await budi.login("budi", PASSWORD);
  assert.equal((await budi.request("GET", `/api/registrations/${id}`)).assigned_officer, dewiId);
  assert.deepEqual(page.problems, []);
});

test("on the record page a supervisor records a follow-up step, refused until its details are given", async () => {
  const { page } = await supervisorLaptop("budi");
  await openTable(page, `village=${VILLAGE_A}`, 3);
  const row = page.locator('tr[data-testid="row"]').nth(1);
  const id = await row.getAttribute("data-id");
  await row.locator("a.name").click();
  await page.locator('[data-testid="record-name"]').waitFor();
  await page.locator('[data-testid="follow-ups"]', { hasText: "Belum ada tindak lanjut." }).waitFor();

  const form = page.locator('[data-testid="follow-up-form"]');
  await form.locator('select[name="follow_up_programme"]').selectOption("job_placement");
  await form.locator('select[name="follow_up_step"]').selectOption("placed");
  const day = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
  await form.locator('input[name="follow_up_date"]').fill(day);
  await form.locator('input[name="follow_up_employer"]').fill("PT Agro Muko");
  // The position and the sector of work are missing: the server says so, nothing is written.
  await form.locator('button[name="record_follow_up"]').click();
  await form.locator(".alert.error", { hasText: "wajib diisi" }).waitFor();
  await page.locator('[data-testid="follow-ups"]', { hasText: "Belum ada tindak lanjut." }).waitFor();

  await form.locator('input[name="follow_up_position"]').fill("Operator");
  await form.locator('select[name="follow_up_formality"]').selectOption("formal");
  await form.locator('button[name="record_follow_up"]').click();
  await form.locator(".alert.ok").waitFor();
  const listed = page.locator('[data-testid="follow-ups"] li[data-step="placed"]');
  await listed.waitFor();
  assert.match(await listed.innerText(), /Mulai bekerja/);
  assert.match(await listed.innerText(), /PT Agro Muko/);
  await page.locator('[data-testid="history"] li[data-field="follow_up"]', { hasText: "Tindak lanjut: — → Mulai bekerja" }).waitFor();

  const budi = new Api(server.url);
  await budi.login("budi", PASSWORD);
  const stored = await budi.request("GET", `/api/registrations/${id}`);
  assert.equal(stored.follow_ups.length, 1);
  assert.equal(stored.follow_ups[0].details.formality, "formal");
  assert.deepEqual(page.problems.filter((p) => !/400/.test(p)), []);
});

test("a duplicate pair is resolved in the queue and the counts change", async () => {
  const person = { name: "Dedi Kurniawan", nik: "1701011203950007", birthDate: "1995-03-12" };
  await registerPerson(siti.page, person, VILLAGE_C);
  await syncPhone(siti.page);
  const dewi = await officerPhone("dewi");
  await registerPerson(dewi.page, { ...person, name: "Dedi Kurniawan S" }, VILLAGE_C);
  await syncPhone(dewi.page);

  const budi = new Api(server.url);
  await budi.login("budi", PASSWORD);
  const before = await budi.request("GET", "/api/overview");
  assert.equal(before.total, 9);

  const { page } = await supervisorLaptop("budi");
  await waitForValue(page, "duplicate-groups", before.duplicate_groups);
  await page.click('nav a[data-nav="duplikat"]');
  const group = page.locator(`[data-testid="duplicate-group"][data-nik="${person.nik}"]`);
  await group.waitFor();
  assert.equal(await group.locator(".dup-card").count(), 2);
  await waitForValue(page, "duplicate-total", before.duplicate_groups);
  const keep = await group.locator(".dup-card").first().getAttribute("data-id");
  const drop = await group.locator(".dup-card").nth(1).getAttribute("data-id");
  await group.locator(".dup-card").first().locator('button[name="keep"]').click();
  await group.waitFor({ state: "detached" });
  await waitForValue(page, "duplicate-total", before.duplicate_groups - 1);

  await page.click('nav a[data-nav="ringkasan"]');
  await waitForValue(page, "total", before.total - 1);
  await waitForValue(page, "duplicate-groups", before.duplicate_groups - 1);
  assert.equal((await budi.request("GET", `/api/registrations/${drop}`)).duplicate_of, keep);
  assert.equal((await budi.request("GET", `/api/registrations/${keep}`)).duplicate_of, null);
  assert.deepEqual(page.problems, []);
});
