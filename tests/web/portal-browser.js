// The observer portal in a real headless Chromium (Debian's, driven by
// playwright-core): an observer's walk through the calendar to a meeting,
// its download and the French interface; a hidden meeting's 404; a member
// who signs in from that 404 page, sees the meeting and signs out; a
// secretariat whose postponement, made with rcpctl, shows after a reload; a
// hostile title that stays text; axe-core's WCAG 2.1 A/AA rules on every page; no
// horizontal scroll at 375 px; and no Content-Security-Policy violation
// anywhere. Screenshots of each page go to --screenshots for review.
//
//   node portal-browser.js --base http://127.0.0.1:7180 --screenshots DIR \
//        --hidden /en/processes/…/meetings/… --hostile /en/processes/…/meetings/… \
//        --rcpctl build/tools/rcpctl/rcpctl --grpc 127.0.0.1:7100
//   with the keys in RCP_MEMBER_KEY (a member who may see --hidden) and
//   RCP_SECRETARIAT_KEY (its process's secretariat): keys stay off command lines.
//
// Run by tests/e2e/portal_browser_e2e_test.cc against a deployment of the
// four daemons. Exits 1 on the first failed expectation, naming it.
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const required of ['base', 'screenshots', 'hidden', 'hostile', 'rcpctl', 'grpc']) {
    if (!out[required]) throw new Error(`--${required} is required`);
  }
  for (const key of ['RCP_MEMBER_KEY', 'RCP_SECRETARIAT_KEY']) {
    if (!process.env[key]) throw new Error(`${key} is required`);
  }
  return out;
}

function chromiumPath() {
  for (const candidate of [process.env.RCP_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  throw new Error('no Chromium: deploy/install-deps.sh installs Debian\'s chromium');
}

let checks = 0;
function expect(condition, what) {
  checks += 1;
  if (!condition) throw new Error(`expected: ${what}`);
}

async function main() {
  const opt = args();
  fs.mkdirSync(opt.screenshots, { recursive: true });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  const context = await browser.newContext({ acceptDownloads: true, locale: 'en-GB' });
  const violations = [];
  const dialogs = [];
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  // Reported by the page itself: every violation, inline style included.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.log(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });

  const pages = [];
  async function visit(url, name) {
    const response = await page.goto(new URL(url, opt.base).toString());
    await check(name);
    return response;
  }
  async function check(name) {
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const found = axe.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(found.length === 0, `no axe violations on ${name}, found ${found.join('; ')}`);
    await page.screenshot({ path: path.join(opt.screenshots, `${name}.png`), fullPage: true });
    pages.push(name);
  }

  // The observer: the calendar, the 2005 Geneva workshop, its report.
  await visit('/', 'home-en');
  expect(page.url().endsWith('/en/'), `/ leads to /en/ for an English browser, got ${page.url()}`);
  await page.getByRole('link', { name: 'Calendar', exact: true }).first().click();
  await check('calendar-en');
  await page.getByRole('link', { name: 'GCIM–IOM Workshop on Regional Consultative Processes' }).click();
  await check('meeting-en');
  expect((await page.locator('h1').innerText()).includes('GCIM–IOM Workshop'), 'the meeting page has its title');
  expect((await page.locator('main').innerText()).includes('Europe/Zurich'), 'times show the IANA zone');
  const [download] = await Promise.all([
    page.waitForEvent('download').catch(() => null),
    page.getByRole('link', { name: /Download \(en/ }).click(),
  ]);
  let report = '';
  if (download) {
    report = fs.readFileSync(await download.path(), 'utf8');
  } else {
    // Plain text shows inline: the report is the page now.
    report = await page.locator('body').innerText();
  }
  expect(report.includes('Regional Consultative Processes'), 'the summary report downloads');
  await page.goBack();
  // The switch to French keeps the page.
  await page.getByRole('link', { name: 'Français' }).click();
  expect(page.url().includes('/fr/processes/igc/meetings/gcim-iom-workshop-2005'), 'French, same meeting');
  expect((await page.locator('main').innerText()).includes('Ordre du jour'), 'the interface is in French');
  await check('meeting-fr');
  await visit('/es/calendar?kind=INTER_RCP_MEETING', 'calendar-es');

  // A process, the library's search, a document's page.
  await visit('/en/', 'home-again');
  await page.getByRole('link', { name: 'IGC', exact: true }).click();
  await check('process-en');
  expect((await page.locator('main').innerText()).includes('Switzerland'), 'the process lists its members');
  await page.getByRole('link', { name: 'Documents', exact: true }).first().click();
  await page.getByLabel('Symbol or title').fill('GCIM-IOM/RCP');
  await page.getByRole('button', { name: 'Show' }).click();
  await check('library-search');
  await page.getByRole('link', { name: /Summary Report/ }).click();
  await check('document-en');
  expect((await page.locator('main').innerText()).includes('SHA-256'), 'the document lists its versions');
  expect((await page.getByRole('link', { name: 'Download (en, 42 KB)' }).count()) === 1,
         'the document page offers its one language');

  // An item the visitor may not see: 404.
  const hidden = await visit(opt.hidden, 'not-found');
  expect(hidden.status() === 404, `a hidden meeting is 404, got ${hidden.status()}`);

  // A member signs in from that page, comes back to the meeting, and signs out.
  await page.locator('main').getByRole('link', { name: 'Sign in' }).click();
  await check('sign-in');
  const keyField = page.getByLabel('API key');
  expect((await keyField.getAttribute('type')) === 'password', 'the key field masks the key');
  await keyField.fill(process.env.RCP_MEMBER_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  expect(page.url() === new URL(opt.hidden, opt.base).toString(),
         `sign-in returns to the meeting, got ${page.url()}: ${await page.locator('main').innerText()}`);
  await check('meeting-member');
  expect((await page.locator('h1').innerText()).includes('Senior Officials'), 'the member sees the members-only meeting');
  expect((await page.locator('header').innerText()).includes('Indonesia'), 'the header names who is signed in');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'rcp-session');
  expect(session && session.httpOnly && session.sameSite === 'Lax', 'the session cookie is HttpOnly and SameSite=Lax');
  await page.locator('header').getByRole('link', { name: 'Indonesia' }).click();
  await check('account');
  await page.locator('main').getByRole('button', { name: 'Sign out', exact: true }).click();
  expect(page.url().endsWith('/en/'), `signing out leads home, got ${page.url()}`);
  expect((await page.locator('header').innerText()).includes('Sign in'), 'signed out');
  const after = await page.goto(new URL(opt.hidden, opt.base).toString());
  expect(after.status() === 404, `after signing out the meeting is 404 again, got ${after.status()}`);

  // The secretariat, in its own browser: a postponement made with rcpctl
  // shows on the meeting page after a reload.
  const staff = await browser.newContext({ locale: 'en-GB' });
  const staffPage = await staff.newPage();
  await staffPage.goto(new URL(`/en/sign-in?next=${encodeURIComponent(opt.hidden)}`, opt.base).toString());
  await staffPage.getByLabel('API key').fill(process.env.RCP_SECRETARIAT_KEY);
  await staffPage.getByRole('button', { name: 'Sign in' }).click();
  const before = await staffPage.locator('main').innerText();
  expect(!before.includes('Postponed'), 'the meeting is not postponed yet');
  execFileSync(opt.rcpctl, ['--address', opt.grpc, 'meeting', 'postpone', opt.hidden.replace(/^\/en\//, ''),
                            '--reason', 'Venue unavailable'],
               { env: { ...process.env, RCP_KEY: process.env.RCP_SECRETARIAT_KEY }, stdio: 'pipe' });
  await staffPage.reload();
  const postponed = await staffPage.locator('main').innerText();
  expect(postponed.includes('Postponed'), 'the postponement shows after a reload');
  expect(postponed.includes('New dates to be announced'), 'with its dates to be announced');
  await staffPage.screenshot({ path: path.join(opt.screenshots, 'meeting-postponed.png'), fullPage: true });
  await staff.close();

  // A hostile title: text, and nothing runs.
  await visit(opt.hostile, 'hostile-title');
  expect((await page.locator('h1').innerText()).includes('<script>alert(1)</script>'), 'the title shows as text');
  expect(dialogs.length === 0, `no script ran, dialogs: ${dialogs.join(', ')}`);
  expect((await page.locator('img').count()) === 0, 'no element made from the title');

  // Small screens: no horizontal scroll.
  await page.setViewportSize({ width: 375, height: 800 });
  for (const url of ['/en/', '/en/calendar', '/fr/processes/igc/meetings/gcim-iom-workshop-2005', opt.hostile,
                     '/en/processes/igc', '/en/documents', '/en/processes/igc/documents/gcim-iom-workshop-2005-summary']) {
    await page.goto(new URL(url, opt.base).toString());
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width <= 375, `${url} fits 375 px (scroll width ${width})`);
  }
  await page.screenshot({ path: path.join(opt.screenshots, 'calendar-375px.png'), fullPage: true });

  // Keyboard: the first Tab reaches the skip link, which leads to the content.
  await page.goto(new URL('/en/calendar', opt.base).toString());
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement.getAttribute('href'));
  expect(focused === '#content', `the first Tab reaches the skip link, got ${focused}`);
  await page.keyboard.press('Enter');
  const target = await page.evaluate(() => document.activeElement.id);
  expect(target === 'content', `the skip link moves focus to the content, got ${target}`);

  expect(violations.length === 0, `no Content-Security-Policy violations, got ${violations.join('; ')}`);
  await browser.close();
  console.log(`portal-browser: ${checks} checks passed on ${pages.length} pages (${pages.join(', ')}); screenshots in ${opt.screenshots}`);
}

main().catch((e) => {
  console.error(`portal-browser: ${e.message}`);
  process.exit(1);
});
