"""Background workers: the mail worker that sends app.outbox (jobs.worker, `freshplan worker`)."""
