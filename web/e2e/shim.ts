// Only used while the server binary does not yet serve web/dist itself
// (before the Go side of the dashboard is merged): serves dist with the
// app's CSP, proxies everything else (WebSocket included) to the binary,
// and emulates the browser cookie flow of the refresh token. Once the
// binary answers `/` with the app, global-setup skips this entirely.
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import { connect } from 'node:net'
import { readFileSync, existsSync, statSync } from 'node:fs'
import { join, extname } from 'node:path'
import type { AddressInfo } from 'node:net'

const appCSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
}
const passthrough = /^\/(api|openapi\.json|metrics|healthz|readyz)(\/|$)/

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** startShim serves dist in front of the API at target. */
export async function startShim(dist: string, target: string): Promise<{ url: string; server: Server }> {
  const t = new URL(target)
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (passthrough.test(path)) {
      const body = await readBody(req)
      const headers = { ...req.headers, host: t.host }
      const cookieMode = req.headers['x-kpbot-refresh'] === 'cookie'
      const hdrs = headers as Record<string, unknown>
      let out = body
      if (cookieMode && path === '/api/auth/refresh') {
        const m = /(?:^|;\s*)kpbot_refresh=([^;]+)/.exec(req.headers.cookie ?? '')
        out = Buffer.from(JSON.stringify({ refresh_token: m ? decodeURIComponent(m[1]) : '' }))
      }
      if (cookieMode && path === '/api/auth/logout') {
        const m = /(?:^|;\s*)kpbot_refresh=([^;]+)/.exec(req.headers.cookie ?? '')
        out = Buffer.from(JSON.stringify(m ? { refresh_token: decodeURIComponent(m[1]) } : {}))
      }
      headers['content-length'] = String(out.length)
      delete hdrs['x-kpbot-refresh']
      const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers }, async (ur) => {
        const chunks: Buffer[] = []
        for await (const c of ur) chunks.push(c as Buffer)
        let data = Buffer.concat(chunks)
        const h = { ...ur.headers }
        if (cookieMode && /^\/api\/auth\/(login|register|refresh|logout)$/.test(path)) {
          const cookieBase = 'Path=/api/auth; HttpOnly; SameSite=Strict'
          if ((ur.statusCode ?? 500) < 300 && path !== '/api/auth/logout') {
            const j = JSON.parse(data.toString())
            h['set-cookie'] = [`kpbot_refresh=${encodeURIComponent(j.refresh_token)}; ${cookieBase}; Max-Age=2592000`]
            j.refresh_token = ''
            data = Buffer.from(JSON.stringify(j))
          } else if (path === '/api/auth/logout' || (ur.statusCode ?? 0) === 401) {
            h['set-cookie'] = [`kpbot_refresh=; ${cookieBase}; Max-Age=0`]
          }
          h['content-length'] = String(data.length)
        }
        res.writeHead(ur.statusCode ?? 502, h)
        res.end(data)
      })
      up.on('error', () => {
        res.writeHead(502)
        res.end()
      })
      up.end(out)
      return
    }
    const docs = path === '/docs' || path.startsWith('/docs/')
    let file = join(dist, path === '/docs' || path === '/docs/' ? 'docs/index.html' : path)
    if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory()) file = join(dist, 'index.html')
    const immutable = file.includes('/assets/')
    res.writeHead(200, {
      'Content-Type': types[extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': docs ? appCSP : appCSP,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    })
    res.end(readFileSync(file))
  })
  server.on('upgrade', (req, socket, head) => {
    const up = connect(Number(t.port), t.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`]
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i]
        lines.push(`${k}: ${k.toLowerCase() === 'host' ? t.host : k.toLowerCase() === 'origin' ? t.origin : req.rawHeaders[i + 1]}`)
      }
      up.write(lines.join('\r\n') + '\r\n\r\n')
      if (head.length) up.write(head)
      up.pipe(socket)
      socket.pipe(up)
    })
    up.on('error', () => socket.destroy())
    socket.on('error', () => up.destroy())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}
