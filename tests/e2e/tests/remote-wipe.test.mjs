// Remote wipe: an admin marks an officer's phone lost on the admin screen; at its next
// contact the app deletes everything of that officer — read from outside the app, nothing
// personal is left in the origin's storage — and shows the sign-in page; the admin screen
// then shows the wipe confirmed and how many records were unsent at the phone's last sync.
// A phone left locked (its token sealed under the PIN) is wiped too, when it opens with a
// signal: it asks with its device check, without the PIN.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer,
  launchBrowser,
  openApp,
  removeTempDirs,
  waitForServiceWorker,
  Api,
  ADMIN_PASSWORD,
  login,
  loginOfficer,
  navigate,
  originStorageText,
  registerPerson,
  supervisorPath,
  until,
  waiting,
} from "../lib/harness.mjs";

after(removeTempDirs);

const SENT = { name: "Ahmad Fauzi", nik: "1701011505900001", birthDate: "1990-05-15" };
const UNSENT = { name: "Sulastri Wulandari", nik: "1701015505950007", birthDate: "1995-05-15" };
// `registerPerson` types this number; the record keeps it, or its +62 form.
const PHONE_DIGITS = "81234567890";

/** Signs the admin in and opens siti's panel on the admin screen. */
async function openSitiPanel(context, url) {
  const page = await openApp(context, url + "/");
  // Marking a device lost asks first; the admin agrees.
  page.on("dialog", (dialog) => dialog.accept());
  await login(page, "admin", ADMIN_PASSWORD);
  await page.locator('nav[data-testid="nav"]').waitFor({ timeout: 30_000 });
  await navigate(page, supervisorPath("admin"));
  await page.locator('[data-testid="admin"]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="user-row"][data-username="siti"] button[name="manage"]').click();
  const panel = page.locator('[data-testid="user-panel"][data-username="siti"]');
  await panel.waitFor();
  return panel;
}

test("a phone marked lost is wiped at its next contact, and the admin screen shows the confirmation and the unsent count", async () => {
  const server = await startServer();
  const api = await Api.asAdmin(server.url);
  await api.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"] });
  const phoneContext = await launchBrowser();
  const adminContext = await launchBrowser();
  try {
    // Siti registers one person and syncs it, then one more offline: it waits.
    const phone = await openApp(phoneContext, server.url + "/");
    await waitForServiceWorker(phone);
    await loginOfficer(phone, "siti", "siti-password-123");
    await registerPerson(phone, SENT);
    await phone.click('button[name="sync_now"]');
    await until(async () => (await api.request("GET", "/api/admin/stats")).registrations === 1, "the record on the server");
    await until(async () => (await waiting(phone)) === 0, "0 waiting");
    await phoneContext.setOffline(true);
    await registerPerson(phone, UNSENT);
    assert.equal(await waiting(phone), 1);

    // The phone is lost: the admin marks it so.
    let panel = await openSitiPanel(adminContext, server.url);
    const row = panel.locator('[data-testid="device-row"]');
    await row.waitFor();
    assert.equal(await row.count(), 1);
    await row.locator('button[name="lost"]').click();
    await panel.locator('[data-testid="device-row"][data-lost="true"][data-wiped="false"]').waitFor();
    assert.match(await row.locator('[data-testid="device-status"]').innerText(), /menunggu penghapusan/);

    // Its next contact: the app deletes everything of Siti and shows the sign-in page.
    // Back online the app syncs by itself; a tap helps if it has not started yet (the
    // button is disabled while a sync runs, and the page reloads once it is wiped).
    await phoneContext.setOffline(false);
    await phone.locator('button[name="sync_now"]:enabled').click({ timeout: 5_000 }).catch(() => {});
    await phone.locator("form.login").waitFor({ timeout: 30_000 });
    assert.equal(await phone.locator("li.record").count(), 0);
    assert.doesNotMatch(await phone.locator("body").innerText(), /Sulastri|Ahmad/);
    const stored = await originStorageText(phone);
    assert.doesNotMatch(stored, /indexedDB jemput-sealed-/, "no officer's database is left");
    const found = Object.entries({
      nik: SENT.nik,
      name: SENT.name,
      "unsent nik": UNSENT.nik,
      "unsent name": UNSENT.name,
      phone: PHONE_DIGITS,
    }).filter(([, secret]) => stored.includes(secret));
    assert.deepEqual(found.map(([what]) => what), [], "readable in the origin's storage");
    assert.equal(await api.request("GET", "/api/admin/stats").then((s) => s.registrations), 1);

    // The admin sees the wipe confirmed, and what was unsent at the last sync (nothing:
    // the record registered offline afterwards was never reported, and is lost with it).
    await adminContext.close();
    const again = await launchBrowser();
    try {
      panel = await openSitiPanel(again, server.url);
      const wiped = panel.locator('[data-testid="device-row"][data-wiped="true"]');
      await wiped.waitFor({ timeout: 30_000 });
      assert.match(await wiped.locator('[data-testid="device-status"]').innerText(), /data dihapus/);
      assert.equal((await wiped.locator('[data-testid="device-unsent"]').innerText()).trim(), "0");
    } finally {
      await again.close();
    }
  } finally {
    await phoneContext.close();
    await adminContext.close().catch(() => {});
    await server.stop();
  }
});

test("a locked phone marked lost is wiped when it opens with a signal, without its PIN", async () => {
  const server = await startServer();
  const api = await Api.asAdmin(server.url);
  const siti = await api.createUser({ username: "siti", password: "siti-password-123", role: "officer", regions: ["17.01.01"] });
  const phoneContext = await launchBrowser();
  try {
    // Siti registers a person, and the phone is left locked, out of signal.
    const phone = await openApp(phoneContext, server.url + "/");
    await waitForServiceWorker(phone);
    await loginOfficer(phone, "siti", "siti-password-123");
    await registerPerson(phone, UNSENT);
    await phoneContext.setOffline(true);
    await phone.reload();
    await phone.locator("form.pin").waitFor({ timeout: 30_000 });

    // The admin marks it lost; nobody types the PIN.
    const { devices } = await api.request("GET", `/api/admin/users/${siti.id}/devices`);
    assert.equal(devices.length, 1);
    await api.request("POST", `/api/admin/devices/${devices[0].id}/lost`, {});

    // Opened again with a signal, the locked app asks, deletes everything and shows the
    // sign-in page. (It also asks when the browser says it is back online; Chromium
    // under Playwright fires no such event, so this test opens the app again.)
    await phoneContext.setOffline(false);
    await phone.reload();
    await phone.locator("form.login").waitFor({ timeout: 30_000 });
    const stored = await originStorageText(phone);
    assert.doesNotMatch(stored, /indexedDB jemput-sealed-/, "no officer's database is left");
    const localKeys = await phone.evaluate(() => Object.keys(localStorage));
    // What stays is no one's: the language and the office's consent notice.
    const kept = ["jemput.lang", "jemput.consent_text"];
    assert.deepEqual(localKeys.filter((key) => !kept.includes(key)), [], "no session or sync time is left");
    assert.doesNotMatch(stored, /Sulastri|1701015505950007/);
    await until(async () => {
      const { devices } = await api.request("GET", `/api/admin/users/${siti.id}/devices`);
      return devices[0].wipe_confirmed_at !== null;
    }, "the wipe confirmed");
  } finally {
    await phoneContext.close();
    await server.stop();
  }
});
