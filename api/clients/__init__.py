"""One client module per external system, shared by the service (`api`) and the workers (`jobs`).

A client module speaks its system's protocol and nothing more: connection settings in, typed
results or the module's own error classes out (temporary vs. permanent, so callers can decide
about retries). It imports only `api.core` and its dependencies, never a capability package
(`api.feedback`, ...), the app or `jobs`; rendering, business rules and scheduling stay with the
callers.

    api.clients.smtp   outgoing mail: SMTP with STARTTLS or implicit TLS, or a local .eml sink

The connectors to come add their module here, one per system: xentral, allianz_trade, imap,
kas, openai, anthropic. Their fake servers for tests live under tests/.
"""
