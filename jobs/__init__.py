"""Background workers: the one job runner (jobs.runner, `freshplan worker`) and a handler per
job kind.

The workers build on the shared core (`api.core`) and the clients of external systems
(`api.clients`), never on the service itself (`api.app`, `api.feedback`, ...).
"""
