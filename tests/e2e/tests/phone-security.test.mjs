// A lost phone leaks nothing: read from outside the app (the browser's own storage APIs
// over the whole origin), nothing an officer registered offline — the person's NIK,
// name or phone — nor the session token is readable; a reload asks for the PIN and a
// wrong PIN opens nothing; ten wrong PINs stop the PIN until an online login; logging
// out deletes the records and keys, and unsent records are deleted only when their
// count is typed; two officers on one phone never see each other's records.

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
  PIN,
  login,
  loginOfficer,
  originStorageText,
  registerPerson,
  unlock,
  until,
  waiting,
  waitForRegionList,
} from "../lib/harness.mjs";

after(removeTempDirs);

const PERSON = { name: "Sulastri Wulandari", nik: "1701015505950007", birthDate: "1995-05-15" };
// `registerPerson` types this number; the record keeps it, or its +62 form.
const PHONE_DIGITS = "81234567890";

/** Fails naming each secret that `text` holds in readable form. */
function assertNoneReadable(text, secrets) {
  const found = Object.entries(secrets).filter(([, secret]) => text.includes(secret));
  assert.deepEqual(found.map(([what]) => what), [], "readable in the origin's storage");
}

/** The token the app's login got from the server, caught on the wire. */
function catchToken(page) {
  const tokens = [];
  page.on("response", async (response) => {
    if (new URL(response.url()).pathname === "/api/auth/login" && response.ok()) {
      tokens.push((await response.json()).token);
    }
  });
  return tokens;
}

async function serverCount(admin) {
  return (await admin.request("GET", "/api/admin/stats")).registrations;
}

test("registered offline, nothing personal nor the token is readable on the phone; the PIN guards every start", async () => {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"], displayName: "Siti" });
  const context = await launchBrowser();
  try {
    let page = await openApp(context, server.url + "/");
    await waitForServiceWorker(page);
    const tokens = catchToken(page);
    await login(page, "siti", "siti-password-123");

    // The first login asks for a PIN: trivial ones and a mismatch are refused.
    const form = page.locator("form.pin");
    await form.waitFor({ timeout: 30_000 });
    for (const trivial of ["123456", "000000", "111111", "12345"]) {
      await form.locator('input[name="pin"]').fill(trivial);
      await form.locator('input[name="pin_confirm"]').fill(trivial);
      await form.locator('button[type="submit"]').click();
      await form.locator('[role="alert"]').waitFor();
      assert.equal(await page.locator("section.list").count(), 0, `PIN ${trivial} was accepted`);
    }
    await form.locator('input[name="pin"]').fill(PIN);
    await form.locator('input[name="pin_confirm"]').fill("482914");
    await form.locator('button[type="submit"]').click();
    await form.locator('[role="alert"]', { hasText: "tidak sama" }).waitFor();
    await unlock(page);
    assert.equal(tokens.length, 1);

    // The region list comes down while online; then a person is registered offline.
    await waitForRegionList(page);
    await context.setOffline(true);
    await server.stop();
    await registerPerson(page, PERSON);
    assert.equal(await waiting(page), 1);
    await page.locator("li.record", { hasText: PERSON.name }).waitFor();

    // From outside the app: the whole origin's storage holds none of it in clear.
    const stored = await originStorageText(page);
    assert.match(stored, /indexedDB jemput-sealed-/, "the officer's database is there");
    assert.match(stored, /docs /, "the records are there");
    assertNoneReadable(stored, {
      nik: PERSON.nik,
      name: PERSON.name,
      "name (family)": "Wulandari",
      phone: PHONE_DIGITS,
      token: tokens[0],
    });

    // A reload asks for the PIN and shows nothing before it.
    await page.reload();
    await waitForApp(page);
    await page.locator("form.pin").waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('input[name="pin_confirm"]').count(), 0);
    assert.equal(await page.locator("li.record").count(), 0);
    assert.doesNotMatch(await page.locator("body").innerText(), /Sulastri/);

    // A wrong PIN opens nothing and is counted.
    await page.fill('form.pin input[name="pin"]', "730418");
    await page.click('form.pin button[type="submit"]');
    await page.locator('form.pin [role="alert"]', { hasText: "PIN salah" }).waitFor();
    await page.locator('.tries[data-tries-left="9"]').waitFor();
    assert.equal(await page.locator("li.record").count(), 0);

    // The right one opens the list, with the record still waiting.
    await unlock(page);
    await page.locator("li.record", { hasText: PERSON.name }).waitFor();
    assert.equal(await waiting(page), 1);

    // Back online, it is sent with the token that was kept sealed.
    await server.restart();
    await context.setOffline(false);
    await page.click('button[name="sync_now"]');
    await until(async () => (await serverCount(admin)) === 1, "the record on the server");
    await until(async () => (await waiting(page)) === 0, "0 waiting");
    assert.deepEqual(page.problems, []);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("ten wrong PINs stop the PIN until the officer logs in online again", async () => {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "rina", password: "rina-password-123", role: "officer", regions: ["17.01.01"] });
  const context = await launchBrowser();
  try {
    const page = await openApp(context, server.url + "/");
    await loginOfficer(page, "rina", "rina-password-123");
    assert.equal(await page.evaluate(() => window.jemputAddSamples(1, "17.01.01.2001")), 1);
    await page.reload();
    await waitForApp(page);
    for (let wrong = 1; wrong <= 10; wrong++) {
      await page.fill('form.pin input[name="pin"]', "730418");
      await page.click('form.pin button[type="submit"]');
      const next = wrong < 10 ? `.tries[data-tries-left="${10 - wrong}"]` : '[data-testid="locked-out"]';
      await page.locator(next).waitFor({ timeout: 30_000 });
    }
    // Locked out: no PIN field, even after a reload; the password login is offered.
    await page.reload();
    await waitForApp(page);
    await page.locator('[data-testid="locked-out"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('input[name="pin"]').count(), 0);
    assert.equal(await page.locator("li.record").count(), 0);
    await login(page, "rina", "rina-password-123");
    await unlock(page);
    assert.equal(await page.locator("li.record").count(), 1);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("logout deletes the phone's records and keys; unsent records only when their count is typed; officers sharing a phone see only their own", async () => {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"] });
  await admin.createUser({ username: "dewi", password: "dewi-password-123", role: "officer", regions: ["17.01.02"] });
  const context = await launchBrowser();
  try {
    const page = await openApp(context, server.url + "/");
    await waitForServiceWorker(page);
    await loginOfficer(page, "siti", "siti-password-123");
    await waitForRegionList(page);

    // Siti registers someone offline; it waits on the phone.
    await context.setOffline(true);
    await registerPerson(page, PERSON);
    assert.equal(await waiting(page), 1);

    // Another officer on the same phone: Siti's record stays sealed and out of sight.
    await page.reload();
    await waitForApp(page);
    await page.click('button[name="switch_user"]');
    await page.locator("form.login").waitFor({ timeout: 30_000 });
    await context.setOffline(false);
    await loginOfficer(page, "dewi", "dewi-password-123", "509172");
    assert.equal(await page.locator("li.record").count(), 0);
    assert.doesNotMatch(await page.locator("body").innerText(), /Sulastri/);
    // Dewi hands the phone back; Siti logs in and her PIN opens her record...
    await page.reload();
    await waitForApp(page);
    await page.click('button[name="switch_user"]');
    await page.locator("form.login").waitFor({ timeout: 30_000 });
    await page.route("**/api/sync", (route) => route.abort("internetdisconnected"));
    await login(page, "siti", "siti-password-123");
    await unlock(page);
    await page.locator("li.record", { hasText: PERSON.name }).waitFor();
    // ...and back to Dewi, who logs out with nothing unsent: no question, and her
    // database is gone.
    await page.reload();
    await waitForApp(page);
    await page.click('button[name="switch_user"]');
    await page.locator("form.login").waitFor({ timeout: 30_000 });
    await loginOfficer(page, "dewi", "dewi-password-123", "509172");
    assert.equal(await page.locator("li.record").count(), 0);
    await page.click('button[name="logout"]');
    await page.locator("form.login").waitFor({ timeout: 30_000 });
    const afterDewi = await originStorageText(page);
    assert.equal((afterDewi.match(/indexedDB jemput-sealed-/g) ?? []).length, 1, "only Siti's database is left");

    // Siti again (her sync still held back, so the record stays unsent): her PIN opens it.
    await login(page, "siti", "siti-password-123");
    await unlock(page);
    await page.locator("li.record", { hasText: PERSON.name }).waitFor();
    assert.equal(await waiting(page), 1);

    // Logging out with it unsent asks for the count; a wrong count does nothing.
    await page.click('button[name="logout"]');
    const confirm = page.locator(".logout-confirm");
    await confirm.waitFor();
    assert.equal(await confirm.getAttribute("data-unsent"), "1");
    assert.ok(await page.locator('button[name="confirm_logout"]').isDisabled());
    await page.fill('input[name="discard_count"]', "2");
    assert.ok(await page.locator('button[name="confirm_logout"]').isDisabled());
    await page.click('button[name="cancel_logout"]');
    assert.equal(await page.locator(".logout-confirm").count(), 0);
    await page.locator("li.record", { hasText: PERSON.name }).waitFor();

    // Sent, then another registered offline: typing the count (1) deletes it with the
    // rest, and nothing personal is left behind.
    await page.unroute("**/api/sync");
    await page.click('button[name="sync_now"]');
    await until(async () => (await waiting(page)) === 0, "0 waiting");
    await context.setOffline(true);
    await registerPerson(page, { name: "Bambang Susilo", nik: "1701011203880002", birthDate: "1988-03-12" });
    assert.equal(await waiting(page), 1);
    await page.click('button[name="logout"]');
    await page.fill('input[name="discard_count"]', "1");
    await page.click('button[name="confirm_logout"]');
    await page.locator("form.login").waitFor({ timeout: 30_000 });
    const afterSiti = await originStorageText(page);
    assert.doesNotMatch(afterSiti, /indexedDB jemput-sealed-/, "no officer's database is left");
    assertNoneReadable(afterSiti, {
      nik: PERSON.nik,
      name: PERSON.name,
      "second name": "Bambang Susilo",
      "second nik": "1701011203880002",
      phone: PHONE_DIGITS,
    });
    assert.equal(await serverCount(admin), 1, "the sent record is on the server");
  } finally {
    await context.close();
    await server.stop();
  }
});

test("what an older version kept in clear is sealed into the officer's database at the first PIN, and the old database is gone", async () => {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  const siti = await admin.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"] });
  const context = await launchBrowser();
  try {
    const page = await openApp(context, server.url + "/");
    // The older version's database: the same stores, values in clear (a summary as JSON).
    const summary = {
      id: "legacy-1",
      full_name: PERSON.name,
      nik: PERSON.nik,
      village: "17.01.01.2001",
      status: "submitted",
      pending: false,
      rejected: null,
      last_comment: null,
      created_at: Date.now(),
    };
    await page.evaluate(async ({ name, summary }) => {
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open(name, 1);
        request.onupgradeneeded = () => {
          for (const store of ["docs", "summaries", "meta"]) request.result.createObjectStore(store);
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const tx = db.transaction(["summaries"], "readwrite");
      tx.objectStore("summaries").put(JSON.stringify(summary), summary.id);
      await new Promise((resolve) => (tx.oncomplete = resolve));
      db.close();
    }, { name: `jemput-${siti.id}`, summary });
    assert.match(await originStorageText(page), new RegExp(PERSON.nik), "the clear copy is there before");

    await loginOfficer(page, "siti", "siti-password-123");
    await page.locator("li.record", { hasText: PERSON.name }).waitFor();
    const stored = await originStorageText(page);
    assert.doesNotMatch(stored, new RegExp(`indexedDB jemput-${siti.id}`), "the old database is deleted");
    assertNoneReadable(stored, { nik: PERSON.nik, name: PERSON.name });
  } finally {
    await context.close();
    await server.stop();
  }
});

test("a forgotten PIN is replaced after an online password login, and the unsent records are still there and sync", async () => {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"] });
  const context = await launchBrowser();
  try {
    const page = await openApp(context, server.url + "/");
    await waitForServiceWorker(page);
    await loginOfficer(page, "siti", "siti-password-123");
    // Two records wait, unsent.
    await page.route("**/api/sync", (route) => route.abort("internetdisconnected"));
    assert.equal(await page.evaluate(() => window.jemputAddSamples(2, "17.01.01.2001")), 2);
    assert.equal(await waiting(page), 2);

    // The PIN is forgotten: the password, online, then a new PIN.
    await page.reload();
    await waitForApp(page);
    await page.click('form.pin button[name="forgot_pin"]');
    await page.locator('[data-testid="forgot-pin"]').waitFor();
    await login(page, "siti", "siti-password-123");
    await unlock(page, "730418");
    assert.equal(await waiting(page), 2);

    // The new PIN opens them after a reload; the old one no longer does.
    await page.reload();
    await waitForApp(page);
    await page.fill('form.pin input[name="pin"]', PIN);
    await page.click('form.pin button[type="submit"]');
    await page.locator('form.pin [role="alert"]', { hasText: "PIN salah" }).waitFor();
    await unlock(page, "730418");
    assert.equal(await waiting(page), 2);

    // And they sync with the new login's token.
    await page.unroute("**/api/sync");
    await page.click('button[name="sync_now"]');
    await until(async () => (await waiting(page)) === 0, "0 waiting");
    assert.equal(await serverCount(admin), 2);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("after the chosen idle time the app locks itself: the PIN again, nothing shown, and a half-typed form comes back after it", async () => {
  const server = await startServer();
  const admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"] });
  const context = await launchBrowser();
  try {
    const page = await openApp(context, server.url + "/");
    await loginOfficer(page, "siti", "siti-password-123");
    assert.equal(await page.evaluate(() => window.jemputAddSamples(1, "17.01.01.2001")), 1);
    // The phone's clock under the test's control from the next start on.
    await page.clock.install();
    await page.reload();
    await waitForApp(page);
    await unlock(page);
    assert.equal(await page.locator('select[name="lock_after"]').inputValue(), "5");
    // Four idle minutes: still open.
    await page.clock.fastForward("04:00");
    await page.clock.runFor(10_000);
    assert.equal(await page.locator("li.record").count(), 1);
    // Past five: the page reloads into the PIN screen.
    const reloaded = page.waitForEvent("framenavigated");
    await page.clock.fastForward("01:30");
    await page.clock.runFor(10_000);
    await reloaded;
    await waitForApp(page);
    await page.locator("form.pin").waitFor({ timeout: 30_000 });
    assert.equal(await page.locator("li.record").count(), 0);

    // Locked half-way through a registration: after the PIN the form comes back with
    // what was typed (kept sealed meanwhile, never in clear).
    await unlock(page);
    await page.click('button[name="new_registration"]');
    await page.locator("form.registration").waitFor();
    await page.fill('input[name="full_name"]', "Theresia Manullang");
    await page.fill('input[name="nik"]', "1701012202880003");
    const lockedAgain = page.waitForEvent("framenavigated");
    await page.clock.fastForward("06:00");
    await page.clock.runFor(10_000);
    await lockedAgain;
    await waitForApp(page);
    await page.locator("form.pin").waitFor({ timeout: 30_000 });
    const stored = await originStorageText(page);
    assert.doesNotMatch(stored, /Theresia|Manullang|1701012202880003/, "the kept input is sealed");
    await page.fill('form.pin input[name="pin"]', PIN);
    await page.click('form.pin button[type="submit"]');
    await page.locator("form.registration").waitFor({ timeout: 30_000 });
    // The kept input is opened (WebCrypto) after the form shows.
    await until(
      async () => (await page.inputValue('input[name="full_name"]')) === "Theresia Manullang",
      "the half-typed form to come back",
      30_000,
    );
    assert.equal(await page.inputValue('input[name="nik"]'), "1701012202880003");
    // Taken once: a reload and the PIN again bring a form without it.
    await page.reload();
    await waitForApp(page);
    await page.fill('form.pin input[name="pin"]', PIN);
    await page.click('form.pin button[type="submit"]');
    await page.locator("form.registration").waitFor({ timeout: 30_000 });
    assert.equal(await page.inputValue('input[name="full_name"]'), "");
  } finally {
    await context.close();
    await server.stop();
  }
});
