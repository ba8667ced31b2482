import { test, expect } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

const base = () => process.env.KPBOT_E2E_BASE_URL!
const shots = join(import.meta.dirname, '..', 'test-results', 'screenshots')
mkdirSync(shots, { recursive: true })

// A run with one seed nobody answers beside a good one succeeds, and the
// campaign page says which seeds could not be read and why.
test('a run shows why it found less: seed failures by cause', async ({ browser }) => {
  const ctx = await browser.newContext({ baseURL: base() })
  const page = await ctx.newPage()
  const who = { email: `warn-${Date.now().toString(36)}@e2e.test`, password: 'warn-password-1' }
  await page.goto('/')
  await page.getByRole('tab', { name: 'Create account' }).click()
  await page.getByLabel('Email').fill(who.email)
  await page.getByLabel('Password').fill(who.password)
  await page.getByRole('button', { name: 'Create account' }).last().click()
  await expect(page.getByTestId('whoami')).toBeVisible()

  await page.getByRole('button', { name: 'New campaign' }).click()
  const form = page.getByRole('form', { name: 'New campaign' })
  await form.getByLabel('Name').fill('Half-broken seeds')
  await form.getByLabel('Keywords').fill('postgresql')
  const blog = process.env.KPBOT_E2E_BLOG_URL!
  await form.getByLabel('Seed URLs').fill(`${blog}/\nhttp://127.0.0.1:9/`) // nothing listens on port 9
  await form.getByRole('button', { name: 'Create campaign' }).click()
  await page.getByRole('link', { name: 'Half-broken seeds' }).click()
  await page.getByRole('button', { name: 'Run now' }).click()

  const note = page.getByTestId('run-warnings')
  await expect(note).toBeVisible({ timeout: 60_000 })
  await expect(note).toContainText('Seeds that could not be read')
  await expect(page.getByTestId('progress-text')).toHaveText('100%', { timeout: 60_000 })
  // The finished run's steps are the server's: all three succeeded.
  await expect(page.getByRole('list', { name: 'Steps' }).getByText('succeeded', { exact: true })).toHaveCount(3)
  await page.screenshot({ path: join(shots, '17-run-warnings.png'), fullPage: true })
  const r = await new AxeBuilder({ page }).analyze()
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => v.id)).toEqual([])
  await ctx.close()
})
