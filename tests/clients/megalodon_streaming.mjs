// Drives megalodon's Pleroma WebSocket streaming against a live pyleroma: alice listens on
// her user, local, hashtag and direct streams while bob posts, edits, favourites, writes
// to her and deletes; prints what megalodon parsed, as JSON.
// Usage: node megalodon_streaming.mjs BASE_URL TOKEN_A TOKEN_B
import generator from 'megalodon'

const [url, tokenA, tokenB] = process.argv.slice(2)
const alice = generator('pleroma', url, tokenA)
const bob = generator('pleroma', url, tokenB)
const out = { errors: [] }
const timer = setTimeout(() => {
  console.log(JSON.stringify({ ...out, timeout: true }))
  process.exit(1)
}, 30000)

const bobMe = (await bob.verifyAccountCredentials()).data
const aliceMe = (await alice.verifyAccountCredentials()).data
await alice.followAccount(bobMe.id)
const mine = (await alice.postStatus('alice here', { visibility: 'public' })).data

// Every stream collects its events; `next(stream, event)` waits for the next one.
const queues = {}
const waiters = {}
const push = (key, value) => {
  if (waiters[key] && waiters[key].length) waiters[key].shift()(value)
  else (queues[key] ||= []).push(value)
}
const next = (name, event) => {
  const key = `${name}:${event}`
  if (queues[key] && queues[key].length) return Promise.resolve(queues[key].shift())
  return new Promise((resolve) => (waiters[key] ||= []).push(resolve))
}
// The next `event` on `name` whose payload satisfies `wanted`; others (alice's own post,
// whose fan-out may finish after the sockets opened) are skipped.
const nextWhere = async (name, event, wanted) => {
  for (;;) {
    const value = await next(name, event)
    if (wanted(value)) return value
  }
}
const listen = (name, stream) => {
  for (const event of ['update', 'notification', 'delete', 'status_update', 'conversation']) {
    stream.on(event, (value) => push(`${name}:${event}`, value))
  }
  stream.on('parser-error', (err) => out.errors.push(String(err)))
  stream.on('error', (err) => out.errors.push(String(err)))
  return stream
}
const streams = {
  user: listen('user', await alice.userStreaming()),
  local: listen('local', await alice.localStreaming()),
  tag: listen('tag', await alice.tagStreaming('megalodon')),
  direct: listen('direct', await alice.directStreaming())
}
// megalodon connects on creation; wait until every socket is open (readyState 1).
while (!Object.values(streams).every((s) => s._client && s._client.readyState === 1)) {
  await new Promise((resolve) => setTimeout(resolve, 20))
}

const posted = (await bob.postStatus('hello #megalodon', { visibility: 'public' })).data
const isPosted = (status) => status.id === posted.id
out.user_update = await nextWhere('user', 'update', isPosted)
out.local_update = await nextWhere('local', 'update', isPosted)
out.tag_update = await nextWhere('tag', 'update', isPosted)
await bob.favouriteStatus(mine.id)
out.notification = await next('user', 'notification')
await bob.editStatus(posted.id, { status: 'hello again #megalodon' })
out.status_update = await next('user', 'status_update')
await bob.postStatus(`@${aliceMe.username} just us`, { visibility: 'direct' })
out.conversation = await next('direct', 'conversation')
await bob.deleteStatus(posted.id)
out.delete = await next('user', 'delete')
out.posted_id = posted.id
for (const stream of Object.values(streams)) stream.stop()
clearTimeout(timer)
console.log(JSON.stringify(out))
process.exit(0)
