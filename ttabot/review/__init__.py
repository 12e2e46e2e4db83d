"""The forge-neutral review: what to check and draft for a PR or a command, and what to say.

Nothing here imports :mod:`ttabot.github`; a forge is reached only through the
:class:`ttabot.review.forge.Forge` protocol.
"""
