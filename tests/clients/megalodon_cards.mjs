// Drives megalodon's Pleroma client to a post with a link on a live pyleroma and prints the
// link preview card megalodon parsed from the Status (megalodon has no method for
// GET /api/v1/statuses/:id/card; the raw route is asked too), as JSON.
// Usage: node megalodon_cards.mjs BASE_URL TOKEN PAGE_URL
import generator from 'megalodon'

const [url, token, pageUrl] = process.argv.slice(2)
const alice = generator('pleroma', url, token)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const out = {}

out.post = (await alice.postStatus(`read ${pageUrl}`, { visibility: 'public' })).data
for (let i = 0; i < 100; i++) {
  out.shown = (await alice.getStatus(out.post.id)).data
  if (out.shown.card) break
  await sleep(100)
}
out.timeline = (await alice.getLocalTimeline({ limit: 5 })).data
const raw = await fetch(`${url}/api/v1/statuses/${out.post.id}/card`, {
  headers: { Authorization: `Bearer ${token}` }
})
out.raw = { status: raw.status, body: await raw.json() }
console.log(JSON.stringify(out))
