-- Inbound mail (SPEC 8.4): the Message-ID of every outbound mail, the IMAP mailbox's watermark,
-- and the replies fetched from it. Structure only: tables, constraints, indexes, policies, grants
-- and reference rows. Frozen once on main: change it with a new V file. The functions and views
-- live in R__86_inbound_mail.sql.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

insert into app.connectors (connector, description) values
('mail', 'all-inkl mail: customers'' replies fetched over IMAP (and the mailbox''s quota).');

-- ------------------------------------------------------------ outbound Message-IDs
-- The worker sends each mail with this Message-ID (jobs/mail.py reads it from the row), so a reply's
-- In-Reply-To or References names the job, and through it the lead.
alter table app.jobs
add column message_id text generated always as (
    case when kind = 'mail.send' then '<job-' || id::text || '@freshplan>' end
) stored;
comment on column app.jobs.message_id is
'mail.send: the Message-ID the mail is sent with (replies name it in In-Reply-To/References).';
create index jobs_message_id_idx on app.jobs (message_id) where message_id is not null;

-- ------------------------------------------------------------ the mailbox
create table app.imap_mailboxes (
    mailbox text primary key,
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    uidvalidity bigint,
    last_uid bigint not null default 0,
    last_run_at timestamptz,
    constraint imap_mailboxes_mailbox_length check (char_length(mailbox) between 3 and 500),
    constraint imap_mailboxes_last_uid_range check (last_uid >= 0)
);
comment on table app.imap_mailboxes is
'The IMAP mailboxes the worker reads (FRESHPLAN_IMAP_URL): whose they are and how far it got.';
comment on column app.imap_mailboxes.mailbox is 'user@host:port/folder (no password).';
comment on column app.imap_mailboxes.tenant_id is
'The tenant whose leads its mails are matched to (FRESHPLAN_IMAP_TENANT).';
comment on column app.imap_mailboxes.uidvalidity is
'The folder''s UIDVALIDITY when last read: another one renumbers every UID.';
comment on column app.imap_mailboxes.last_uid is 'The highest UID stored: the next run asks for the ones above it.';
comment on column app.imap_mailboxes.last_run_at is 'When a run last finished.';
create index imap_mailboxes_tenant_idx on app.imap_mailboxes (tenant_id);
alter table app.imap_mailboxes enable row level security;
-- the workers' (through definer functions); nobody else reads it

-- ------------------------------------------------------------ inbound mails
create table app.inbound_mails (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    mailbox text not null references app.imap_mailboxes (mailbox) on delete cascade,
    uidvalidity bigint not null,
    uid bigint not null,
    message_id text,
    in_reply_to text,
    reference_ids text[] not null default '{}',
    from_address text,
    from_name text,
    subject text,
    sent_at timestamptz,
    received_at timestamptz not null default pg_catalog.clock_timestamp(),
    body_text text not null default '',
    size_bytes integer not null,
    truncated boolean not null default false,
    lead_id uuid references app.leads (id) on delete set null,
    matched_by text,
    assigned_by uuid references app.users (id) on delete set null,
    constraint inbound_mails_uid_key unique (mailbox, uidvalidity, uid),
    constraint inbound_mails_message_id_length check (char_length(message_id) <= 998),
    constraint inbound_mails_in_reply_to_length check (char_length(in_reply_to) <= 998),
    constraint inbound_mails_references_count check (cardinality(reference_ids) <= 50),
    constraint inbound_mails_from_address_length check (char_length(from_address) <= 254),
    constraint inbound_mails_from_name_length check (char_length(from_name) <= 200),
    constraint inbound_mails_subject_length check (char_length(subject) <= 998),
    constraint inbound_mails_body_length check (char_length(body_text) <= 100000),
    constraint inbound_mails_size_range check (size_bytes >= 0),
    constraint inbound_mails_matched_by_known check (matched_by in ('in_reply_to', 'references', 'sender', 'manager')),
    constraint inbound_mails_matched check (lead_id is null or matched_by is not null)
);
comment on table app.inbound_mails is
'Mails fetched from the mailbox over IMAP (job mail.imap): headers, the text body (size-capped, no '
'attachments), and the lead they were matched to. Untrusted text throughout.';
comment on column app.inbound_mails.id is 'Mail id.';
comment on column app.inbound_mails.tenant_id is 'Tenant (of the mailbox).';
comment on column app.inbound_mails.mailbox is 'The mailbox it came from.';
comment on column app.inbound_mails.uidvalidity is 'The folder''s UIDVALIDITY when it was fetched.';
comment on column app.inbound_mails.uid is 'Its IMAP UID.';
comment on column app.inbound_mails.message_id is 'Its Message-ID header.';
comment on column app.inbound_mails.in_reply_to is 'Its In-Reply-To header.';
comment on column app.inbound_mails.reference_ids is 'The Message-IDs of its References header.';
comment on column app.inbound_mails.from_address is 'Sender address (lower case).';
comment on column app.inbound_mails.from_name is 'Sender name.';
comment on column app.inbound_mails.subject is 'Subject.';
comment on column app.inbound_mails.sent_at is 'Its Date header.';
comment on column app.inbound_mails.received_at is 'When it was stored.';
comment on column app.inbound_mails.body_text is
'The text body (plain part, else the HTML part as text), at most 100 000 characters.';
comment on column app.inbound_mails.size_bytes is 'Size of the whole message at the server.';
comment on column app.inbound_mails.truncated is 'Whether the body was cut to the limit.';
comment on column app.inbound_mails.lead_id is 'The lead it belongs to (null: unmatched, for a manager to assign).';
comment on column app.inbound_mails.matched_by is 'in_reply_to, references, sender or manager.';
comment on column app.inbound_mails.assigned_by is 'The manager who assigned it.';
create unique index inbound_mails_message_id_key on app.inbound_mails (tenant_id, message_id)
where message_id is not null;
create index inbound_mails_unmatched_idx on app.inbound_mails (tenant_id, received_at desc) where lead_id is null;
create index inbound_mails_lead_idx on app.inbound_mails (lead_id);
create index inbound_mails_mailbox_idx on app.inbound_mails (mailbox);
create index inbound_mails_assigned_by_idx on app.inbound_mails (assigned_by);
alter table app.inbound_mails enable row level security;
create policy select_manager on app.inbound_mails
for select to sales_manager
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_manager on app.inbound_mails is
'Managers read the tenant''s inbound mails (reps see a matched one as an EMAIL_RECEIVED activity).';
grant select on app.inbound_mails to sales_manager;

-- ------------------------------------------------------------ the job
insert into app.job_kinds (kind, description, idempotent, max_attempts, retry_base_seconds, retry_max_seconds)
values (
    'mail.imap',
    'Fetches new mails from the IMAP mailbox, stores and matches them. Repeating it is harmless (by UID).',
    true, 3, 30, 300
);

insert into app.job_heartbeats (job_name, schedule, description) values
('mail_imap', '* * * * *', 'Queues the IMAP poll of the mailbox every minute when a worker has FRESHPLAN_IMAP_URL.');
