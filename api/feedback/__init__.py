"""The public customer feedback link (SPEC 6): the page, the prefill JSON and the submission."""
