"""Starting a model server as a process for a test, and always stopping it.

:class:`~drum_testing.launch.run.DrumServerRun` is the public face (re-exported by
:mod:`drum_testing.testing`): the lifecycle of a run (:mod:`.run`) and its arguments, DRUM's
signature, with the command and environment they make (:mod:`.arguments`). What differs
between servers is a launcher's (:mod:`.launcher`): our server's (:mod:`.ours`) and real
DRUM's (:mod:`.drum`, with its watchdog :mod:`.guard` and the proof of who listens on a port,
:mod:`.listeners`). The rest is what they are made of: process groups and lifelines
(:mod:`.process`), ports and sockets passed to the server (:mod:`.ports`), logs
(:mod:`.logs`), the server's stdout and stderr (:mod:`.output`), readiness
(:mod:`.readiness`), what DRUM's parameters mean here (:mod:`.drum_signature`).
"""
