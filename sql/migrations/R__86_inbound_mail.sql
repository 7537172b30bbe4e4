-- Inbound mail (SPEC 8.4): the SQL half of job mail.imap (the mailbox's watermark, storing and
-- matching a mail, EMAIL_RECEIVED on its lead), api.inbound_mails and assign_inbound_mail for
-- managers. The tables are in V013__inbound_mail.sql. Mail text is untrusted: it is stored as
-- text and shown as text, never interpreted here.

-- Queued every minute by pg_cron (job mail_imap), only when a worker has FRESHPLAN_IMAP_URL, and
-- never a second time while one waits or runs.
create or replace function app_private.enqueue_imap_poll() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    if not exists (select from app.connectors as c where c.connector = 'mail' and c.configured) then
        return jsonb_build_object('queued', 0, 'configured', false);
    end if;
    -- one waiting or running poll at a time, also when two callers ask at once
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('mail.imap', 0));
    if exists (select from app.jobs as j where j.kind = 'mail.imap' and j.state in ('PENDING', 'RUNNING')) then
        return jsonb_build_object('queued', 0, 'configured', true);
    end if;
    insert into app.jobs (kind) values ('mail.imap');
    return jsonb_build_object('queued', 1, 'configured', true);
end
$$;
comment on function app_private.enqueue_imap_poll() is
'Queues one mail.imap job unless one is waiting or running (only when a worker has the mailbox).';

-- The worker starts a run: the mailbox's row (created for the tenant on first use) with its watermark;
-- a changed UIDVALIDITY starts the watermark over (messages already stored are recognised by their
-- Message-ID, so they are not stored twice).
create or replace function app_private.imap_mailbox_state(
    p_mailbox text, p_tenant_slug text, p_uidvalidity bigint
) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_tenant uuid := (select t.id from app.tenants as t where t.slug = p_tenant_slug);
    v_box app.imap_mailboxes;
begin
    if v_tenant is null then
        raise exception 'FRESHPLAN_IMAP_TENANT names no tenant: %', p_tenant_slug
            using errcode = 'invalid_parameter_value';
    end if;
    insert into app.imap_mailboxes (mailbox, tenant_id, uidvalidity)
    values (p_mailbox, v_tenant, p_uidvalidity)
    on conflict (mailbox) do update set tenant_id = excluded.tenant_id
    returning * into v_box;
    if v_box.uidvalidity is distinct from p_uidvalidity then
        update app.imap_mailboxes as b set uidvalidity = p_uidvalidity, last_uid = 0
        where b.mailbox = p_mailbox
        returning * into v_box;
    end if;
    return jsonb_build_object('tenant_id', v_box.tenant_id, 'last_uid', v_box.last_uid);
end
$$;
comment on function app_private.imap_mailbox_state(text, text, bigint) is
'The mailbox''s tenant and watermark for a run; a new UIDVALIDITY resets the watermark.';
grant execute on function app_private.imap_mailbox_state(text, text, bigint) to svc_jobs;

-- The lead a mail belongs to: the one whose mail to a customer it answers (In-Reply-To, then
-- References, against our outbound Message-IDs; mails to our own users, the protection notices, do
-- not count), else the one owned lead of the tenant whose contact address sent it. Never a
-- pseudonymised lead; none when the sender is ambiguous.
create or replace function app.inbound_mail_lead(
    p_tenant_id uuid, p_in_reply_to text, p_references text[], p_from text
) returns table (lead_id uuid, matched_by text)
language sql
stable
set search_path = ''
as $$
    select m.lead_id, m.matched_by
    from (
        (
            select j.lead_id, 'in_reply_to'::text as matched_by, 1 as priority
            from app.jobs as j
            inner join app.leads as l on j.lead_id = l.id
            where
                j.message_id = p_in_reply_to and j.tenant_id = p_tenant_id and j.user_id is null
                and l.pseudonymized_at is null
            limit 1
        )
        union all
        (
            select j.lead_id, 'references'::text, 2
            from app.jobs as j
            inner join app.leads as l on j.lead_id = l.id
            where
                j.message_id = any(p_references) and j.tenant_id = p_tenant_id and j.user_id is null
                and l.pseudonymized_at is null
            order by j.id desc
            limit 1
        )
        union all
        (
            select min(d.lead_id::text)::uuid, 'sender'::text, 3
            from app.lead_details as d
            inner join app.leads as l on d.lead_id = l.id
            where
                d.tenant_id = p_tenant_id and lower(d.contact_email) = p_from
                and l.owner_id is not null and l.pseudonymized_at is null
            having count(*) = 1
        )
    ) as m
    order by m.priority
    limit 1
$$;
comment on function app.inbound_mail_lead(uuid, text, text[], text) is
'The lead a mail answers (our Message-ID of a mail to a customer in In-Reply-To or References), else the one '
'owned lead with its sender as contact address; none when ambiguous; never a pseudonymised lead.';

-- Stores one fetched mail (once: by UID, and by Message-ID across a UIDVALIDITY change), matches it,
-- logs EMAIL_RECEIVED on its lead, and moves the watermark, in one transaction.
create or replace function app_private.store_inbound_mail(
    p_mailbox text, p_uidvalidity bigint, p_uid bigint, p_mail jsonb
) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_box app.imap_mailboxes;
    v_mail app.inbound_mails;
    v_match record;
    v_refs text[];
begin
    select b.* into v_box from app.imap_mailboxes as b where b.mailbox = p_mailbox for update;
    if v_box.mailbox is null then
        raise exception 'unknown mailbox %', p_mailbox using errcode = 'invalid_parameter_value';
    end if;
    v_refs := coalesce(
        (select array_agg(left(r.value, 998)) from jsonb_array_elements_text(p_mail -> 'references') with ordinality as r
         where r.ordinality <= 50),
        '{}'
    );
    select m.lead_id, m.matched_by into v_match
    from app.inbound_mail_lead(
        v_box.tenant_id, p_mail ->> 'in_reply_to', v_refs, lower(p_mail ->> 'from_address')
    ) as m;
    insert into app.inbound_mails (
        tenant_id, mailbox, uidvalidity, uid, message_id, in_reply_to, reference_ids, from_address, from_name,
        subject, sent_at, body_text, size_bytes, truncated, lead_id, matched_by
    )
    values (
        v_box.tenant_id, p_mailbox, p_uidvalidity, p_uid,
        left(p_mail ->> 'message_id', 998),
        left(p_mail ->> 'in_reply_to', 998),
        v_refs,
        left(lower(p_mail ->> 'from_address'), 254),
        left(p_mail ->> 'from_name', 200),
        left(p_mail ->> 'subject', 998),
        (p_mail ->> 'sent_at')::timestamptz,
        left(coalesce(p_mail ->> 'body_text', ''), 100000),
        greatest(coalesce((p_mail ->> 'size_bytes')::integer, 0), 0),
        coalesce((p_mail ->> 'truncated')::boolean, false) or char_length(p_mail ->> 'body_text') > 100000,
        v_match.lead_id,
        v_match.matched_by
    )
    on conflict do nothing
    returning * into v_mail;
    update app.imap_mailboxes as b set last_uid = greatest(b.last_uid, p_uid) where b.mailbox = p_mailbox;
    if v_mail.id is null then
        return jsonb_build_object('stored', false);
    end if;
    -- an out-of-office note is kept with its lead, but is no contact with the customer
    if v_mail.lead_id is not null and not coalesce((p_mail ->> 'automatic')::boolean, false) then
        perform app_private.log_mail_received(v_mail);
    end if;
    return jsonb_build_object('stored', true, 'id', v_mail.id, 'lead_id', v_mail.lead_id, 'matched_by', v_mail.matched_by);
end
$$;
comment on function app_private.store_inbound_mail(text, bigint, bigint, jsonb) is
'Stores a fetched mail once, matches it to a lead of the mailbox''s tenant, logs EMAIL_RECEIVED, moves the '
'watermark.';
grant execute on function app_private.store_inbound_mail(text, bigint, bigint, jsonb) to svc_jobs;

-- EMAIL_RECEIVED on the mail's lead (not progress: a reply that is progress is classified first).
create or replace function app_private.log_mail_received(p_mail app.inbound_mails) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_lead app.leads;
begin
    select l.* into v_lead from app.leads as l where l.id = p_mail.lead_id for update;
    insert into app.activities (tenant_id, lead_id, assignment_id, kind, occurred_at, note)
    values (
        p_mail.tenant_id, p_mail.lead_id, v_lead.assignment_id, 'EMAIL_RECEIVED',
        least(coalesce(p_mail.sent_at, p_mail.received_at), p_mail.received_at),
        left(format('E-Mail von %s: %s', coalesce(p_mail.from_address, 'unbekannt'), coalesce(p_mail.subject, '')), 5000)
    );
end
$$;
comment on function app_private.log_mail_received(app.inbound_mails) is
'Logs the EMAIL_RECEIVED activity of a matched inbound mail.';

create or replace function app_private.finish_imap_run(p_mailbox text, p_result jsonb) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    update app.imap_mailboxes as b set last_run_at = pg_catalog.clock_timestamp() where b.mailbox = p_mailbox;
    insert into app.connector_states as s (tenant_id, connector, last_success_at, last_result)
    select b.tenant_id, 'mail', pg_catalog.clock_timestamp(), p_result from app.imap_mailboxes as b
    where b.mailbox = p_mailbox
    on conflict (tenant_id, connector) do update
    set last_success_at = excluded.last_success_at, last_result = excluded.last_result;
$$;
comment on function app_private.finish_imap_run(text, jsonb) is
'Records a finished IMAP run (api.integration_status shows it).';
grant execute on function app_private.finish_imap_run(text, jsonb) to svc_jobs;

-- ------------------------------------------------------------ managers
create or replace view api.inbound_mails
with (security_invoker = true)
as
select
    m.id,
    m.lead_id,
    m.matched_by,
    m.from_address,
    m.from_name,
    m.subject,
    m.sent_at,
    m.received_at,
    m.body_text,
    m.truncated,
    m.size_bytes,
    m.assigned_by
from app.inbound_mails as m;
comment on view api.inbound_mails is
'Mails from customers fetched from the mailbox (managers): matched ones with their lead, unmatched ones '
'(lead_id null) to assign with assign_inbound_mail. Text as the sender wrote it: untrusted.';
comment on column api.inbound_mails.id is 'Mail id.';
comment on column api.inbound_mails.lead_id is 'The lead it belongs to; null: not matched yet.';
comment on column api.inbound_mails.matched_by is 'in_reply_to, references, sender or manager.';
comment on column api.inbound_mails.from_address is 'Sender address.';
comment on column api.inbound_mails.from_name is 'Sender name.';
comment on column api.inbound_mails.subject is 'Subject.';
comment on column api.inbound_mails.sent_at is 'Date header.';
comment on column api.inbound_mails.received_at is 'When it was fetched.';
comment on column api.inbound_mails.body_text is 'Text body, at most 100 000 characters.';
comment on column api.inbound_mails.truncated is 'Whether the body was cut.';
comment on column api.inbound_mails.size_bytes is 'Size of the whole message.';
comment on column api.inbound_mails.assigned_by is 'The manager who assigned it.';
grant select on api.inbound_mails to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.assign_inbound_mail(mail_id uuid, lead_id uuid) returns setof api.inbound_mails
language plpgsql
volatile
rows 1
as $$
begin
    perform app.require_role(array['sales_manager']);
    perform app_private.assign_inbound_mail(assign_inbound_mail.mail_id, assign_inbound_mail.lead_id);
    return query select m.* from api.inbound_mails as m where m.id = assign_inbound_mail.mail_id;
end
$$;
comment on function api.assign_inbound_mail(uuid, uuid) is
'Assigns an unmatched inbound mail to a lead of the tenant (managers; audited): it is logged as '
'EMAIL_RECEIVED on the lead.';
grant execute on function api.assign_inbound_mail(uuid, uuid) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function app_private.assign_inbound_mail(p_mail_id uuid, p_lead_id uuid) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_mail app.inbound_mails;
begin
    perform app.require_role(array['sales_manager']);
    if not exists (
        select from app.leads as l where l.id = p_lead_id and l.tenant_id = app.current_tenant_id()
    ) then
        perform app.raise_error('FP305', 404, 'The lead does not exist.', 'lead_id');
    end if;
    select m.* into v_mail from app.inbound_mails as m
    where m.id = p_mail_id and m.tenant_id = app.current_tenant_id()
    for update;
    if v_mail.id is null then
        perform app.raise_error('FP831', 404, 'The inbound mail does not exist.', 'mail_id');
    end if;
    if v_mail.lead_id is not null then
        perform app.raise_error('FP832', 409, 'The mail belongs to a lead already.', 'mail_id');
    end if;
    update app.inbound_mails as m
    set lead_id = p_lead_id, matched_by = 'manager', assigned_by = app.current_user_id()
    where m.id = v_mail.id
    returning * into v_mail;
    perform app_private.log_mail_received(v_mail);
    perform app_private.write_audit(
        v_mail.tenant_id, 'inbound_mail.assigned', 'inbound_mail', v_mail.id, p_lead_id, null,
        jsonb_build_object('lead_id', p_lead_id, 'from_address', v_mail.from_address), null, false
    );
end
$$;
comment on function app_private.assign_inbound_mail(uuid, uuid) is
'A manager assigns an unmatched mail of the tenant to a lead of the tenant; logged and audited.';
grant execute on function app_private.assign_inbound_mail(uuid, uuid) to sales_manager;
