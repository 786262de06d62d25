// Drives megalodon's Pleroma client through the account API of a live pyleroma and prints
// what megalodon parsed, as JSON, for tests/e2e/test_megalodon.py to check.
// Usage: node megalodon_accounts.mjs BASE_URL TOKEN_A TOKEN_B
import generator from 'megalodon'

const [url, tokenA, tokenB] = process.argv.slice(2)
const alice = generator('pleroma', url, tokenA)
const bob = generator('pleroma', url, tokenB)
const out = {}

out.instance = (await alice.getInstance()).data
const me = (await alice.verifyAccountCredentials()).data
out.me = me
out.updated = (await alice.updateCredentials({ display_name: 'Alice via megalodon', note: 'hello from megalodon', locked: false })).data
const bobMe = (await bob.updateCredentials({ locked: true })).data
out.bob = (await alice.getAccount(bobMe.id)).data
out.follow = (await alice.followAccount(bobMe.id)).data
out.requests = (await bob.getFollowRequests()).data
out.accepted = (await bob.acceptFollowRequest(me.id)).data
out.relationships = (await alice.getRelationships([bobMe.id])).data
out.following = (await alice.getAccountFollowing(me.id)).data
out.search = (await alice.searchAccount('bob', { limit: 5 })).data
out.block = (await alice.blockAccount(bobMe.id)).data
out.blocks = (await alice.getBlocks()).data
out.unblock = (await alice.unblockAccount(bobMe.id)).data
out.mute = (await alice.muteAccount(bobMe.id, false)).data
out.mutes = (await alice.getMutes()).data
console.log(JSON.stringify(out))
