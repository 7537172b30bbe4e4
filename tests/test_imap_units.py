"""How the mail.imap handler cuts a run into batches (jobs/imap.py): never more than the batch's
count or bytes at once, a message bigger than the byte limit alone, the UIDs in order. The handler
itself runs against Dovecot in tests/test_inbound_mail.py."""

from __future__ import annotations

from jobs.imap import batches


def test_batches_keep_to_the_count_and_the_bytes() -> None:
    uids = list(range(1, 11))
    sizes = dict.fromkeys(uids, 100) | {4: 5_000, 8: 450}
    found = list(batches(uids, sizes, count=3, limit=1_000))
    assert found == [[1, 2, 3], [4], [5, 6, 7], [8, 9, 10]]
    assert [u for batch in found for u in batch] == uids, "every UID once, in order"


def test_unknown_sizes_count_by_number_only() -> None:
    assert list(batches([5, 6, 7], {}, count=2, limit=10)) == [[5, 6], [7]]
    assert list(batches([], {}, count=2, limit=10)) == []
