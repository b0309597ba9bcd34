"""The contract battery: CONTRACT.md as data, one case per request and the answer it must get.

- :mod:`.models`: the fixture models the battery serves, and as which target type;
- :mod:`.bodies`: the request bodies it sends;
- :mod:`.case` and :mod:`.cases`: every request and what its answer must be;
- :mod:`.exchange`: sending a case, and reading an answer down to what must be alike;
- :mod:`.improvements` (and ``improvements.yaml``): the ledger of where we differ from
  DRUM 1.18.1 on purpose, and why.

The functional sessions run every case against their server type, the parity session
against all three side by side, and the conformance session against real DRUM as well.
"""
