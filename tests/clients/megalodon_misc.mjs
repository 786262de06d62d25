// Drives megalodon's Pleroma client through featured tags, identity proofs, instance activity,
// endorsements (pin/unpin), bookmarks, and, through the driver's own HTTP client (megalodon has
// no methods for them), bookmark folders, scrobbles, quotes, the endorse/unendorse names,
// several accounts, instance languages and the extended description. Prints what it got, as JSON.
// Usage: node megalodon_misc.mjs BASE_URL TOKEN_A TOKEN_B
import generator from 'megalodon'

const [url, tokenA, tokenB] = process.argv.slice(2)
const alice = generator('pleroma', url, tokenA)
const bob = generator('pleroma', url, tokenB)
const out = {}

const aliceMe = (await alice.verifyAccountCredentials()).data
const bobMe = (await bob.verifyAccountCredentials()).data
out.aliceId = aliceMe.id
out.bobId = bobMe.id

// featured tags
await alice.postStatus('about #cats', { visibility: 'public' })
await alice.postStatus('about #dogs and #cats', { visibility: 'public' })
out.featured = (await alice.createFeaturedTag('cats')).data
out.featuredList = (await alice.getFeaturedTags()).data
out.suggested = (await alice.getSuggestedTags()).data
out.accountFeatured = (await bob.client.get(`/api/v1/accounts/${aliceMe.id}/featured_tags`)).data
await alice.deleteFeaturedTag(out.featured.id)
out.featuredAfterDelete = (await alice.getFeaturedTags()).data

// identity proofs, instance documents
out.proofs = (await bob.getIdentityProof(aliceMe.id)).data
out.activity = (await bob.getInstanceActivity()).data
out.languages = (await bob.client.get('/api/v1/instance/languages')).data
out.extended = (await bob.client.get('/api/v1/instance/extended_description')).data
out.several = (await bob.client.get('/api/v1/accounts', { id: [bobMe.id, aliceMe.id] })).data

// endorsements: megalodon's pin/unpin, and Mastodon 4.4's endorse/unendorse
await alice.followAccount(bobMe.id)
out.pinned = (await alice.pinAccount(bobMe.id)).data
out.endorsements = (await alice.getEndorsements()).data
out.unpinned = (await alice.unpinAccount(bobMe.id)).data
out.endorsed = (await alice.client.post(`/api/v1/accounts/${bobMe.id}/endorse`)).data
out.unendorsed = (await alice.client.post(`/api/v1/accounts/${bobMe.id}/unendorse`)).data

// bookmarks and bookmark folders
const post = (await bob.postStatus('keep this', { visibility: 'public' })).data
const other = (await bob.postStatus('and this', { visibility: 'public' })).data
out.folder = (await alice.client.post('/api/v1/pleroma/bookmark_folders', { name: 'Later', emoji: '📌' })).data
out.filed = (await alice.client.post(`/api/v1/statuses/${post.id}/bookmark`, { folder_id: out.folder.id })).data
out.bookmarked = (await alice.bookmarkStatus(other.id)).data
out.bookmarks = (await alice.getBookmarks()).data
out.folderBookmarks = (await alice.client.get('/api/v1/bookmarks', { folder_id: out.folder.id })).data
out.folders = (await alice.client.get('/api/v1/pleroma/bookmark_folders')).data
out.renamed = (await alice.client.patch(`/api/v1/pleroma/bookmark_folders/${out.folder.id}`, { name: 'Read later' })).data
out.folderDeleted = (await alice.client.del(`/api/v1/pleroma/bookmark_folders/${out.folder.id}`)).data

// scrobbles
out.scrobble = (await alice.client.post('/api/v1/pleroma/scrobble', {
  title: 'Metropolis', artist: 'Jeff Mills', album: 'Metropolis', length: 240000,
  externalLink: 'https://example.org/metropolis'
})).data
out.scrobbles = (await bob.client.get(`/api/v1/pleroma/accounts/${aliceMe.id}/scrobbles`)).data

// quotes
// megalodon sends Mastodon 4.5's quoted_status_id for its quote_id option
const quoting = (await alice.postStatus('look at this', { quote_id: post.id })).data
out.quotingId = quoting.id
out.quotes = (await bob.client.get(`/api/v1/pleroma/statuses/${post.id}/quotes`)).data
out.mastodonQuotes = (await bob.client.get(`/api/v1/statuses/${post.id}/quotes`)).data
console.log(JSON.stringify(out))
