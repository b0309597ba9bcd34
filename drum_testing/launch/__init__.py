"""Starting a model server as a process for a test, and always stopping it.

:class:`~drum_testing.launch.run.DrumServerRun` is the public face (re-exported by
:mod:`drum_testing.testing`); the rest is what it is made of: process groups and lifelines
(:mod:`.process`), sockets passed to the server (:mod:`.ports`), logs (:mod:`.logs`),
readiness (:mod:`.readiness`), DRUM's parameters (:mod:`.parameters`), and real DRUM's
launcher with its watchdog (:mod:`.drum`, :mod:`.guard`).
"""
