"""The emoji pack API's work (Pleroma's ``Pleroma.Emoji.Pack``): packs and their metadata
(packs.py), their files (files.py), zip archives built and read safely (archives.py), and
packs of other instances (remote.py). See docs/api/emoji.md, "Emoji pack API"."""
