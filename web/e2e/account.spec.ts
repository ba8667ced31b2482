// Account self-service end to end: links come from the e-mails the server
// (without SMTP) writes to its log.
import { test, expect, type Browser, type Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ADMIN } from './global-setup'

const base = () => process.env.KPBOT_E2E_BASE_URL!
const shots = join(import.meta.dirname, '..', 'test-results', 'screenshots')
mkdirSync(shots, { recursive: true })
const stamp = Date.now().toString(36)

/** check scans the page with axe (no serious or critical violation) and saves a screenshot. */
async function check(page: Page, name: string) {
  await page.waitForLoadState('load')
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true, timeout: 15_000 })
  const r = await new AxeBuilder({ page }).analyze()
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), `axe on ${name}`).toEqual([])
}

async function newPage(browser: Browser) {
  const ctx = await browser.newContext({ baseURL: base() })
  return { ctx, page: await ctx.newPage() }
}

async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto('/')
  await page.getByLabel('Email').fill(who.email)
  await page.getByLabel('Password').fill(who.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).last().click()
  await expect(page.getByTestId('whoami')).toBeVisible()
}

async function register(page: Page, who: { email: string; password: string; name: string }) {
  await page.goto('/')
  await page.getByRole('tab', { name: 'Create account' }).click()
  await page.getByLabel('Name').fill(who.name)
  await page.getByLabel('Email').fill(who.email)
  await page.getByLabel('Password').fill(who.password)
  await page.getByRole('button', { name: 'Create account' }).last().click()
  await expect(page.getByTestId('whoami')).toContainText(who.name)
}

/** links returns the links of one kind the log mailer wrote for an address, oldest first. */
function links(to: string, kind: 'reset-password' | 'verify-email' | 'accept-invitation'): string[] {
  const re = new RegExp(`${base().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${kind}\\?token=[A-Za-z0-9_-]+`, 'g')
  const out: string[] = []
  for (const line of readFileSync(process.env.KPBOT_E2E_LOG!, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue
    let rec: { msg?: string; to?: unknown; text?: string }
    try {
      rec = JSON.parse(line)
    } catch {
      continue
    }
    if (!rec.msg?.startsWith('mail') || !JSON.stringify(rec.to ?? '').includes(to)) continue
    out.push(...(rec.text?.match(re) ?? []))
  }
  return out
}

/** nextLink waits for a link newer than the `before` ones. */
async function nextLink(to: string, kind: Parameters<typeof links>[1], before: number): Promise<string> {
  await expect.poll(() => links(to, kind).length, { message: `a ${kind} e-mail to ${to}`, timeout: 30_000 }).toBeGreaterThan(before)
  return links(to, kind).at(-1)!
}

test.describe.configure({ mode: 'serial' })

const ann = { email: `ann-${stamp}@e2e.test`, password: 'ann-password-1', name: 'Ann Account' }

test('forgot password: the link from the e-mail resets it, then the new password signs in', async ({ browser }) => {
  const { ctx, page } = await newPage(browser)
  await register(page, ann)
  // Register e-mails a verification link; "Resend" replaces it.
  await nextLink(ann.email, 'verify-email', 0)
  await page.getByRole('link', { name: 'Account' }).click()
  await expect(page.getByTestId('account-summary')).toContainText('not verified')
  await check(page, 'a01-account')
  await page.getByRole('button', { name: 'Resend verification e-mail' }).click()
  await expect(page.getByTestId('account-summary').getByRole('status')).toBeVisible()
  const verify = await nextLink(ann.email, 'verify-email', 1)
  await page.goto(verify)
  await check(page, 'a02-verify-email')
  await page.getByRole('button', { name: 'Verify my address' }).click()
  await expect(page.getByRole('status')).toHaveText('Your e-mail address is verified.')
  await page.goto('/account')
  await expect(page.getByTestId('account-summary')).toContainText('verified')
  await expect(page.getByTestId('account-summary')).not.toContainText('not verified')
  await page.getByRole('button', { name: 'Sign out' }).click()

  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await page.getByRole('button', { name: 'Forgot your password?' }).click()
  await page.getByLabel('Email').fill(ann.email)
  await check(page, 'a03-forgot-password')
  const before = links(ann.email, 'reset-password').length
  await page.getByRole('button', { name: 'Send reset link' }).click()
  await expect(page.getByRole('status')).toBeVisible()
  const reset = await nextLink(ann.email, 'reset-password', before)

  await page.goto(reset)
  await expect(page.getByRole('heading', { name: 'Reset password' })).toBeVisible()
  await check(page, 'a04-reset-password')
  ann.password = 'ann-password-2'
  await page.getByLabel('New password', { exact: true }).fill(ann.password)
  await page.getByLabel('Repeat the new password').fill(ann.password)
  await page.getByRole('button', { name: 'Set new password' }).click()
  await expect(page.getByRole('status')).toContainText('Your password has been changed')
  // The link is single-use: its problem detail shows.
  await page.goto(reset)
  await page.getByLabel('New password', { exact: true }).fill('ann-password-3')
  await page.getByLabel('Repeat the new password').fill('ann-password-3')
  await page.getByRole('button', { name: 'Set new password' }).click()
  await expect(page.getByRole('alert')).not.toBeEmpty()

  await signIn(page, ann)
  await expect(page.getByTestId('whoami')).toContainText(ann.name)
  await ctx.close()
})

test('change password on the account page; a wrong current password shows its problem', async ({ browser }) => {
  const { ctx, page } = await newPage(browser)
  await signIn(page, ann)
  await page.getByRole('link', { name: 'Account' }).click()
  const form = page.getByRole('form', { name: 'Change password' })
  await form.getByLabel('Current password').fill('not-the-password')
  await form.getByLabel('New password', { exact: true }).fill('ann-password-9')
  await form.getByLabel('Repeat the new password').fill('ann-password-9')
  await form.getByRole('button', { name: 'Change password' }).click()
  await expect(form.getByRole('alert')).toBeVisible()
  await form.getByLabel('Current password').fill(ann.password)
  await form.getByLabel('New password', { exact: true }).fill('ann-password-4')
  await form.getByLabel('Repeat the new password').fill('ann-password-4')
  await form.getByRole('button', { name: 'Change password' }).click()
  await expect(form.getByRole('status')).toContainText('Password changed')
  ann.password = 'ann-password-4'
  await page.getByRole('button', { name: 'Sign out' }).click()
  await signIn(page, ann)
  await ctx.close()
})

test('an admin invites a moderator, who accepts and is signed in with that role', async ({ browser }) => {
  const { ctx, page } = await newPage(browser)
  await signIn(page, ADMIN)
  await page.getByRole('link', { name: 'Users' }).click()
  const inv = { email: `invited-${stamp}@e2e.test`, password: 'invited-password-1', name: 'Ivy Invited' }
  const form = page.getByRole('form', { name: 'Invite a user' })
  await form.getByLabel('E-mail address').fill(inv.email)
  await form.getByLabel('Role').selectOption('moderator')
  await check(page, 'a05-admin-users')
  await form.getByRole('button', { name: 'Send invitation' }).click()
  await expect(form.getByRole('status')).toContainText(`Invitation sent to ${inv.email} as moderator`)
  // The admin sends Ann a reset link; she gets one e-mail more.
  const before = links(ann.email, 'reset-password').length
  await page.getByRole('button', { name: `Send reset link to ${ann.email}` }).click()
  await expect(page.getByText(`Reset link sent to ${ann.email}.`)).toBeVisible()
  await nextLink(ann.email, 'reset-password', before)
  await ctx.close()

  const invited = await newPage(browser)
  await invited.page.goto(await nextLink(inv.email, 'accept-invitation', 0))
  await expect(invited.page.getByRole('heading', { name: 'Accept invitation' })).toBeVisible()
  await check(invited.page, 'a06-accept-invitation')
  await invited.page.getByLabel('Name').fill(inv.name)
  await invited.page.getByLabel('Password').fill(inv.password)
  await invited.page.getByRole('button', { name: 'Create my account' }).click()
  await expect(invited.page.getByTestId('whoami')).toContainText(`${inv.name} (moderator)`)
  // The session survives a reload (the refresh cookie was set).
  await invited.page.reload()
  await expect(invited.page.getByTestId('whoami')).toContainText('(moderator)')
  await invited.page.goto('/account')
  await expect(invited.page.getByTestId('account-summary')).toContainText('verified')
  await expect(invited.page.getByTestId('account-summary')).not.toContainText('not verified')

  // Change of address: the link goes to the new address; opening it switches.
  const moved = `moved-${stamp}@e2e.test`
  const change = invited.page.getByRole('form', { name: 'Change e-mail address' })
  await change.getByLabel('New e-mail address').fill(moved)
  await change.getByLabel('Password (to confirm)').fill('wrong-password-1')
  await change.getByRole('button', { name: 'Send confirmation link' }).click()
  await expect(change.getByRole('alert')).toBeVisible()
  await change.getByLabel('Password (to confirm)').fill(inv.password)
  await change.getByRole('button', { name: 'Send confirmation link' }).click()
  await expect(change.getByRole('status')).toContainText('We sent a link to the new address')
  await invited.page.goto(await nextLink(moved, 'verify-email', 0))
  await invited.page.getByRole('button', { name: 'Verify my address' }).click()
  await expect(invited.page.getByRole('status')).toHaveText('Your e-mail address is verified.')
  await invited.page.goto('/account')
  await expect(invited.page.getByTestId('account-summary')).toContainText(moved)
  await invited.ctx.close()
})

test('delete the account: confirmation with the password, then it cannot sign in', async ({ browser }) => {
  const { ctx, page } = await newPage(browser)
  await signIn(page, ann)
  await page.getByRole('link', { name: 'Account' }).click()
  await page.getByRole('button', { name: 'Delete my account…' }).click()
  const form = page.getByRole('form', { name: 'Confirm account deletion' })
  await check(page, 'a07-delete-account')
  await form.getByLabel('Password (to confirm deletion)').fill('wrong-password-1')
  await form.getByRole('button', { name: 'Delete my account for good' }).click()
  await expect(form.getByRole('alert')).toBeVisible()
  await form.getByLabel('Password (to confirm deletion)').fill(ann.password)
  await form.getByRole('button', { name: 'Delete my account for good' }).click()
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await page.getByLabel('Email').fill(ann.email)
  await page.getByLabel('Password').fill(ann.password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).last().click()
  await expect(page.getByRole('alert')).toBeVisible()
  await expect(page.getByTestId('whoami')).toHaveCount(0)
  await ctx.close()
})
