// Writes the server's OpenAPI document to web/openapi.json, formatted the
// same way every time: with the server binary's -dump-openapi option
// ($KPBOT_BINARY, else `go build` of examples/server), or, for a binary
// without it, by serving on a free loopback port and reading /openapi.json.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const web = join(dirname(fileURLToPath(import.meta.url)), '..')
const tmp = mkdtempSync(join(tmpdir(), 'kpbot-openapi-'))
let bin = process.env.KPBOT_BINARY
if (!bin) {
  bin = join(tmp, 'kpbot')
  execFileSync('go', ['build', '-o', bin, './examples/server'], { cwd: join(web, '..'), stdio: 'inherit' })
}
function write(doc) {
  writeFileSync(join(web, 'openapi.json'), JSON.stringify(doc, null, 2) + '\n')
  console.log('dump-openapi: wrote web/openapi.json')
}
try {
  const out = join(tmp, 'openapi.json')
  execFileSync(bin, ['-dump-openapi', out], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] })
  write(JSON.parse(readFileSync(out, 'utf8')))
  rmSync(tmp, { recursive: true, force: true })
  process.exit(0)
} catch {
  // An older binary: serve and read it.
}
const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port
    s.close(() => res(p))
  })
})
const srv = spawn(bin, [], {
  cwd: tmp,
  stdio: 'ignore',
  env: { ...process.env, KPBOT_ADDR: `127.0.0.1:${port}`, KPBOT_DATABASE_URL: `file:${join(tmp, 'dump.db')}`, KPBOT_JWT_SECRET: 'dump-openapi-dump-openapi-dump-openapi-0123' },
})
try {
  let doc
  for (let i = 0; i < 600 && !doc; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/openapi.json`)
      if (r.ok) doc = await r.json()
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  if (!doc) throw new Error('the server did not answer /openapi.json')
  write(doc)
} finally {
  srv.kill('SIGTERM')
  await new Promise((r) => srv.once('exit', r))
  rmSync(tmp, { recursive: true, force: true })
}
