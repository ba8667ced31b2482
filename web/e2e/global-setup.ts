// Builds the real server binary, starts it on a free port with a fresh
// SQLite file next to a local blog fixture, and tells the tests where.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync, openSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createServer } from 'node:net'
import { startBlog } from './blog'

const web = resolve(import.meta.dirname, '..')
const repo = resolve(web, '..')

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer()
    s.on('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => res(p))
    })
  })
}

async function waitFor(url: string, ms: number) {
  const end = Date.now() + ms
  for (;;) {
    try {
      const r = await fetch(url)
      if (r.ok) return
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`${url} did not answer in ${ms} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export const ADMIN = { email: 'admin@e2e.test', password: 'admin-password-1' }
/** ACCESS_TTL is short so that tokens expire mid-session (plus the server's 30 s leeway). */
export const ACCESS_TTL_S = 5

export default async function globalSetup() {
  const tmp = mkdtempSync(join(tmpdir(), 'kpbot-e2e-'))
  const bin = process.env.KPBOT_E2E_BINARY || join(tmp, 'kpbot')
  if (!process.env.KPBOT_E2E_BINARY) {
    execFileSync('go', ['build', '-o', bin, './examples/server'], { cwd: repo, stdio: 'inherit' })
  }
  const blog = await startBlog()
  const port = await freePort()
  const api = `http://127.0.0.1:${port}`
  const log = openSync(join(tmp, 'server.log'), 'a')
  const db = join(tmp, 'e2e.db')
  const srv = spawn(bin, [], {
    cwd: tmp,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      KPBOT_ADDR: `127.0.0.1:${port}`,
      KPBOT_DATABASE_URL: `file:${db}`,
      KPBOT_JWT_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123456789',
      KPBOT_FETCH_ALLOW_PRIVATE: 'true',
      KPBOT_FETCH_DELAY: '5ms',
      KPBOT_ADMIN_EMAIL: ADMIN.email,
      KPBOT_ADMIN_PASSWORD: ADMIN.password,
      KPBOT_ACCESS_TTL: `${ACCESS_TTL_S}s`,
      KPBOT_BCRYPT_COST: '4',
      KPBOT_AUTH_RATE_LIMIT: '100000',
      KPBOT_MAX_RUNS_PER_USER: '10',
      // info: without SMTP the server writes account e-mails to its log,
      // where e2e/account.spec.ts reads their links.
      KPBOT_LOG_LEVEL: 'info',
      KPBOT_PUBLIC_URL: api,
    },
  })
  await waitFor(`${api}/healthz`, 60_000)
  const home = await (await fetch(`${api}/`)).text().catch(() => '')
  if (!home.includes('id="root"')) {
    srv.kill('SIGTERM')
    blog.server.close()
    throw new Error('the server binary must serve the dashboard at / (package web embeds web/dist)')
  }
  const base = api
  process.env.KPBOT_E2E_BASE_URL = base
  process.env.KPBOT_E2E_API_URL = api
  process.env.KPBOT_E2E_BLOG_URL = blog.url
  process.env.KPBOT_E2E_DB = db
  process.env.KPBOT_E2E_LOG = join(tmp, 'server.log')
  writeFileSync(join(tmp, 'urls.json'), JSON.stringify({ base, api, blog: blog.url, db }))
  console.log(`e2e: server ${api} (log ${join(tmp, 'server.log')}), blog ${blog.url}`)
  return async () => {
    srv.kill('SIGTERM')
    blog.server.close()
    await new Promise((r) => srv.once('exit', r))
  }
}
