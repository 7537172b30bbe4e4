-- Inbound mail, second part (SPEC 8.4): the AI's reading of a matched reply (job ai.classify_mail),
-- the mailbox's quota from all-inkl's KAS API (job kas.quota, daily), Message-IDs nobody can guess,
-- and a Message-ID that no longer hides a second message. Structure only; the functions live in
-- R__86_inbound_mail.sql. Frozen once on main: change it with a new V file.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- ------------------------------------------------------------ outbound Message-IDs
-- V013 derived the Message-ID from the job id alone; a reply naming it can now count as the
-- customer's progress, so it carries a random part too (only who received our mail knows it).
-- The ids of mails already sent stay as they were: replies to them must still find their lead.
alter table app.jobs alter column message_id drop expression;
comment on column app.jobs.message_id is
'mail.send: the Message-ID the mail is sent with (<job-N.random@freshplan>; replies name it in '
'In-Reply-To/References). Set by the insert trigger.';

-- ------------------------------------------------------------ one Message-ID, two messages
-- A Message-ID is chosen by the sender: two different messages may carry the same one (a broken
-- mailer, or on purpose). Within one UIDVALIDITY the UID tells messages apart; the Message-ID only
-- recognises a message the server renumbered (app_private.store_inbound_mail).
drop index app.inbound_mails_message_id_key;
create index inbound_mails_message_id_idx on app.inbound_mails (mailbox, message_id) where message_id is not null;

-- ------------------------------------------------------------ classification
alter table app.inbound_mails
add column category text,
add column category_confidence numeric(5, 4),
add column injection_suspected boolean,
add column ai_call_id uuid,
add column classified_at timestamptz,
add column classification text,
add column classification_reason text,
add constraint inbound_mails_category_format check (category ~ '^[A-Z][A-Z_]{1,39}$'),
add constraint inbound_mails_category_confidence_range check (category_confidence between 0 and 1),
add constraint inbound_mails_classification_known check (classification in ('reaction', 'task')),
add constraint inbound_mails_classification_reason_known check (
    classification_reason in (
        'customer_reaction', 'not_a_reaction', 'low_confidence', 'injection_suspected',
        'budget_exhausted', 'ai_not_configured', 'ai_unavailable', 'ai_refused'
    )
),
add constraint inbound_mails_classified check ((classified_at is null) = (classification is null));
comment on column app.inbound_mails.category is 'The AI''s label (email_categorize), when it answered.';
comment on column app.inbound_mails.category_confidence is 'Its calibrated confidence.';
comment on column app.inbound_mails.injection_suspected is
'Whether the mail looked like instructions to the model (the model''s or the router''s own verdict).';
comment on column app.inbound_mails.ai_call_id is 'The router call (app.ai_calls.id; no key: calls are purged).';
comment on column app.inbound_mails.classified_at is 'When the outcome was recorded.';
comment on column app.inbound_mails.classification is
'reaction: logged as CUSTOMER_REACTION (progress); task: the owner got a task to confirm.';
comment on column app.inbound_mails.classification_reason is
'Why: customer_reaction, not_a_reaction, low_confidence, injection_suspected, budget_exhausted, '
'ai_not_configured, ai_unavailable or ai_refused.';

insert into app.job_kinds (kind, description, idempotent, max_attempts, retry_base_seconds, retry_max_seconds)
values (
    'ai.classify_mail',
    'Asks the AI router (email_categorize, as the lead''s owner) what a matched reply is; a customer reaction '
    'is progress, anything else a task for the owner. Repeating it is harmless (recorded once).',
    true, 8, 60, 3600
);

-- ------------------------------------------------------------ KAS: the mailbox's quota
insert into app.connectors (connector, description) values
('kas', 'all-inkl KAS API: the mailbox''s quota and usage, read daily (a full mailbox loses replies).');

create table app.mailbox_quotas (
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    mail_login text not null,
    used_mb bigint not null,
    quota_mb bigint,
    webspace_used_mb bigint,
    webspace_max_mb bigint,
    percent numeric(6, 2),
    checked_at timestamptz not null default pg_catalog.clock_timestamp(),
    warned_at timestamptz,
    primary key (tenant_id, mail_login),
    constraint mailbox_quotas_login_length check (char_length(mail_login) between 1 and 254),
    constraint mailbox_quotas_used_range check (used_mb >= 0),
    constraint mailbox_quotas_quota_range check (quota_mb > 0),
    constraint mailbox_quotas_webspace_range check (webspace_used_mb >= 0 and webspace_max_mb > 0),
    constraint mailbox_quotas_percent_range check (percent >= 0)
);
comment on table app.mailbox_quotas is
'The mailbox''s space as KAS reported it last (job kas.quota): above the warning level the mail connector is '
'degraded and the tenant''s admins are told once.';
comment on column app.mailbox_quotas.tenant_id is 'Tenant (FRESHPLAN_IMAP_TENANT).';
comment on column app.mailbox_quotas.mail_login is 'The KAS mail account (m0...) or the address it was found by.';
comment on column app.mailbox_quotas.used_mb is 'Space used (used_mailaccount_space, MB).';
comment on column app.mailbox_quotas.quota_mb is 'The account''s quota (quota_rule, MB); null: no limit.';
comment on column app.mailbox_quotas.webspace_used_mb is 'The KAS account''s web space used (MB), which mail shares.';
comment on column app.mailbox_quotas.webspace_max_mb is 'Its limit (MB); null: unlimited.';
comment on column app.mailbox_quotas.percent is 'The fuller of the two, in percent; null: no limit.';
comment on column app.mailbox_quotas.checked_at is 'When KAS was read.';
comment on column app.mailbox_quotas.warned_at is
'Since when it is above the warning level (the admins were told then); null: below.';
alter table app.mailbox_quotas enable row level security;
create policy select_admin on app.mailbox_quotas
for select to tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_admin on app.mailbox_quotas is 'Tenant admins read their mailbox''s quota.';
grant select on app.mailbox_quotas to tenant_admin;

insert into app.settings_registry (key, allowed_scopes, default_value, json_schema, merge_strategy, description)
values (
    'mail.quota.warnPercent', '{global,tenant}', '90',
    '{"type": "number", "minimum": 1, "maximum": 100}', 'replace',
    'Mailbox use (percent of its quota) above which the mail connector is degraded and admins are notified.'
);

insert into app.job_kinds (kind, description, idempotent, max_attempts, retry_base_seconds, retry_max_seconds)
values (
    'kas.quota',
    'Reads the mailbox''s quota and usage from the KAS API (honouring KasFloodDelay). Repeating it is harmless.',
    true, 5, 300, 3600
);

insert into app.job_heartbeats (job_name, schedule, description) values
('kas_quota', '23 5 * * *', 'Queues the daily KAS quota check of the mailbox when a worker has KAS credentials.');
