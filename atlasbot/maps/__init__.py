"""Maps drawn offline: a crisis's plans and board, and the network's coverage of Europe.

Pure core: the drawing takes plain values and returns PNG bytes; no Telegram, no database.
The country outlines are read from ``data/outlines.json`` only when asked for.
"""
