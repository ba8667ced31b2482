import { test, expect, type Browser, type Page, type BrowserContext } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ACCESS_TTL_S, ADMIN } from './global-setup'

const base = () => process.env.KPBOT_E2E_BASE_URL!
const api = () => process.env.KPBOT_E2E_API_URL!
const shots = join(import.meta.dirname, '..', 'test-results', 'screenshots')
mkdirSync(shots, { recursive: true })

const stamp = Date.now().toString(36)
const owner = { email: `owner-${stamp}@e2e.test`, password: 'owner-password-1', name: 'Olive Owner' }
const mod = { email: `mod-${stamp}@e2e.test`, password: 'mod-password-1', name: 'Moe Moderator' }
let campaignId = ''
let ownerCtx: BrowserContext
let ownerPage: Page

/** check scans the page with axe (no serious or critical violation) and saves a screenshot. */
async function check(page: Page, name: string) {
  await page.waitForLoadState('load')
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true, timeout: 15_000 })
  const r = await new AxeBuilder({ page }).analyze()
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), `axe on ${name}`).toEqual([])
}

async function newPage(browser: Browser) {
  const ctx = await browser.newContext({ baseURL: base(), acceptDownloads: true })
  const page = await ctx.newPage()
  const violations: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text())
  })
  ;(page as Page & { cspViolations?: string[] }).cspViolations = violations
  return { ctx, page }
}

async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto('/')
  await page.getByLabel('Email').fill(who.email)
  await page.getByLabel('Password').fill(who.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).last().click()
  await expect(page.getByTestId('whoami')).toBeVisible()
}

test.describe.configure({ mode: 'serial' })

test('create an account and a campaign', async ({ browser }) => {
  ;({ ctx: ownerCtx, page: ownerPage } = await newPage(browser))
  const page = ownerPage
  await page.goto('/')
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await check(page, '01-sign-in')
  await page.getByRole('tab', { name: 'Create account' }).click()
  await page.getByLabel('Name').fill(owner.name)
  await page.getByLabel('Email').fill(owner.email)
  await page.getByLabel('Password').fill(owner.password)
  await check(page, '02-create-account')
  await page.getByRole('button', { name: 'Create account' }).last().click()
  await expect(page.getByTestId('whoami')).toContainText(owner.name)
  await expect(page.getByText('No campaigns yet')).toBeVisible()
  await check(page, '03-campaigns-empty')

  await page.getByRole('button', { name: 'New campaign' }).click()
  const form = page.getByRole('form', { name: 'New campaign' })
  await form.getByLabel('Name').fill('PG outreach')
  await form.getByLabel('Keywords').fill('postgresql, query planner')
  await form.getByLabel('Seed URLs').fill(process.env.KPBOT_E2E_BLOG_URL! + '/')
  await form.getByLabel('Topics').fill('databases')
  await check(page, '04-campaign-form')
  await form.getByRole('button', { name: 'Create campaign' }).click()
  await expect(page.getByRole('link', { name: 'PG outreach' })).toBeVisible()
  await check(page, '05-campaigns')

  // Edit, archive and unarchive from the list.
  await page.getByRole('button', { name: 'Edit PG outreach' }).click()
  await page.getByRole('form', { name: 'Edit PG outreach' }).getByLabel('Tone').fill('friendly')
  await page.getByRole('button', { name: 'Save changes' }).click()
  await page.getByRole('button', { name: 'Archive PG outreach' }).click()
  await expect(page.getByText('archived', { exact: true })).toBeVisible()
  await page.getByRole('button', { name: 'Unarchive PG outreach' }).click()
  await expect(page.getByText('archived', { exact: true })).toHaveCount(0)

  await page.getByRole('link', { name: 'PG outreach' }).click()
  await expect(page.getByRole('heading', { name: 'PG outreach' })).toBeVisible()
  campaignId = page.url().split('/campaigns/')[1]
  expect(campaignId).toBeTruthy()
})

test('run it: progress reaches 100% live, events in the feed, prospects appear', async () => {
  const page = ownerPage
  let navigations = 0
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) navigations++
  })
  await expect(page.getByTestId('live-status')).toHaveText('● live')
  // Record when each live event shows up in the DOM.
  await page.evaluate(() => {
    const w = window as unknown as { __lat: { at: string; seen: number; event: string }[] }
    w.__lat = []
    new MutationObserver((muts) => {
      const seen = Date.now()
      for (const m of muts as MutationRecord[])
        for (const n of Array.from(m.addedNodes))
          if (n instanceof HTMLElement) {
            const lis = n.matches('li[data-at]') ? [n] : Array.from(n.querySelectorAll<HTMLElement>("li[data-at]"))
            for (const li of lis)
              if (li.dataset.replayed === '0') w.__lat.push({ at: li.dataset.at!, seen, event: li.dataset.event! })
          }
    }).observe(document.body, { childList: true, subtree: true })
  })
  await page.getByRole('button', { name: 'Run now' }).click()
  const bar = page.getByRole('progressbar', { name: 'Progress' })
  await expect(bar).toBeVisible()
  await expect(bar).toHaveAttribute('aria-valuenow', '100', { timeout: 90_000 })
  await expect(page.getByTestId('current-run').getByText('succeeded').first()).toBeVisible()
  expect(navigations, 'no reload while the run progressed').toBe(0)
  await expect(page.getByTestId('event-feed').locator('li[data-event="run.succeeded"]')).toHaveCount(1)
  await check(page, '06-campaign-run')

  const lat = await page.evaluate(() => (window as unknown as { __lat: { at: string; seen: number }[] }).__lat)
  const ms = lat.map((l) => l.seen - Date.parse(l.at)).sort((a, b) => a - b)
  expect(ms.length).toBeGreaterThan(0)
  const p = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]
  console.log(`MEASURED event publication -> DOM: n=${ms.length} median=${p(0.5)} ms p95=${p(0.95)} ms max=${ms[ms.length - 1]} ms`)
  expect(p(0.5)).toBeLessThanOrEqual(300)

  await page.getByRole('link', { name: 'Prospects' }).click()
  const rows = page.getByTestId('prospects-table').locator('tbody tr')
  await expect(rows.first()).toBeVisible()
  expect(await rows.count()).toBeGreaterThanOrEqual(2)
  await check(page, '07-prospects')

  // A reload in the middle keeps the session (the refresh cookie restores it).
  await page.reload()
  await expect(page.getByTestId('whoami')).toContainText(owner.name)
  await expect(rows.first()).toBeVisible()
})

test('a moderator approves one draft and rejects another; the owner sees it live', async ({ browser }) => {
  // The owner polishes the first draft inline (keyboard: focus it, press "e").
  await ownerPage.goto(`/review?campaign=${campaignId}`)
  const mine = ownerPage.getByRole('list', { name: 'Drafts' }).locator('li[data-draft]').first()
  await expect(mine).toBeVisible()
  await expect(mine.getByRole('button', { name: /^Approve/ })).toHaveCount(0) // a user cannot approve
  await mine.focus()
  await ownerPage.keyboard.press('e')
  const editor = mine.getByLabel('Draft text')
  await expect(editor).toBeFocused()
  await editor.fill('Edited by the owner: the EXPLAIN ANALYZE walk-through was exactly what our team needed.')
  await mine.getByRole('button', { name: 'Save draft' }).click()
  await expect(mine.getByTestId('draft-body')).toHaveText(/Edited by the owner/)
  // The moderator signs up; the admin promotes them in the Users page.
  const { ctx: modCtx, page: modPage } = await newPage(browser)
  await modPage.goto('/')
  await modPage.getByRole('tab', { name: 'Create account' }).click()
  await modPage.getByLabel('Name').fill(mod.name)
  await modPage.getByLabel('Email').fill(mod.email)
  await modPage.getByLabel('Password').fill(mod.password)
  await modPage.getByRole('button', { name: 'Create account' }).last().click()
  await expect(modPage.getByTestId('whoami')).toContainText('(user)')

  const { ctx: adminCtx, page: admin } = await newPage(browser)
  await signIn(admin, ADMIN)
  await admin.getByRole('link', { name: 'Users' }).click()
  await admin.getByLabel(`Role of ${mod.email}`).selectOption('moderator')
  await expect(admin.getByLabel(`Role of ${mod.email}`)).toHaveValue('moderator')
  await check(admin, '08-admin-users')
  await admin.getByRole('link', { name: 'Analytics' }).click()
  await expect(admin.getByRole('figure', { name: 'Requests per route' })).toBeVisible()
  await expect(admin.locator('canvas').first()).toBeVisible()
  await check(admin, '09-admin-analytics')
  await adminCtx.close()

  // A role change shows after the moderator's next token: sign in again.
  await modPage.getByRole('button', { name: 'Sign out' }).click()
  await signIn(modPage, mod)
  await expect(modPage.getByTestId('whoami')).toContainText('(moderator)')

  const ownerPage0 = ownerPage
  await ownerPage0.getByRole('link', { name: 'Campaigns', exact: true }).click()
  const unread = ownerPage0.getByTestId('unread-count')
  const before = Number(await unread.textContent())

  await modPage.goto(`/review?campaign=${campaignId}`)
  const drafts = modPage.getByRole('list', { name: 'Drafts' }).locator('li[data-draft]')
  await expect(drafts.first()).toBeVisible()
  expect(await drafts.count()).toBeGreaterThanOrEqual(2)
  await check(modPage, '10-review-queue')
  const first = drafts.nth(0)
  const firstTitle = (await first.getAttribute('aria-label'))!.replace('Draft for ', '')
  // Approve the first by keyboard: focus it, press "a".
  await first.focus()
  await modPage.keyboard.press('a')
  await expect(modPage.getByRole('listitem', { name: `Draft for ${firstTitle}` })).toHaveCount(0)
  // Reject the next with a reason.
  const second = drafts.nth(0)
  const secondTitle = (await second.getAttribute('aria-label'))!.replace('Draft for ', '')
  await second.getByRole('button', { name: /^Reject draft/ }).click()
  await second.getByLabel('Reason').fill('too generic')
  await second.getByRole('button', { name: 'Confirm reject' }).click()
  await expect(modPage.getByRole('listitem', { name: `Draft for ${secondTitle}` })).toHaveCount(0)
  // The rest in bulk: select all, reject with one reason.
  const rest = await drafts.count()
  if (rest > 0) {
    await modPage.getByLabel(/^Select all/).check()
    await modPage.getByLabel('Reason for rejecting').fill('bulk: off-topic this month')
    await modPage.getByRole('button', { name: 'Reject selected' }).click()
    await expect(modPage.getByText('Nothing waiting for review.')).toBeVisible()
  }
  await modCtx.close()

  // The owner's bell counts every review without a reload.
  await expect(unread).toHaveText(String(before + 2 + rest), { timeout: 15_000 })
  await ownerPage0.getByRole('link', { name: /^Notifications/ }).click()
  await expect(ownerPage0.getByTestId('notifications').locator('li').first()).toBeVisible()
  await check(ownerPage0, '11-notifications')

  // Export: the approved draft is in the CSV.
  await ownerPage0.goto(`/campaigns/${campaignId}`)
  const [download] = await Promise.all([ownerPage0.waitForEvent('download'), ownerPage0.getByRole('button', { name: 'Export CSV' }).click()])
  const csv = readFileSync((await download.path())!, 'utf8')
  expect(csv.split('\n').filter((l) => l.trim()).length).toBe(2) // header + the one approved draft
  expect(csv).toContain(process.env.KPBOT_E2E_BLOG_URL!)
  expect(csv).toContain('Edited by the owner') // the moderator approved the first draft, the edited one
  await ownerPage0.goto(`/review?campaign=${campaignId}&status=rejected`)
  await expect(ownerPage0.getByText('too generic')).toBeVisible()
  await check(ownerPage0, '12-review-rejected')
})

test('sessions page, then sign out ends the session for good', async () => {
  const page = ownerPage
  await page.getByRole('link', { name: 'Sessions' }).click()
  await expect(page.getByText('(this one)')).toBeVisible()
  await check(page, '13-sessions')
  await page.getByRole('button', { name: 'Sign out' }).first().click()
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await page.reload()
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await ownerCtx.close()
})

test('an access token that expires mid-session is refreshed silently', async ({ browser }) => {
  test.setTimeout(120_000)
  const { ctx, page } = await newPage(browser)
  await signIn(page, owner)
  const refreshes: number[] = []
  page.on('response', (r) => {
    if (r.url().endsWith('/api/auth/refresh')) refreshes.push(r.status())
  })
  // The token lives ACCESS_TTL_S plus the server's 30 s leeway.
  await page.waitForTimeout((ACCESS_TTL_S + 32) * 1000)
  await page.getByRole('link', { name: 'Sessions' }).click()
  await expect(page.getByText('(this one)')).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Sign in' })).toHaveCount(0)
  expect(refreshes).toContain(200)
  expect(refreshes.filter((s) => s !== 200)).toEqual([])
  await ctx.close()
})

test('the prospects page of a 10,000-prospect campaign loads fast (server-side paging)', async ({ browser }) => {
  const { ctx, page } = await newPage(browser)
  await signIn(page, owner)
  const token = await (await page.request.post(`${api()}/api/auth/login`, { data: { email: owner.email, password: owner.password } })).json()
  const created = await page.request.post(`${api()}/api/campaigns`, {
    headers: { Authorization: `Bearer ${token.access_token}` },
    data: { name: 'Big campaign', keywords: ['postgresql'] },
  })
  expect(created.status()).toBe(201)
  const big = (await created.json()).id as string
  // Copy one real prospect 10,000 times in one statement.
  const sql = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 10000)
INSERT INTO kpbot_prospects (id, campaign_id, url, canonical_url, site, title, author, published_at, summary, main_text, relevance, accepts_comments, comment_system, run_id, created_at, updated_at)
SELECT printf('seed%05d', i), '${big}', p.url || '?n=' || i, p.canonical_url || '?n=' || i, p.site, p.title || ' #' || i, p.author, p.published_at, p.summary, '', (i % 100) / 100.0, i % 2, p.comment_system, p.run_id, p.created_at, p.updated_at
FROM n, (SELECT * FROM kpbot_prospects WHERE campaign_id = '${campaignId}' LIMIT 1) p;`
  execFileSync('sqlite3', ['-cmd', '.timeout 10000', process.env.KPBOT_E2E_DB!, sql])
  const t0 = Date.now()
  await page.goto(`/campaigns/${big}/prospects`)
  await expect(page.getByTestId('prospects-table').locator('tbody tr')).toHaveCount(50)
  const load = Date.now() - t0
  await expect(page.getByTestId('page-info')).toHaveText('1–50 of 10,000')
  const t1 = Date.now()
  await page.getByRole('button', { name: 'Next page' }).click()
  await expect(page.getByTestId('page-info')).toHaveText('51–100 of 10,000')
  const next = Date.now() - t1
  const t2 = Date.now()
  await page.getByRole('button', { name: /^Relevance/ }).click()
  await expect(page.getByRole('columnheader', { name: /Relevance/ })).toHaveAttribute('aria-sort', 'descending')
  await expect(page.getByTestId('prospects-table').locator('tbody tr').first()).toContainText('99%')
  const sorted = Date.now() - t2
  await page.getByLabel('Search').fill('#777')
  await page.getByRole('button', { name: 'Apply filters' }).click()
  await expect(page.getByTestId('page-info')).toContainText('of 11') // #777 and #7770..#7779
  console.log(
    `MEASURED prospects page with 10,000 prospects: first page ${load} ms (navigation to 50 rows), next page ${next} ms, sorted by relevance ${sorted} ms`,
  )
  await check(page, '14-prospects-10k')

  // Delete it, with confirmation.
  await page.getByRole('link', { name: 'Campaigns', exact: true }).click()
  await page.getByRole('button', { name: 'Delete Big campaign' }).click()
  const dialog = page.getByRole('dialog', { name: 'Delete “Big campaign”?' })
  await expect(dialog).toBeVisible()
  await check(page, '15-delete-confirm')
  await dialog.getByRole('button', { name: 'Delete campaign' }).click()
  await expect(page.getByRole('link', { name: 'Big campaign' })).toHaveCount(0)
  await ctx.close()
})

test('first load ships at most 150 kB of compressed JavaScript', async ({ browser }) => {
  const { ctx, page } = await newPage(browser)
  const scripts: Promise<number>[] = []
  page.on('requestfinished', (r) => {
    if (r.resourceType() === 'script') scripts.push(r.sizes().then((s) => s.responseBodySize))
  })
  await page.goto('/')
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await page.waitForLoadState('load')
  const sizes = await Promise.all(scripts)
  const total = sizes.reduce((a, b) => a + b, 0)
  console.log(`MEASURED first-load JavaScript: ${sizes.length} file(s), ${(total / 1024).toFixed(1)} KiB as transferred`)
  expect(sizes.length).toBeGreaterThan(0)
  expect(total).toBeLessThanOrEqual(150 * 1000)
  await ctx.close()
})

test('the API reference renders from the binary under a self-only CSP', async ({ browser }) => {
  const { ctx, page } = await newPage(browser)
  const violations: string[] = []
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      ;(window as unknown as { __csp: string[] }).__csp ??= []
      ;(window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`)
    })
  })
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text())
  })
  const external: string[] = []
  page.on('request', (r) => {
    if (!r.url().startsWith(base()) && !r.url().startsWith('data:')) external.push(r.url())
  })
  const res = await page.goto('/docs')
  expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self'/)
  await expect(page.locator('.opblock').first()).toBeVisible()
  expect(await page.locator('.opblock').count()).toBeGreaterThan(20)
  await page.screenshot({ path: join(shots, '16-docs.png') })
  const fromPage = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])
  expect([...violations, ...fromPage]).toEqual([])
  expect(external).toEqual([])
  await ctx.close()
})
