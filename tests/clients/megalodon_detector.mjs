// megalodon's detector() reads nodeinfo to tell which server software it talks to; clients
// built on it (and the apps that copy its logic) pick their Pleroma driver from the answer.
// Prints what it detected and what the detected driver reads of the instance, as JSON.
// Usage: node megalodon_detector.mjs BASE_URL
import generator, { detector } from 'megalodon'

const [url] = process.argv.slice(2)
const sns = await detector(url)
const instance = (await generator(sns, url).getInstance()).data
console.log(JSON.stringify({ sns, instance }))
