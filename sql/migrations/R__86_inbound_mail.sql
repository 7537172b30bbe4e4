-- Inbound mail (SPEC 8.4): the SQL half of job mail.imap (the mailbox's watermark, storing and
-- matching a mail, EMAIL_RECEIVED on its lead), of job ai.classify_mail (what the AI's answer
-- means: CUSTOMER_REACTION or a task), of job kas.quota (the mailbox's quota), and
-- api.inbound_mails and assign_inbound_mail for managers. The tables are in V013 and V014. Mail
-- text is untrusted: it is stored as text and shown as text, never interpreted here.

-- The installation's one mailbox job of a kind (mail.imap every minute, kas.quota daily, queued by
-- pg_cron): only when a worker has the connector's credentials, and never a second one while one
-- waits or runs, also when two callers ask at once.
-- (before it, one function per kind)
drop function if exists app_private.enqueue_imap_poll();
create or replace function app_private.enqueue_mailbox_job(p_kind text, p_connector text) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    if not exists (select from app.connectors as c where c.connector = p_connector and c.configured) then
        return jsonb_build_object('queued', 0, 'configured', false);
    end if;
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(p_kind, 0));
    if exists (select from app.jobs as j where j.kind = p_kind and j.state in ('PENDING', 'RUNNING')) then
        return jsonb_build_object('queued', 0, 'configured', true);
    end if;
    insert into app.jobs (kind) values (p_kind);
    return jsonb_build_object('queued', 1, 'configured', true);
end
$$;
comment on function app_private.enqueue_mailbox_job(text, text) is
'Queues one job of the kind unless one is waiting or running (only when a worker has the connector).';

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
        update app.imap_mailboxes as b set uidvalidity = p_uidvalidity, last_uid = 0, flagged_uid = 0
        where b.mailbox = p_mailbox
        returning * into v_box;
    end if;
    return jsonb_build_object(
        'tenant_id', v_box.tenant_id, 'last_uid', v_box.last_uid, 'flagged_uid', v_box.flagged_uid
    );
end
$$;
comment on function app_private.imap_mailbox_state(text, text, bigint) is
'The mailbox''s tenant and watermarks for a run; a new UIDVALIDITY resets them.';
grant execute on function app_private.imap_mailbox_state(text, text, bigint) to svc_jobs;

-- The worker flagged the stored messages up to p_uid \Seen (never beyond what is stored).
create or replace function app_private.imap_flagged(p_mailbox text, p_uid bigint) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    update app.imap_mailboxes as b set flagged_uid = greatest(b.flagged_uid, least(p_uid, b.last_uid))
    where b.mailbox = p_mailbox
$$;
comment on function app_private.imap_flagged(text, bigint) is
'Moves the mailbox''s \Seen watermark (at most to what is stored).';
grant execute on function app_private.imap_flagged(text, bigint) to svc_jobs;

-- A run failed (the server down, the login refused): the mailbox's tenant sees it in
-- api.integration_status (the poll job itself belongs to no tenant).
create or replace function app_private.record_imap_error(p_mailbox text, p_error text) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    select app_private.record_connector_error(b.tenant_id, 'mail', p_error)
    from app.imap_mailboxes as b where b.mailbox = p_mailbox
$$;
comment on function app_private.record_imap_error(text, text) is
'Records a failed IMAP run for the mailbox''s tenant (api.integration_status shows it).';
grant execute on function app_private.record_imap_error(text, text) to svc_jobs;

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
    -- a message the server renumbered (a new UIDVALIDITY) is one stored before: recognised by its
    -- Message-ID, sender and size from an earlier UIDVALIDITY only (within one the UID tells messages
    -- apart, and a new message reusing an old Message-ID differs in sender or size)
    if exists (
        select from app.inbound_mails as m
        where
            m.mailbox = p_mailbox and m.message_id = left(p_mail ->> 'message_id', 998) and m.uidvalidity <> p_uidvalidity
            and m.from_address is not distinct from left(lower(p_mail ->> 'from_address'), 254)
            and m.size_bytes = greatest(coalesce((p_mail ->> 'size_bytes')::integer, 0), 0)
    ) then
        update app.imap_mailboxes as b set last_uid = greatest(b.last_uid, p_uid) where b.mailbox = p_mailbox;
        return jsonb_build_object('stored', false, 'renumbered', true);
    end if;
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
        perform app_private.queue_mail_classification(v_mail);
    end if;
    return jsonb_build_object('stored', true, 'id', v_mail.id, 'lead_id', v_mail.lead_id, 'matched_by', v_mail.matched_by);
end
$$;
comment on function app_private.store_inbound_mail(text, bigint, bigint, jsonb) is
'Stores a fetched mail once, matches it to a lead of the mailbox''s tenant, logs EMAIL_RECEIVED and queues its '
'classification, moves the watermark.';
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
    m.assigned_by,
    m.category,
    m.category_confidence,
    m.injection_suspected,
    m.classification,
    m.classification_reason,
    m.classified_at
from app.inbound_mails as m;
comment on view api.inbound_mails is
'Mails from customers fetched from the mailbox: managers see all of the tenant''s, matched ones with their lead '
'and unmatched ones (lead_id null) to assign with assign_inbound_mail; reps the ones matched to leads they may '
'read. Text as the sender wrote it: untrusted.';
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
comment on column api.inbound_mails.category is 'The AI''s label (email_categorize), if it answered.';
comment on column api.inbound_mails.category_confidence is 'Its calibrated confidence.';
comment on column api.inbound_mails.injection_suspected is 'Whether it looked like instructions to the model.';
comment on column api.inbound_mails.classification is
'reaction (logged as CUSTOMER_REACTION, progress), task (the owner confirms), null (not yet, or no owner).';
comment on column api.inbound_mails.classification_reason is
'customer_reaction, not_a_reaction, low_confidence, injection_suspected, budget_exhausted, ai_not_configured, '
'ai_unavailable or ai_refused.';
comment on column api.inbound_mails.classified_at is 'When it was classified.';
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
'EMAIL_RECEIVED on the lead and classified like a matched one.';
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
    perform app_private.queue_mail_classification(v_mail);
    -- no sender address: audit JSON holds no personal data
    perform app_private.write_audit(
        v_mail.tenant_id, 'inbound_mail.assigned', 'inbound_mail', v_mail.id, p_lead_id, null,
        jsonb_build_object('lead_id', p_lead_id), null, false
    );
end
$$;
comment on function app_private.assign_inbound_mail(uuid, uuid) is
'A manager assigns an unmatched mail of the tenant to a lead of the tenant; logged and audited.';
grant execute on function app_private.assign_inbound_mail(uuid, uuid) to sales_manager;

-- ------------------------------------------------------------ classification (SPEC 8.4)
-- A matched mail (not an automatic answer) is read by the AI router (email_categorize) in job
-- ai.classify_mail, as the lead's owner, so the call is billed to the owner's org. The decision
-- what the answer means is made here, not by the worker.

create or replace function app_private.queue_mail_classification(p_mail app.inbound_mails) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    insert into app.jobs (tenant_id, kind, payload, lead_id)
    values (p_mail.tenant_id, 'ai.classify_mail', jsonb_build_object('mail_id', p_mail.id), p_mail.lead_id)
$$;
comment on function app_private.queue_mail_classification(app.inbound_mails) is
'Queues the AI classification of a matched inbound mail (job ai.classify_mail).';

-- What the worker sends to the router and as whom: the mail's subject and text (as much as the use case
-- takes) and the lead owner's identity; owner null when the lead has no active owner now (it went back
-- to the pool), so nobody could confirm it (record_mail_classification then tells the managers). Null
-- when there is nothing to do: classified already, or the lead was pseudonymised.
create or replace function app_private.mail_to_classify(p_mail_id uuid) returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
    select jsonb_build_object(
        'mail_id', m.id,
        'subject', coalesce(m.subject, ''),
        'body', left(m.body_text, 20000),
        'owner', case when u.active then
            jsonb_build_object('sub', u.id, 'role', u.role, 'tenant_id', u.tenant_id, 'org_id', u.org_id)
        end
    )
    from app.inbound_mails as m
    inner join app.leads as l on m.lead_id = l.id
    left join app.users as u on l.owner_id = u.id
    where m.id = p_mail_id and m.classified_at is null and l.pseudonymized_at is null
$$;
comment on function app_private.mail_to_classify(uuid) is
'The text of a mail to classify and its lead owner''s identity (owner null: none active; null: nothing to do).';
grant execute on function app_private.mail_to_classify(uuid) to svc_jobs;

-- Whether a mail's origin is known well enough for the AI's reading to be progress by itself: a reply
-- naming one of our Message-IDs with the random part (only who received our mail knows it), or a mail
-- a manager assigned. A From header, or a V013 id guessable from the job number, is no proof.
create or replace function app.inbound_mail_origin_known(p_mail app.inbound_mails) returns boolean
language sql
stable
set search_path = ''
as $$
    select p_mail.matched_by = 'manager' or (
        p_mail.matched_by in ('in_reply_to', 'references')
        and exists (
            select from app.jobs as j
            where
                j.lead_id = p_mail.lead_id and j.kind = 'mail.send'
                and (j.message_id = p_mail.in_reply_to or j.message_id = any(p_mail.reference_ids))
                and j.message_id ~ '^<job-[0-9]+\.[0-9a-f]{32}@freshplan>$'
        )
    )
$$;
comment on function app.inbound_mail_origin_known(app.inbound_mails) is
'Whether a mail answers one of our mails by its unguessable Message-ID, or was assigned by a manager.';

-- The outcome, once per mail. p_outcome is the router's answer {label, confidence,
-- injection_suspected, call_id} or {error: budget_exhausted | ai_not_configured | ai_unavailable |
-- ai_refused | no_owner}. Progress (CUSTOMER_REACTION) only when everything holds: a customer reaction
-- (SAMPLE_REQUEST, APPOINTMENT, ORDER, PRICE_QUESTION, COMPLAINT) at or above the owner's confidence
-- threshold, no suspected injection, and a known origin; anything else (also anything missing) is a
-- task for the owner to confirm, or a notice to the managers when the lead has no active owner.
create or replace function app_private.record_mail_classification(p_mail_id uuid, p_outcome jsonb) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_lead app.leads;
    v_mail app.inbound_mails;
    v_owner app.users;
    v_label text;
    v_confidence numeric;
    v_injection boolean;
    v_threshold numeric;
    v_reason text;
    v_at timestamptz;
begin
    -- lead, then mail (assign_inbound_mail locks an unmatched mail, then its new lead: never this pair,
    -- since a mail is classified only once it has its lead)
    select l.* into v_lead from app.leads as l
    where l.id = (select m.lead_id from app.inbound_mails as m where m.id = p_mail_id)
    for update;
    select m.* into v_mail from app.inbound_mails as m where m.id = p_mail_id for update;
    if v_mail.id is null or v_mail.classified_at is not null or v_lead.id is null then
        return jsonb_build_object('recorded', false);
    end if;
    select u.* into v_owner from app.users as u where u.id = v_lead.owner_id and u.active;
    if p_outcome ? 'error' then
        v_reason := p_outcome ->> 'error';
        if v_reason is null
            or v_reason not in ('budget_exhausted', 'ai_not_configured', 'ai_unavailable', 'ai_refused', 'no_owner')
        then
            raise exception 'unknown classification error %', coalesce(v_reason, 'null')
                using errcode = 'invalid_parameter_value';
        end if;
    else
        v_label := p_outcome ->> 'label';
        v_confidence := (p_outcome ->> 'confidence')::numeric;
        v_injection := (p_outcome ->> 'injection_suspected')::boolean;
        if v_label is null or v_label !~ '^[A-Z][A-Z_]{1,39}$'
            or v_confidence is null or v_confidence not between 0 and 1 or v_injection is null
        then
            raise exception 'not a classification: %', left(p_outcome::text, 200) using errcode = 'invalid_parameter_value';
        end if;
        v_threshold := (
            app.effective_setting('ai.routing.confidence.threshold', v_lead.tenant_id, v_owner.org_id, v_owner.id)
            #>> '{}'
        )::numeric;
        -- every condition stated positively: whatever is unknown ends as a task
        v_reason := case
            when v_injection then 'injection_suspected'
            when v_label not in ('SAMPLE_REQUEST', 'APPOINTMENT', 'ORDER', 'PRICE_QUESTION', 'COMPLAINT')
                then 'not_a_reaction'
            when not coalesce(v_confidence >= v_threshold, false) then 'low_confidence'
            when not coalesce(app.inbound_mail_origin_known(v_mail), false) then 'sender_unverified'
            else 'customer_reaction'
        end;
    end if;
    if v_owner.id is null then
        v_reason := 'no_owner';
    end if;
    update app.inbound_mails as m
    set
        category = v_label,
        category_confidence = round(v_confidence, 4),
        injection_suspected = v_injection,
        ai_call_id = case
            when p_outcome ->> 'call_id' ~ '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' then (p_outcome ->> 'call_id')::uuid
        end,
        classified_at = pg_catalog.clock_timestamp(),
        classification = case when v_reason = 'customer_reaction' then 'reaction' else 'task' end,
        classification_reason = v_reason
    where m.id = v_mail.id
    returning m.* into v_mail;
    if v_reason = 'customer_reaction' then
        -- when the customer wrote (the Date header, never later than its arrival), within this cycle
        select greatest(least(coalesce(v_mail.sent_at, v_mail.received_at), v_mail.received_at), a.registered_at)
        into v_at
        from app.lead_assignments as a where a.id = v_lead.assignment_id;
        insert into app.activities (tenant_id, lead_id, assignment_id, kind, occurred_at, note)
        values (
            v_mail.tenant_id, v_mail.lead_id, v_lead.assignment_id, 'CUSTOMER_REACTION',
            coalesce(v_at, v_mail.received_at),
            format('Kundenreaktion per E-Mail (%s, erkannt von der KI)', v_label)
        );
    elsif v_owner.id is not null then
        insert into app.notifications (tenant_id, user_id, kind, lead_id, subject, body, dedupe_key, channel)
        values (
            v_mail.tenant_id, v_owner.id, 'MAIL_TO_CONFIRM', v_mail.lead_id,
            'Kundenantwort prüfen',
            left(format(
                'Eine E-Mail zu diesem Lead ist eingegangen (Betreff: "%s"; unter Eingegangene E-Mails). '
                'Bitte prüfen Sie, ob sie eine Kundenreaktion ist, und erfassen Sie sie gegebenenfalls als '
                'Aktivität.',
                regexp_replace(coalesce(v_mail.subject, ''), '[\x01-\x1f\x7f-\x9f\u2028\u2029]', ' ', 'g')
            ), 10000),
            'inbound_mail:' || v_mail.id,
            'TASK'
        )
        on conflict (user_id, dedupe_key) where dedupe_key is not null do nothing;
    else
        -- nobody owns the lead now: the managers decide what the reply means for it
        perform app_private.notify_roles(
            v_mail.tenant_id, array['sales_manager'], 'MAIL_TO_CONFIRM', v_mail.lead_id,
            'Kundenantwort ohne Betreuer',
            'Zu einem Lead ohne aktiven Betreuer ist eine E-Mail eingegangen (unter Eingegangene E-Mails).',
            'inbound_mail:' || v_mail.id
        );
    end if;
    perform app_private.write_audit(
        v_mail.tenant_id, 'inbound_mail.classified', 'inbound_mail', v_mail.id, v_mail.lead_id, null,
        jsonb_build_object(
            'category', v_label, 'confidence', v_mail.category_confidence, 'classification', v_mail.classification,
            'reason', v_reason
        ),
        null, false
    );
    return jsonb_build_object('recorded', true, 'classification', v_mail.classification, 'reason', v_reason);
end
$$;
comment on function app_private.record_mail_classification(uuid, jsonb) is
'Records what the AI made of an inbound mail, once: a confident customer reaction of known origin is '
'CUSTOMER_REACTION (progress), anything else a task for the owner (or a notice to the managers); audited.';
grant execute on function app_private.record_mail_classification(uuid, jsonb) to svc_jobs;

-- ------------------------------------------------------------ the mailbox's quota (KAS)
-- What KAS said: {used_mb, quota_mb, webspace_used_mb, webspace_max_mb} (a null or non-positive limit is
-- none). Above mail.quota.warnPercent the mail connector is degraded (app.connector_troubled) and the
-- tenant's admins are told, once per crossing; below it again, the warning is over.
create or replace function app_private.store_mailbox_quota(p_tenant_slug text, p_mail_login text, p_quota jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_tenant uuid := (select t.id from app.tenants as t where t.slug = p_tenant_slug);
    v_used bigint := (p_quota ->> 'used_mb')::bigint;
    v_quota bigint := nullif(greatest((p_quota ->> 'quota_mb')::bigint, 0), 0);
    v_ws_used bigint := (p_quota ->> 'webspace_used_mb')::bigint;
    v_ws_max bigint := nullif(greatest((p_quota ->> 'webspace_max_mb')::bigint, 0), 0);
    v_percent numeric;
    v_warn numeric;
    v_row app.mailbox_quotas;
    v_was_warned boolean;
begin
    if v_tenant is null then
        raise exception 'FRESHPLAN_IMAP_TENANT names no tenant: %', p_tenant_slug
            using errcode = 'invalid_parameter_value';
    end if;
    if v_used is null or v_used < 0 or v_ws_used < 0 then
        raise exception 'not a quota: %', left(p_quota::text, 200) using errcode = 'invalid_parameter_value';
    end if;
    v_percent := greatest(
        round(100.0 * v_used / v_quota, 2),
        round(100.0 * v_ws_used / v_ws_max, 2)
    );
    v_warn := (app.effective_setting('mail.quota.warnPercent', v_tenant, null, null) #>> '{}')::numeric;
    select q.warned_at is not null into v_was_warned
    from app.mailbox_quotas as q where q.tenant_id = v_tenant and q.mail_login = p_mail_login
    for update;
    insert into app.mailbox_quotas as q (
        tenant_id, mail_login, used_mb, quota_mb, webspace_used_mb, webspace_max_mb, percent, checked_at, warned_at
    )
    values (
        v_tenant, left(p_mail_login, 254), v_used, v_quota, v_ws_used, v_ws_max, v_percent,
        pg_catalog.clock_timestamp(), case when v_percent > v_warn then pg_catalog.clock_timestamp() end
    )
    on conflict (tenant_id, mail_login) do update
    set
        used_mb = excluded.used_mb, quota_mb = excluded.quota_mb, webspace_used_mb = excluded.webspace_used_mb,
        webspace_max_mb = excluded.webspace_max_mb, percent = excluded.percent, checked_at = excluded.checked_at,
        warned_at = case when excluded.percent > v_warn then coalesce(q.warned_at, excluded.checked_at) end
    returning q.* into v_row;
    if v_row.warned_at is not null and not coalesce(v_was_warned, false) then
        perform app_private.notify_roles(
            v_tenant, array['tenant_admin'], 'MAILBOX_FULL', null,
            'Postfach fast voll',
            format(
                'Das Postfach %s ist zu %s %% belegt (Warnschwelle %s %%). Ist es voll, gehen Antworten von '
                'Kunden verloren: bitte alte Nachrichten archivieren oder das Kontingent erhöhen.',
                v_row.mail_login, v_row.percent, v_warn
            ),
            'mailbox_quota:' || v_row.mail_login || ':' || extract(epoch from v_row.warned_at)::text
        );
    end if;
    perform app_private.record_connector_success(v_tenant, 'kas');
    return jsonb_build_object(
        'percent', v_row.percent, 'warned', v_row.warned_at is not null,
        'notified', v_row.warned_at is not null and not coalesce(v_was_warned, false)
    );
end
$$;
comment on function app_private.store_mailbox_quota(text, text, jsonb) is
'Stores the mailbox''s quota and usage from KAS; above mail.quota.warnPercent the mail connector is degraded '
'and the tenant''s admins are notified once.';
grant execute on function app_private.store_mailbox_quota(text, text, jsonb) to svc_jobs;

create or replace function app_private.record_kas_error(p_tenant_slug text, p_error text) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    select app_private.record_connector_error(t.id, 'kas', p_error) from app.tenants as t where t.slug = p_tenant_slug
$$;
comment on function app_private.record_kas_error(text, text) is
'Records a failed KAS quota check for the tenant of the mailbox (api.integration_status shows it).';
grant execute on function app_private.record_kas_error(text, text) to svc_jobs;

-- GDPR (app_private.pseudonymize_released_leads): the mails of pseudonymised leads lose what names a
-- person: the sender's address becomes its SHA-256 hex (as the lead's contact address does), name,
-- subject and text go; so do the addresses and subjects in their activities and tasks.
create or replace function app_private.pseudonymize_inbound_mails(p_leads uuid[]) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    update app.inbound_mails as m
    set
        from_address = pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(m.from_address, 'UTF8')), 'hex'),
        from_name = null,
        subject = null,
        body_text = ''
    where m.lead_id = any(p_leads) and m.from_address is not null;
    update app.inbound_mails as m set from_name = null, subject = null, body_text = ''
    where m.lead_id = any(p_leads) and m.from_address is null;
    update app.activities as a set note = 'E-Mail vom Kunden (pseudonymisiert).'
    where a.lead_id = any(p_leads) and a.kind = 'EMAIL_RECEIVED';
    update app.notifications as n
    set body = 'Eine E-Mail zu diesem Lead ist eingegangen (pseudonymisiert).'
    where n.lead_id = any(p_leads) and n.kind = 'MAIL_TO_CONFIRM';
$$;
comment on function app_private.pseudonymize_inbound_mails(uuid[]) is
'Blanks the personal data of the inbound mails (and their activities and tasks) of pseudonymised leads.';
