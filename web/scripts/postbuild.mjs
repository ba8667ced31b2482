// After `vite build`: writes the API reference page into dist/docs from the
// pinned swagger-ui-dist package (content-hashed names, no inline script),
// then adds precompressed .gz and .br siblings of every compressible file.
// The output depends only on the inputs: no timestamps, sorted walks, fixed
// compression levels, so a clean build reproduces the committed dist.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, extname, basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const web = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(web, 'dist')
const docs = join(dist, 'docs')
const swagger = join(web, 'node_modules', 'swagger-ui-dist')

function hashed(name, data) {
  const h = createHash('sha256').update(data).digest('base64url').slice(0, 10).replace(/[-_]/g, 'x')
  const ext = extname(name)
  return `${basename(name, ext)}-${h}${ext}`
}

rmSync(docs, { recursive: true, force: true })
mkdirSync(join(docs, 'assets'), { recursive: true })
const assets = {
  __BUNDLE__: ['swagger-ui-bundle.js', readFileSync(join(swagger, 'swagger-ui-bundle.js'))],
  __CSS__: ['swagger-ui.css', readFileSync(join(swagger, 'swagger-ui.css'))],
  __INIT__: ['init.js', readFileSync(join(web, 'docs', 'init.js'))],
  __DOCSCSS__: ['docs.css', readFileSync(join(web, 'docs', 'docs.css'))],
}
let html = readFileSync(join(web, 'docs', 'index.html'), 'utf8')
for (const [key, [name, data]] of Object.entries(assets)) {
  // Drop the bundle's trailing source-map comment: no map is shipped.
  const body = name.endsWith('.js') || name.endsWith('.css') ? Buffer.from(String(data).replace(/\n?\/[/*]# sourceMappingURL=\S+(\s*\*\/)?\s*$/, '\n')) : data
  const out = hashed(name, body)
  writeFileSync(join(docs, 'assets', out), body)
  html = html.replace(key, out)
}
writeFileSync(join(docs, 'index.html'), html)

const compressible = new Set(['.html', '.js', '.css', '.svg', '.json', '.map', '.txt', '.xml'])
function walk(dir) {
  const out = []
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e)
    if (statSync(p).isDirectory()) out.push(...walk(p))
    else out.push(p)
  }
  return out
}
let n = 0
for (const file of walk(dist)) {
  if (file.endsWith('.gz') || file.endsWith('.br')) {
    rmSync(file)
    continue
  }
  if (!compressible.has(extname(file))) continue
  const data = readFileSync(file)
  writeFileSync(file + '.gz', gzipSync(data, { level: 9 }))
  writeFileSync(
    file + '.br',
    brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        [constants.BROTLI_PARAM_MODE]: extname(file) === '.woff2' ? constants.BROTLI_MODE_FONT : constants.BROTLI_MODE_TEXT,
      },
    }),
  )
  n++
}
console.log(`postbuild: docs written, ${n} files precompressed (gzip, brotli)`)
