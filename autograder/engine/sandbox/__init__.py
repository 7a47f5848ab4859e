"""The sandbox: the untrusted worker (``worker.py``, ``harden.py``, ``lazy.py``, with
``../protocol.py``), how it is started (``tiers.py``), and its trusted supervisor."""
