-- Inbound mail, third part (SPEC 8.4): how far the worker flagged the mailbox \Seen, so that a message
-- someone marked unread again stays unread; and the lead's owner reads the mails of the leads they
-- may read (the task "confirm this reply" needs its text). Frozen once on main: change it with a new V
-- file. The functions live in R__86_inbound_mail.sql.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

alter table app.imap_mailboxes
add column flagged_uid bigint not null default 0,
add constraint imap_mailboxes_flagged_uid_range check (flagged_uid >= 0);
comment on column app.imap_mailboxes.flagged_uid is
'The highest UID flagged \Seen: later runs flag only the stored ones above it, never one a person marked '
'unread again.';
-- the runs before this flagged every message they stored, up to the watermark
update app.imap_mailboxes set flagged_uid = last_uid;

create policy select_readable on app.inbound_mails
for select to sales_rep
using (tenant_id = (select app.current_tenant_id()) and lead_id is not null and app.rep_can_read(lead_id));
comment on policy select_readable on app.inbound_mails is
'Reps read the mails matched to the leads they own or collaborate on (never an unmatched one).';
grant select on app.inbound_mails to sales_rep;

-- Two more reasons a reply is left to a person: its origin is unproven (matched by its From header, or
-- by a V013 Message-ID guessable from the job number), or its lead has no active owner.
alter table app.inbound_mails drop constraint inbound_mails_classification_reason_known;
alter table app.inbound_mails add constraint inbound_mails_classification_reason_known check (
    classification_reason in (
        'customer_reaction', 'not_a_reaction', 'low_confidence', 'injection_suspected', 'sender_unverified',
        'no_owner', 'budget_exhausted', 'ai_not_configured', 'ai_unavailable', 'ai_refused'
    )
);
comment on column app.inbound_mails.classification_reason is
'Why: customer_reaction, not_a_reaction, low_confidence, injection_suspected, sender_unverified, no_owner, '
'budget_exhausted, ai_not_configured, ai_unavailable or ai_refused.';

-- A mailbox far beyond its quota (a quota lowered below its use, or units other than we think) is exactly
-- when the warning matters: the percentage has no upper bound.
alter table app.mailbox_quotas alter column percent type numeric;
