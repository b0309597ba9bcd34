"""What tests share, in one place: test modules import from here, never from each other.

- :mod:`.models`: the fixture models, their labels, their settings;
- :mod:`.waiting`: waiting on a condition with a deadline, and whether a process runs;
- :mod:`.standin`: a stand-in server for the test kit's own tests;
- :mod:`.core_client`: requests to the core without any web framework;
- :mod:`.check_reports`: ``drum-testing check`` reports built by hand, and a fake check;
- :mod:`.clients`: raw-socket clients for the reliability battery;
- :mod:`.servers`: the types of the server-starting fixtures;
- :mod:`.fuzzing`: the fuzzing session's hypothesis settings and the parsers' property;
- :mod:`.nginx`: nginx on loopback in front of servers, always stopped;
- :mod:`.rolling`: a rolling restart of two replicas behind nginx, under load (the bench
  uses it too, so it and :mod:`.nginx` import no pytest).

The contract battery and the ledger of differences from DRUM are in :mod:`tests.contract`.
"""
