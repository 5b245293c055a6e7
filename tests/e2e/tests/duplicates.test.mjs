// Duplicates caught while typing (issue 16): the officer's form warns, offline, when the
// NIK typed is one the phone holds, or when name, birth date and village match a record,
// and opens that record; the server proposes a pair whose NIKs are one digit apart, with
// its reason, on the supervisor's "Duplikat" screen.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import path from "node:path";
import {
  startServer,
  launchBrowser,
  openApp,
  removeTempDirs,
  Api,
  login,
  loginOfficer,
  registerPerson,
  until,
  waiting,
  LAPTOP,
} from "../lib/harness.mjs";

after(removeTempDirs);

const PASSWORD = "a-long-password-for-e2e";
const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../docs");
const RINA = { name: "Rina Marlina", nik: "1701014506990001", birthDate: "1999-06-05" };

test("the form warns of a person the phone holds, offline, and the queue proposes a one-digit-off NIK", async () => {
  const server = await startServer({ serveArgs: ["--likely-duplicates-every", "1s"] });
  const admin = await Api.asAdmin(server.url);
  await admin.createUser({ username: "siti", password: PASSWORD, role: "officer", regions: ["17.01.01"], displayName: "Siti" });
  await admin.createUser({ username: "budi", password: PASSWORD, role: "supervisor", regions: ["17.01"], displayName: "Budi" });
  const contexts = [];
  try {
    const phone = await launchBrowser();
    contexts.push(phone);
    const page = await openApp(phone, server.url + "/");
    await loginOfficer(page, "siti", PASSWORD);
    await registerPerson(page, RINA);
    const rinaId = await page.locator("li.record").first().getAttribute("data-id");

    // Offline, a new registration with Rina's NIK: the warning names her and opens her record.
    await phone.setOffline(true);
    await page.click('button[name="new_registration"]');
    await page.locator("form.registration").waitFor();
    const warning = page.locator('[data-testid="duplicate-warning"]');
    await page.fill('input[name="nik"]', RINA.nik.slice(0, 15));
    assert.equal(await warning.count(), 0, "no warning for a NIK not typed in full");
    await page.fill('input[name="nik"]', RINA.nik);
    await warning.waitFor();
    assert.equal(await warning.getAttribute("data-reason"), "same_nik");
    assert.match(await warning.innerText(), /Rina Marlina/);
    await page.screenshot({ path: path.join(DOCS, "duplicate-warning.png") });
    await warning.locator('button[name="open_duplicate"]').click();
    await page.waitForFunction((id) => location.hash === `#/data/${id}`, rinaId);
    await until(async () => (await page.inputValue('input[name="full_name"]')) === RINA.name, "Rina's record to open");
    await page.click('button[name="back"]');

    // Without a NIK: the same name, birth date and village.
    await page.click('button[name="new_registration"]');
    await page.locator("form.registration").waitFor();
    await page.locator('select[name="address.regency"] option[value="17.01"]').waitFor({ state: "attached", timeout: 30_000 });
    await page.fill('input[name="full_name"]', "rina  MARLINA");
    await page.check('input[name="no_nik"]');
    await page.fill('input[name="birth_date"]', RINA.birthDate);
    assert.equal(await warning.count(), 0, "no warning before the village is chosen");
    await page.selectOption('select[name="address.regency"]', "17.01");
    await page.selectOption('select[name="address.district"]', "17.01.01");
    await page.selectOption('select[name="address.village"]', "17.01.01.2001");
    await warning.waitFor();
    assert.equal(await warning.getAttribute("data-reason"), "same_name_birth_village");
    await page.click('button[name="back"]');

    // Online: Rina registered again with the last digit of her NIK mistyped.
    await phone.setOffline(false);
    await registerPerson(page, { ...RINA, nik: "1701014506990002" });
    await page.click('button[name="sync_now"]');
    await until(async () => (await waiting(page)) === 0, "the phone to send everything");

    // The supervisor's queue proposes the pair, with its reason.
    const laptop = await launchBrowser({ viewport: LAPTOP });
    contexts.push(laptop);
    const screen = await openApp(laptop, server.url + "/pengawas/");
    await login(screen, "budi", PASSWORD);
    await screen.locator('[data-testid="overview"]').waitFor({ timeout: 30_000 });
    const pair = screen.locator('[data-testid="likely-pair"][data-reason="nik_one_digit_off"]');
    await until(async () => {
      await screen.goto(server.url + "/pengawas/duplikat");
      await screen.locator('[data-testid="duplicates"] .count').first().waitFor({ timeout: 30_000 });
      return (await pair.count()) === 1;
    }, "the sweep to propose the pair", 60_000, 2_000);
    assert.equal(await pair.locator(".dup-card").count(), 2);
    const text = await pair.innerText();
    assert.match(text, /NIK beda satu angka/);
    assert.match(text, /1701014506990001/);
    assert.match(text, /1701014506990002/);
  } finally {
    for (const context of contexts) await context.close();
    await server.stop();
  }
});
