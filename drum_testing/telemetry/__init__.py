"""Telemetry: what a request leaves behind for an operator (log lines, traces, metrics).

Framework-free, as the core is: every server type gets the same log lines and the same spans
because they are made here, once. OpenTelemetry is an optional extra, imported only when an
exporter endpoint is configured.
"""
