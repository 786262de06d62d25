"""The bovine test peer, run with .venv-bovine's Python (never imported by the suite).

    bovine_peer.py serve HOST PORT KEYFILE     bovine's own test server (bovine.testing),
                                               buttercup at http://HOST:PORT/actor
    bovine_peer.py send KEYFILE INBOX JSON     POST an activity as buttercup, signed by
                                               bovine's client code; prints the status

The key pair is written by ``serve`` (KEYFILE, TOML) so ``send`` signs with the key the
served actor publishes. bovine's server verifies the HTTP signature of every POST to its
inbox (fetching the signer's key) and answers 202, or 401 when it does not verify; it
prints "Received in inbox from <actor>" for each one it accepts.
"""

import asyncio
import json
import os
import sys


def serve(host: str, port: str, keyfile: str) -> None:
    from bovine.testing.server import ServerConfig, create_app

    os.environ["BOVINE_TEST_HOSTNAME"] = f"{host}:{port}"
    os.environ["BOVINE_TEST_PROTOCOL"] = "http"
    config = ServerConfig.from_env()
    config.save(keyfile)
    app = create_app(config)
    print("ready", flush=True)
    app.run(host=host, port=int(port), use_reloader=False)


async def send(keyfile: str, inbox: str, document: str) -> None:
    import aiohttp
    from bovine.testing.server import ServerConfig

    config = ServerConfig.load(keyfile)
    actor = config.create_actor()
    async with aiohttp.ClientSession() as session:
        await actor.init(session=session)
        json.loads(document)  # fail early on a malformed argument
        response = await actor.client.post(inbox, document)
        print(response.status, flush=True)


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    if command == "serve":
        serve(*arguments)
    else:
        asyncio.run(send(*arguments))
