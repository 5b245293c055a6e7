// Takes the phone-size screenshots in docs/ (about 400×800): the registration form and
// the list. `node bench/screenshots.mjs` with the browser tests' environment.

import { startServer, launchBrowser, openApp, waitForServiceWorker, removeTempDirs, Api } from "../lib/harness.mjs";

const out = new URL("../../../docs/", import.meta.url).pathname;
const server = await startServer();
const admin = await Api.asAdmin(server.url);
await admin.createUser({ username: "siti", password: "officer-password-1", role: "officer", regions: ["17.01.01"], displayName: "Siti Aminah" });
const context = await launchBrowser();
try {
  const page = await openApp(context, server.url + "/");
  await page.setViewportSize({ width: 400, height: 800 });
  await waitForServiceWorker(page);
  await page.fill('input[name="username"]', "siti");
  await page.fill('input[name="password"]', "officer-password-1");
  await page.click('form.login button[type="submit"]');
  await page.locator("section.list").waitFor();
  await page.evaluate(() => window.jemputAddSamples(12, "17.01.01.2001"));
  await page.waitForFunction(() => document.querySelectorAll("li.record").length === 12);
  await page.click('button[name="sync_now"]');
  await page.waitForFunction(() => document.querySelector(".status .waiting")?.dataset.waiting === "0");
  await page.evaluate(() => window.jemputAddSamples(2, "17.01.01.2001"));
  await page.waitForFunction(() => document.querySelectorAll("li.record").length === 14);
  await page.screenshot({ path: out + "officer-list.png" });
  await page.click('button[name="new_registration"]');
  await page.fill('input[name="full_name"]', "Ahmad Fauzi");
  await page.fill('input[name="nik"]', "170101120595000");
  await page.locator('input[name="nik"]').blur();
  await page.fill('input[name="birth_place"]', "Manna");
  await page.screenshot({ path: out + "officer-form.png" });
} finally {
  await context.close();
  await server.stop();
  await removeTempDirs();
}
