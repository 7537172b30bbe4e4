"""The shared core of the service and the workers: settings, database, problems, logging, health.

Everything here may be imported by the Litestar service (`api.app`, `api.feedback`, ...) and by
the workers (`jobs`); the core itself imports neither of them, only the standard library, its
dependencies and `api.core` modules (tests/test_package_direction.py holds this).

    api.core.settings  the one frozen Settings object, grouped per concern, loaded once
    api.core.auth      JWT claims: decoding, minting, the claims PostgREST sets
    api.core.db        the connection pool and the per-request role/claims transaction
    api.core.problems  the one mapping from exceptions and SQLSTATEs to problem+json
    api.core.logs      structured logging (one JSON object per line)
    api.core.health    the health registry every component adds its check to, and GET /health
"""
