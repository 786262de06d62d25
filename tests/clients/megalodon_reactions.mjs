// Drives megalodon's Pleroma client through emoji reactions on a live pyleroma (Pleroma's
// /api/v1/pleroma/statuses/:id/reactions routes) and prints what megalodon parsed, as JSON.
// Usage: node megalodon_reactions.mjs BASE_URL TOKEN_A TOKEN_B
import generator from 'megalodon'

const [url, tokenA, tokenB] = process.argv.slice(2)
const alice = generator('pleroma', url, tokenA)
const bob = generator('pleroma', url, tokenB)
const out = {}

const post = (await alice.postStatus('react to this', { visibility: 'public' })).data
out.post = post
out.snail = (await bob.createEmojiReaction(post.id, '🐌')).data
out.heart = (await alice.createEmojiReaction(post.id, '❤')).data
out.custom = (await bob.createEmojiReaction(post.id, ':blobcat:')).data
out.list = (await alice.getEmojiReactions(post.id)).data
// Pleroma answers this route with a list of one entry; megalodon's typing expects one
// reaction, so keep both what it parsed and the HTTP status.
const one = await alice.getEmojiReaction(post.id, '🐌')
out.one = { status: one.status, data: one.data }
out.shown = (await alice.getStatus(post.id)).data
out.deleted = (await bob.deleteEmojiReaction(post.id, '🐌')).data
console.log(JSON.stringify(out))
