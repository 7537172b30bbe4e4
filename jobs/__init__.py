"""Background workers: the mail worker that sends app.outbox (jobs.worker, `freshplan worker`).

The workers build on the shared core (`api.core`) and the clients of external systems
(`api.clients`), never on the service itself (`api.app`, `api.feedback`, ...).
"""
