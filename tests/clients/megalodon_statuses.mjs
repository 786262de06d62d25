// Drives megalodon's Pleroma client through statuses, media, polls, timelines and
// notifications of a live pyleroma and prints what megalodon parsed, as JSON.
// Usage: node megalodon_statuses.mjs BASE_URL TOKEN_A TOKEN_B PNG_PATH
import fs from 'node:fs'
import generator from 'megalodon'

const [url, tokenA, tokenB, pngPath] = process.argv.slice(2)
const alice = generator('pleroma', url, tokenA)
const bob = generator('pleroma', url, tokenB)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const out = {}

const aliceMe = (await alice.verifyAccountCredentials()).data
await bob.followAccount(aliceMe.id)
out.media = (await alice.uploadMedia(fs.createReadStream(pngPath), { description: 'a square' })).data
out.post = (await alice.postStatus('hello #megalodon', { media_ids: [out.media.id], visibility: 'public' })).data
out.poll = (await alice.postStatus('pick one', { poll: { options: ['tea', 'coffee'], expires_in: 3600 } })).data
out.vote = (await bob.votePoll(out.poll.poll.id, [1])).data
out.reply = (await bob.postStatus('@alice hi', { in_reply_to_id: out.post.id })).data
out.favourite = (await bob.favouriteStatus(out.post.id)).data
out.reblog = (await bob.reblogStatus(out.post.id)).data
out.context = (await alice.getStatusContext(out.post.id)).data
for (let i = 0; i < 100; i++) {
  out.home = (await bob.getHomeTimeline({ limit: 40 })).data
  if (out.home.length >= 3) break
  await sleep(100)
}
out.local = (await bob.getLocalTimeline({ limit: 40 })).data
out.tag = (await bob.getTagTimeline('megalodon')).data
out.notifications = (await alice.getNotifications({ limit: 40 })).data
console.log(JSON.stringify(out))
