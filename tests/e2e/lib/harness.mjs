// What every browser test needs: a real jemput-server serving the built app on a free
// port with a fresh data directory (`startServer`), Debian's Chromium with a profile that
// outlives one launch (`launchBrowser`), and the HTTP API for setting up users (`Api`).
//
// Environment (set by `cargo xtask e2e`):
//   JEMPUT_SERVER_BIN   the jemput-server binary
//   JEMPUT_WEB_DIR      the site built by `cargo xtask build-app`
//   JEMPUT_REGIONS_DIR  Bengkulu's region CSVs, imported before the start (optional)
//   CHROMIUM_PATH       the browser (default /usr/bin/chromium)

import { spawn, execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

export const ADMIN_PASSWORD = "admin-password-for-e2e";

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with \`cargo xtask e2e\``);
  return value;
}

/** A fresh temporary directory, removed by `removeAll()`. */
const temporaryDirs = [];
export async function tempDir(prefix) {
  const dir = await mkdtemp(join(tmpdir(), `jemput-e2e-${prefix}-`));
  temporaryDirs.push(dir);
  return dir;
}

export async function removeTempDirs() {
  for (const dir of temporaryDirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** The site `cargo xtask build-app` built (a test that changes it works on a copy). */
export function builtSite() {
  return requiredEnv("JEMPUT_WEB_DIR");
}

/**
 * Starts `jemput-server serve` on 127.0.0.1 (a free port) with a fresh data directory and
 * the regions imported (and `demoRecords` registrations of `jemput-server demo`, when
 * given), serving `webDir` (default: the built site). Returns `{url, dataDir, stop(), kill(), restart(), log()}`:
 * `stop` sends SIGTERM (a clean shutdown), `kill` SIGKILL (a power cut), `restart` starts
 * it again on the same port and data, so the browser's origin (service worker, IndexedDB)
 * stays the same.
 */
export async function startServer({ adminPassword = ADMIN_PASSWORD, webDir, demoRecords, serveArgs = [] } = {}) {
  const bin = requiredEnv("JEMPUT_SERVER_BIN");
  webDir ??= builtSite();
  const dataDir = await tempDir("data");
  const regionsDir = process.env.JEMPUT_REGIONS_DIR;
  if (regionsDir) {
    execFileSync(bin, ["regions", "import", regionsDir, "--data-dir", dataDir], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, RUST_LOG: "warn" },
    });
  }
  if (demoRecords) {
    // `jemput-server demo`: realistic registrations, officers, supervisors and the admin,
    // every one of them with `adminPassword` (JEMPUT_PASSWORD: the demo's users').
    execFileSync(bin, ["demo", "--records", String(demoRecords), "--data-dir", dataDir], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, JEMPUT_PASSWORD: adminPassword, RUST_LOG: "warn" },
    });
  }

  let child;
  let output = [];
  async function launch(addr) {
    child = spawn(bin, ["serve", "--addr", addr, "--data-dir", dataDir, "--web-dir", webDir, ...serveArgs], {
      env: { ...process.env, JEMPUT_ADMIN_PASSWORD: adminPassword, RUST_LOG: process.env.RUST_LOG ?? "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr.on("data", (chunk) => output.push(chunk.toString()));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const lines = createInterface({ input: child.stdout });
    const url = await new Promise((resolve, reject) => {
      lines.on("line", (line) => {
        output.push(line + "\n");
        const found = line.match(/listening on (http:\/\/\S+)/);
        if (found) resolve(found[1]);
      });
      exited.then((code) => reject(new Error(`jemput-server exited (${code}) before listening:\n${output.join("")}`)));
    });
    return { url, exited };
  }

  let { url, exited } = await launch("127.0.0.1:0");
  const addr = new URL(url).host;
  const server = {
    url,
    dataDir,
    /** Everything the server printed (stdout and its log on stderr). */
    log: () => output.join(""),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async restart() {
      await server.stop();
      ({ exited } = await launch(addr));
    },
  };
  return server;
}

/** A phone's screen (the default) and a laptop's, for `launchBrowser({viewport})`. */
export const PHONE = { width: 412, height: 915 };
export const LAPTOP = { width: 1366, height: 800 };

/**
 * Debian's Chromium, headless, with its profile in `userDataDir` (a fresh temporary one
 * by default): closing the returned context and launching again with the same directory
 * is a phone's browser closed and reopened. Returns the playwright BrowserContext.
 */
export async function launchBrowser({ userDataDir, offline = false, viewport = PHONE } = {}) {
  userDataDir ??= await tempDir("profile");
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    offline,
    // Playwright's own defaults are kept except those that fight Debian's build or this
    // machine (no GPU, no sandbox as root, no calls home).
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    viewport,
    locale: "id-ID",
    timezoneId: "Asia/Jakarta",
  });
  context.userDataDir = userDataDir;
  return context;
}

/**
 * Opens `url` and waits until the app has started (boot.js marks `<html>`). The page's
 * `problems` lists what it complained about from the start: CSP violations, uncaught
 * errors, console errors other than a request failing for want of a network (a test
 * usually asserts it stays empty).
 */
export async function openApp(context, url) {
  const page = context.pages()[0] ?? (await context.newPage());
  page.problems = watchProblems(page);
  await page.goto(url);
  await waitForApp(page);
  return page;
}

/** Waits until the app in `page` has started (after a reload or a navigation). */
export async function waitForApp(page) {
  await page.locator("html[data-jemput-ready]").waitFor({ state: "attached", timeout: 30_000 });
}

function watchProblems(page) {
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    const text = message.text();
    // A request failing for want of a network is what offline tests cause, not a fault.
    if (/^Failed to load resource: net::ERR_(INTERNET_DISCONNECTED|CONNECTION_REFUSED)/.test(text)) return;
    if (message.type() === "error" || /Content Security Policy|Refused to/.test(text)) {
      problems.push(`console ${message.type()}: ${text}`);
    }
  });
  return problems;
}

/**
 * Waits until a service worker controls the page (it activates and claims the page). An
 * app that reloads when the worker first takes control is let finish that reload.
 */
export async function waitForServiceWorker(page) {
  await page.waitForFunction(() => navigator.serviceWorker?.controller?.state === "activated", null, {
    timeout: 30_000,
  });
  await page.waitForTimeout(300);
  await page.waitForLoadState("load");
  await waitForApp(page);
  await page.waitForFunction(() => navigator.serviceWorker?.controller?.state === "activated", null, {
    timeout: 30_000,
  });
}

/** The HTTP API, for setting up what a test needs (users, regions). */
export class Api {
  constructor(url, token = null) {
    this.url = url;
    this.token = token;
  }

  async request(method, path, body) {
    const headers = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(this.url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return json;
  }

  /** Signs in (a new device); returns `{token, device_id, user}` and keeps the token. */
  async login(username, password, deviceName = "e2e") {
    const session = await this.request("POST", "/api/auth/login", {
      username,
      password,
      device_name: deviceName,
    });
    this.token = session.token;
    return session;
  }

  static async asAdmin(url, password = ADMIN_PASSWORD) {
    const api = new Api(url);
    await api.login("admin", password);
    return api;
  }

  /** Creates a user (admin only): role admin | supervisor | officer; regions are codes. */
  createUser({ username, password, role = "officer", regions = [], displayName }) {
    const body = { username, password, role, regions };
    if (displayName) body.display_name = displayName;
    return this.request("POST", "/api/admin/users", body);
  }
}

/** Polls `check` every `everyMs` until it holds; fails naming `what` after `timeoutMs`. */
export async function until(check, what, timeoutMs = 60_000, everyMs = 250) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Fills the login form in `page` and submits it, then waits until the form is gone: the
 * officer's app shows its list, a supervisor's or admin's session goes on to their app.
 */
export async function login(page, username, password) {
  await page.fill('form.login input[name="username"]', username);
  await page.fill('form.login input[name="password"]', password);
  await page.click('form.login button[type="submit"]');
  await page.locator("form.login").waitFor({ state: "detached", timeout: 30_000 });
}

/** The supervisor's app's address of a screen: `supervisorPath("pendaftaran?regency=17.01")`. */
export function supervisorPath(rest = "") {
  return `/pengawas/${rest}`;
}

/**
 * Goes to `path` inside the app open in `page` as a link would: a new history entry and
 * the router's update, no reload.
 */
export async function navigate(page, path) {
  await page.evaluate((to) => {
    history.pushState(null, "", to);
    window.dispatchEvent(new PopStateEvent("popstate", { state: null }));
  }, path);
}

// --- the officer's app -------------------------------------------------------------------

/** The PIN the tests' officers choose (six digits, no pattern). */
export const PIN = "482913";

/**
 * Signs an officer in on `page` (the login form), then sets their PIN (first login on
 * this phone) or enters it, and waits for their list.
 */
export async function loginOfficer(page, username, password, pin = PIN) {
  await login(page, username, password);
  await unlock(page, pin);
}

/**
 * The officer's PIN screen on `page`: sets `pin` when the app asks for a new one (with
 * its confirmation), else enters it; waits for the list.
 */
export async function unlock(page, pin = PIN) {
  const form = page.locator("form.pin");
  await form.waitFor({ timeout: 30_000 });
  await form.locator('input[name="pin"]').fill(pin);
  const confirm = form.locator('input[name="pin_confirm"]');
  if (await confirm.count()) await confirm.fill(pin);
  await form.locator('button[type="submit"]').click();
  await page.locator("section.list").waitFor({ timeout: 30_000 });
}

/**
 * Everything the origin of `page` keeps, as text, read with the browser's own storage
 * APIs (not the app's code): every IndexedDB database's names, keys and values, local
 * and session storage, and every Cache Storage entry's URL and body. Bytes are read both
 * as UTF-8 and byte for byte, so any readable copy of a string shows up.
 */
export async function originStorageText(page) {
  return page.evaluate(async () => {
    const parts = [];
    const bytesAsText = (bytes) => {
      const view = new Uint8Array(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.byteLength);
      let latin1 = "";
      for (let i = 0; i < view.length; i += 8192) latin1 += String.fromCharCode(...view.subarray(i, i + 8192));
      return latin1 + "\n" + new TextDecoder().decode(view);
    };
    const show = (value) => {
      if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return bytesAsText(value);
      if (value instanceof Blob) return "[blob]";
      if (value !== null && typeof value === "object") {
        return Object.entries(value).map(([k, v]) => `${k}=${show(v)}`).join(";");
      }
      return String(value);
    };
    const request = (r) => new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    for (const { name } of await indexedDB.databases()) {
      parts.push(`indexedDB ${name}`);
      const db = await request(indexedDB.open(name));
      for (const storeName of db.objectStoreNames) {
        const store = db.transaction(storeName, "readonly").objectStore(storeName);
        const keys = await request(store.getAllKeys());
        const values = await request(store.getAll());
        keys.forEach((key, i) => parts.push(`${storeName} ${show(key)} ${show(values[i])}`));
      }
      db.close();
    }
    for (const storage of [localStorage, sessionStorage]) {
      for (let i = 0; i < storage.length; i++) parts.push(`${storage.key(i)} ${storage.getItem(storage.key(i))}`);
    }
    for (const cacheName of await caches.keys()) {
      const cache = await caches.open(cacheName);
      for (const entry of await cache.keys()) {
        const response = await cache.match(entry);
        parts.push(`cache ${cacheName} ${entry.url} ${bytesAsText(new Uint8Array(await response.arrayBuffer()))}`);
      }
    }
    return parts.join("\n");
  });
}

/**
 * Waits until the phone on `page` holds the region list (it comes down with the first
 * form, online): opens a new registration, waits for `regency` among its choices, and
 * goes back to the list.
 */
export async function waitForRegionList(page, regency = "17.01") {
  await page.click('button[name="new_registration"]');
  await page.locator(`select[name="address.regency"] option[value="${regency}"]`).waitFor({ state: "attached", timeout: 30_000 });
  await page.click('button[name="back"]');
}

/** The number of registrations the officer's status line says are waiting to be sent. */
export async function waiting(page) {
  return Number(await page.locator(".status .waiting").getAttribute("data-waiting"));
}

/**
 * Fills the officer's form on `page` for one person and saves it, then waits for the
 * citizen's receipt the app shows: `{ name, nik, birthDate }` in `village` (its regency
 * and district follow from its code), a man living in RT 001 / RW 002, interested in job
 * placement — or, given a `vocation`, in BLK training in it — who consented.
 */
export async function saveNewPerson(page, { name, nik, birthDate, vocation }, village = "17.01.01.2001") {
  const regency = village.slice(0, 5);
  const district = village.slice(0, 8);
  await page.click('button[name="new_registration"]');
  await page.locator("form.registration").waitFor();
  await page.locator(`select[name="address.regency"] option[value="${regency}"]`).waitFor({ state: "attached", timeout: 30_000 });
  await page.fill('input[name="full_name"]', name);
  await page.fill('input[name="nik"]', nik);
  await page.fill('input[name="birth_place"]', "Manna");
  await page.fill('input[name="birth_date"]', birthDate);
  await page.selectOption('select[name="gender"]', "male");
  await page.fill('input[name="phone"]', "081234567890");
  await page.selectOption('select[name="address.regency"]', regency);
  await page.selectOption('select[name="address.district"]', district);
  await page.selectOption('select[name="address.village"]', village);
  await page.fill('input[name="address.rt"]', "001");
  await page.fill('input[name="address.rw"]', "002");
  if (vocation) {
    await page.check('input[name="programmes"][value="blk_training"]');
    await page.fill('input[name="programmes.vocation"]', vocation);
  } else {
    await page.check('input[name="programmes"][value="job_placement"]');
  }
  await page.check('input[name="consent"]');
  await page.click('button[name="save"]');
  await page.locator('section.receipt [data-testid="receipt-number"]').waitFor();
}

/**
 * Registers one person ([`saveNewPerson`]), closes the receipt with "Selesai" and waits
 * for the list.
 */
export async function registerPerson(page, person, village = "17.01.01.2001") {
  await saveNewPerson(page, person, village);
  await page.click('section.receipt button[name="done"]');
  await page.locator("section.list").waitFor();
}

// --- files -------------------------------------------------------------------------------

/** RFC 4180 CSV (quotes, doubled quotes, CRLF) into rows of fields; the BOM dropped. */
export function parseCsv(text) {
  text = text.replace(/^\uFEFF/, "");
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
