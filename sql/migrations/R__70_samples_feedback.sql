-- The product catalogue view, sample boxes, test phases, feedback links and the public feedback functions.
-- Repeatable (Flyway re-applies this file after the V files whenever its text changes; R__ files
-- run in name order, so a file may use what an earlier one defines). Every definition here is
-- the current text of its object: edit it in place. A view whose columns change is dropped and
-- recreated here, a function whose signature changes is dropped here first.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- The api views of SPEC 4.1 (leads and everything around them).

create or replace view api.products
with (security_invoker = true)
as
select
    p.sku,
    p.name,
    p.unit,
    p.active,
    p.net_price,
    p.currency,
    p.synced_at
from app.products as p;
comment on view api.products is
'The product catalogue of the caller''s tenant (synced from Xentral where configured; inactive products stay).';
comment on column api.products.sku is 'Article number (Xentral number).';
comment on column api.products.name is 'Name.';
comment on column api.products.unit is 'Sales unit.';
comment on column api.products.active is 'Still sold (for a Xentral product: not disabled, deleted or gone there).';
comment on column api.products.net_price is 'Net sales price from Xentral, if synced.';
comment on column api.products.currency is 'Currency of the price.';
comment on column api.products.synced_at is 'When the Xentral sync last changed it (null: not from Xentral).';

grant select on api.products to sales_rep, sales_manager, auditor, tenant_admin;

-- Sample boxes, test phases, test results and product feedback (SPEC 6), with the feedback link
-- tokens. The owner of a live lead and managers write (through the api functions); collaborators
-- read; managers, auditors and admins read the tenant; nobody else sees anything.

-- The state of a feedback link at a moment (one place for the rule).
create or replace function app.feedback_link_state(
    p_expires_at timestamptz, p_revoked_at timestamptz, p_submissions integer, p_max_submissions integer,
    p_at timestamptz
) returns text
language sql
immutable
as $$
    select case
        when p_expires_at is null then 'NONE'
        when p_revoked_at is not null then 'REVOKED'
        when p_submissions >= p_max_submissions then 'EXHAUSTED'
        when p_at >= p_expires_at then 'EXPIRED'
        else 'ACTIVE'
    end
$$;
comment on function app.feedback_link_state(timestamptz, timestamptz, integer, integer, timestamptz) is
'NONE, REVOKED, EXHAUSTED, EXPIRED or ACTIVE: whether a feedback link accepts submissions at a moment.';
grant execute on function app.feedback_link_state(timestamptz, timestamptz, integer, integer, timestamptz)
to sales_rep, sales_manager, auditor, tenant_admin, svc_api;

-- ------------------------------------------------------------ api views
create or replace view api.sample_boxes
with (security_invoker = true)
as
select
    b.id,
    b.lead_id,
    b.configured_by,
    b.configured_at,
    b.notes,
    coalesce(i.items, '[]') as items
from app.sample_boxes as b
left join lateral (
    select
        jsonb_agg(
            jsonb_build_object('sku', si.sku, 'name', p.name, 'unit', p.unit, 'qty', si.qty) order by si.sku
        ) as items
    from app.sample_box_items as si
    inner join app.products as p on si.tenant_id = p.tenant_id and si.sku = p.sku
    where si.box_id = b.id
) as i on true;
comment on view api.sample_boxes is 'Sample boxes of leads the caller may read in full.';
comment on column api.sample_boxes.id is 'Box id.';
comment on column api.sample_boxes.lead_id is 'Lead.';
comment on column api.sample_boxes.configured_by is 'Who put it together.';
comment on column api.sample_boxes.configured_at is 'When.';
comment on column api.sample_boxes.notes is 'Free text.';
comment on column api.sample_boxes.items is 'Products: [{sku, name, unit, qty}], by SKU.';

grant select on api.sample_boxes to sales_rep, sales_manager, auditor, tenant_admin;

create or replace view api.test_phases
with (security_invoker = true)
as
select
    ph.id,
    ph.lead_id,
    ph.box_id,
    ph.stage,
    ph.start_date,
    ph.end_date,
    ph.created_by,
    ph.created_at,
    app.feedback_link_state(t.expires_at, t.revoked_at, t.submissions, t.max_submissions, clock.t)
        as feedback_link_state,
    t.created_at as feedback_link_issued_at,
    t.expires_at as feedback_link_expires_at,
    t.submissions as feedback_submissions,
    t.max_submissions as feedback_max_submissions
from app.test_phases as ph
cross join (select app.now() as t limit 1) as clock  -- noqa: ST05, AM09
left join lateral (
    select
        ft.created_at,
        ft.expires_at,
        ft.revoked_at,
        ft.submissions,
        ft.max_submissions
    from app_private.feedback_tokens as ft
    where ft.phase_id = ph.id
    -- the unrevoked link is the current one (issuing a link revokes the others)
    order by ft.revoked_at is null desc, ft.created_at desc, ft.id desc
    limit 1
) as t on true;
comment on view api.test_phases is
'Test phases of leads the caller may read in full, with the state of their latest feedback link.';
comment on column api.test_phases.id is 'Phase id.';
comment on column api.test_phases.lead_id is 'Lead.';
comment on column api.test_phases.box_id is 'Sample box tested.';
comment on column api.test_phases.stage is 'SAMPLE, TRIAL or PRODUCTION_CANDIDATE.';
comment on column api.test_phases.start_date is 'First day.';
comment on column api.test_phases.end_date is 'Last day (null: open-ended).';
comment on column api.test_phases.created_by is 'Who started it.';
comment on column api.test_phases.created_at is 'When.';
comment on column api.test_phases.feedback_link_state is
'ACTIVE, EXPIRED, REVOKED, EXHAUSTED, or NONE (no link issued).';
comment on column api.test_phases.feedback_link_issued_at is 'When the current link was issued.';
comment on column api.test_phases.feedback_link_expires_at is 'When the current link expires.';
comment on column api.test_phases.feedback_submissions is 'Submissions through the current link.';
comment on column api.test_phases.feedback_max_submissions is 'Submissions the current link accepts.';

grant select on api.test_phases to sales_rep, sales_manager, auditor, tenant_admin;

create or replace view api.test_results
with (security_invoker = true)
as
select
    r.id,
    r.phase_id,
    r.lead_id,
    r.sku,
    r.outcome,
    r.sell_through,
    r.waste_delta,
    r.notes,
    r.recorded_by,
    r.recorded_at
from app.test_results as r;
comment on view api.test_results is 'Results of test phases per product, of leads the caller may read in full.';
comment on column api.test_results.id is 'Result id.';
comment on column api.test_results.phase_id is 'Test phase.';
comment on column api.test_results.lead_id is 'Lead.';
comment on column api.test_results.sku is 'Article number.';
comment on column api.test_results.outcome is 'SUCCESS, MIXED or FAIL.';
comment on column api.test_results.sell_through is 'Share sold, percent.';
comment on column api.test_results.waste_delta is 'Change of waste, percentage points.';
comment on column api.test_results.notes is 'Free text.';
comment on column api.test_results.recorded_by is 'Who recorded it.';
comment on column api.test_results.recorded_at is 'When.';

grant select on api.test_results to sales_rep, sales_manager, auditor, tenant_admin;

create or replace view api.product_feedback
with (security_invoker = true)
as
select
    f.id,
    f.phase_id,
    f.lead_id,
    f.sku,
    f.rating,
    f.comment,
    f.would_reorder,
    f.contact_name,
    f.contact_role,
    f.source,
    f.received_at,
    f.recorded_by,
    f.submission_id,
    s.comment as submission_comment
from app.product_feedback as f
left join app.feedback_submissions as s on f.submission_id = s.id;
comment on view api.product_feedback is
'Customer feedback per product of test phases, of leads the caller may read in full.';
comment on column api.product_feedback.id is 'Feedback id.';
comment on column api.product_feedback.phase_id is 'Test phase.';
comment on column api.product_feedback.lead_id is 'Lead.';
comment on column api.product_feedback.sku is 'Article number.';
comment on column api.product_feedback.rating is '1 to 5 stars.';
comment on column api.product_feedback.comment is 'Comment on the product.';
comment on column api.product_feedback.would_reorder is 'Would reorder (null: no answer).';
comment on column api.product_feedback.contact_name is 'Who gave it.';
comment on column api.product_feedback.contact_role is 'CHEF, BUYER, GM or OTHER.';
comment on column api.product_feedback.source is 'EMAIL, FORM, PHONE or VISIT.';
comment on column api.product_feedback.received_at is 'When it was given.';
comment on column api.product_feedback.recorded_by is 'Who recorded it (null: the form).';
comment on column api.product_feedback.submission_id is 'The form submission (FORM only).';
comment on column api.product_feedback.submission_comment is 'The overall comment of that submission.';

grant select on api.product_feedback to sales_rep, sales_manager, auditor, tenant_admin;

-- Feedback links of test phases: issuing (32 random bytes, only the SHA-256 stored), revoking,
-- and the invitation and reminder mails through the job queue (SPEC 6).

-- The public link of a raw token.
create or replace function app.feedback_link(p_token text) returns text
language sql
stable
as $$
    select
        rtrim(app.effective_setting('sample.feedback.linkBase', null, null, null) #>> '{}', '/')
        || '/feedback/' || p_token
$$;
comment on function app.feedback_link(text) is
'The public feedback page of a raw token: <sample.feedback.linkBase>/feedback/<token>.';
grant execute on function app.feedback_link(text) to sales_rep, sales_manager;

-- The raw feedback link must not outlive the message that carries it.
create or replace function app_private.tg_jobs__forget_link() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if new.state <> 'PENDING' and new.payload ? 'link' then
        new.payload := new.payload - 'link';
    end if;
    return new;
end
$$;
comment on function app_private.tg_jobs__forget_link() is
'Removes the feedback link from a mail job once it is done, parked or cancelled.';
create or replace trigger _100_forget_link
before update of state on app.jobs
for each row execute function app_private.tg_jobs__forget_link();

-- ------------------------------------------------------------ consistency of the sample rows
-- A sample row names its lead for row-level security and its box or phase for what it is: both
-- must agree, however the row is written, or a rep could put rows into another lead's box or phase
-- by naming their own lead. Definer, so the parent is found whoever may see it. (Composite foreign
-- keys would say the same, but PostgREST then no longer shows the relationships in its OpenAPI.)
create or replace function app_private.tg_samples__same_box_lead() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if not exists (select from app.sample_boxes as b where b.id = new.box_id and b.lead_id = new.lead_id) then
        raise exception 'a % row belongs to the lead of its sample box', tg_table_name
            using errcode = 'foreign_key_violation';
    end if;
    return new;
end
$$;
comment on function app_private.tg_samples__same_box_lead() is
'Refuses a box item or test phase whose lead is not the lead of its sample box.';
create or replace trigger _010_same_lead
before insert or update of lead_id, box_id on app.sample_box_items
for each row execute function app_private.tg_samples__same_box_lead();
create or replace trigger _010_same_lead
before insert or update of lead_id, box_id on app.test_phases
for each row execute function app_private.tg_samples__same_box_lead();

create or replace function app_private.tg_samples__same_phase_lead() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if not exists (select from app.test_phases as p where p.id = new.phase_id and p.lead_id = new.lead_id) then
        raise exception 'a % row belongs to the lead of its test phase', tg_table_name
            using errcode = 'foreign_key_violation';
    end if;
    return new;
end
$$;
comment on function app_private.tg_samples__same_phase_lead() is
'Refuses a result, link, submission or feedback row whose lead is not the lead of its test phase.';
create or replace trigger _010_same_lead
before insert or update of lead_id, phase_id on app.test_results
for each row execute function app_private.tg_samples__same_phase_lead();
create or replace trigger _010_same_lead
before insert or update of lead_id, phase_id on app_private.feedback_tokens
for each row execute function app_private.tg_samples__same_phase_lead();
create or replace trigger _010_same_lead
before insert or update of lead_id, phase_id on app.feedback_submissions
for each row execute function app_private.tg_samples__same_phase_lead();
create or replace trigger _010_same_lead
before insert or update of lead_id, phase_id on app.product_feedback
for each row execute function app_private.tg_samples__same_phase_lead();

-- ------------------------------------------------------------ internal helpers (granted to nobody)

-- The phase, locked, if the caller may change its samples: a manager of the tenant, or the rep who
-- owns the live lead. Definer functions bypass RLS, so this check is theirs.
create or replace function app_private.phase_for_sample_write(p_phase_id uuid) returns app.test_phases
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_phase app.test_phases;
    v_lead app.leads;
begin
    select ph.* into v_phase from app.test_phases as ph
    where ph.id = p_phase_id and ph.tenant_id = app.current_tenant_id();
    if v_phase.id is null then
        perform app.raise_error('FP904', 404, 'The test phase does not exist.', 'phase_id');
    end if;
    -- lead before phase before token: the order every sample and feedback path locks in
    select l.* into v_lead from app.leads as l where l.id = v_phase.lead_id for update;
    select ph.* into v_phase from app.test_phases as ph where ph.id = p_phase_id for update;
    if app.current_web_role() = 'sales_manager' then
        return v_phase;
    end if;
    if app.current_web_role() = 'sales_rep' and v_lead.owner_id = app.current_user_id()
        and app.lead_status(v_lead, app.my_protection_config(), app.now()) in ('ACTIVE', 'GRACE') then
        return v_phase;
    end if;
    perform app.raise_error('FP102', 403, 'Only the owner of the lead or a manager may do this.', 'phase_id');
    return null;
end
$$;
comment on function app_private.phase_for_sample_write(uuid) is
'Locks and returns a test phase the caller may change (manager, or owner of the live lead); FP904/FP102.';

-- Revokes every link of the phase that is not revoked yet and cancels their pending mails.
-- Returns how many of them were still usable.
create or replace function app_private.retire_feedback_tokens(p_phase_id uuid) returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_now timestamptz := app.now();
    v_usable integer;
begin
    with retired as (
        update app_private.feedback_tokens as t
        set revoked_at = v_now
        where t.phase_id = p_phase_id and t.revoked_at is null
        returning t.id, app.feedback_link_state(t.expires_at, null, t.submissions, t.max_submissions, v_now) as state
    ),
    cancelled as (
        update app.jobs as j
        set state = 'CANCELLED', finished_at = pg_catalog.now()
        from retired as r
        where
            j.dedupe_key in ('feedback_invitation:' || r.id, 'feedback_reminder:' || r.id)
            and j.state = 'PENDING'
    )
    select count(*) filter (where r.state = 'ACTIVE') into v_usable from retired as r;
    return v_usable;
end
$$;
comment on function app_private.retire_feedback_tokens(uuid) is
'Revokes the phase''s unrevoked feedback links and cancels their pending mails; returns how many were usable.';

-- When a lead changes hands (released, expired now, transferred) or is pseudonymised, the links its
-- owner handed out must not reach into the next cycle: every unrevoked link of the lead is revoked,
-- with its pending mails, and each phase whose link was still usable gets a feedback_link.revoked
-- audit entry naming the cause (by the caller, or the system).
create or replace function app_private.retire_lead_feedback_tokens(
    p_lead_id uuid, p_cause text, p_as_system boolean
) returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_phase record;
    v_revoked integer := 0;
begin
    for v_phase in
        select distinct t.phase_id, t.tenant_id from app_private.feedback_tokens as t
        where t.lead_id = p_lead_id and t.revoked_at is null
        order by t.phase_id
    loop
        if app_private.retire_feedback_tokens(v_phase.phase_id) > 0 then
            perform app_private.write_audit(
                v_phase.tenant_id, 'feedback_link.revoked', 'test_phase', v_phase.phase_id, p_lead_id, null,
                jsonb_build_object('cause', p_cause), null, p_as_system
            );
            v_revoked := v_revoked + 1;
        end if;
    end loop;
    return v_revoked;
end
$$;
comment on function app_private.retire_lead_feedback_tokens(uuid, text, boolean) is
'Revokes every unrevoked feedback link of a lead and cancels their pending mails; audits each usable one '
'as feedback_link.revoked with the cause (lead.released, lead.transferred, ...). Returns how many were usable.';

-- ------------------------------------------------------------ definer entry points (vetted)

-- Issues a new link for the phase (revoking the previous one) and queues the invitation and the
-- reminder when the lead has a contact e-mail. Returns the raw token: the only time it exists.
create or replace function app_private.issue_feedback_token(p_phase_id uuid, p_action text) returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_phase app.test_phases := app_private.phase_for_sample_write(p_phase_id);
    v_now timestamptz := app.now();
    v_lead app.leads;
    v_email text;
    v_contact text;
    v_raw text;
    v_token app_private.feedback_tokens;
    v_days integer;
    v_reminder_days integer;
    v_payload jsonb;
    v_timezone text;
    v_from timestamptz;
    v_max_rotations integer;
    v_again_at timestamptz;
begin
    if p_action not in ('feedback_link.issued', 'feedback_link.rotated') then
        raise exception 'unknown action %', p_action using errcode = 'invalid_parameter_value';
    end if;
    select l.* into v_lead from app.leads as l where l.id = v_phase.lead_id;
    select c.timezone into v_timezone from app.protection_configs as c where c.tenant_id = v_lead.tenant_id;
    -- a phase gets its first link once; every further one is a rotation, and counts as one
    if p_action = 'feedback_link.issued'
        and exists (select from app_private.feedback_tokens as t where t.phase_id = v_phase.id) then
        perform app.raise_error(
            'FP916', 409, 'This test phase already has a feedback link; replace it instead.', 'phase_id',
            'POST /rpc/rotate_feedback_token with the test phase.'
        );
    end if;
    if p_action = 'feedback_link.rotated' then
        -- every rotation mails the contact: at most maxRotationsPerDay in any 24 hours (the phase is
        -- locked, so concurrent rotations count one after the other). A rotation is every link of
        -- the phase but its first; possible again when the oldest one that fills the limit is 24 h old.
        v_max_rotations := (
            app.effective_setting('sample.feedback.maxRotationsPerDay', v_lead.tenant_id, app.current_org_id(), null)
            #>> '{}'
        )::integer;
        select r.created_at + interval '24 hours' into v_again_at
        from app_private.feedback_tokens as r
        where
            r.phase_id = v_phase.id and r.created_at > v_now - interval '24 hours'
            and r.id <> (
                select f.id from app_private.feedback_tokens as f
                where f.phase_id = v_phase.id order by f.created_at, f.id limit 1
            )
        order by r.created_at desc, r.id desc
        offset v_max_rotations - 1
        limit 1;
        if v_again_at is not null then
            perform app.raise_error(
                'FP915', 429,
                format(
                    'The feedback link of this test phase was already replaced %s in 24 hours; you can replace it '
                    'again from %s.',
                    case when v_max_rotations = 1 then 'once' else v_max_rotations || ' times' end,
                    to_char(v_again_at at time zone v_timezone, 'YYYY-MM-DD HH24:MI')
                ),
                'phase_id', 'sample.feedback.maxRotationsPerDay limits the rotations of a link.'
            );
        end if;
    end if;
    -- the phase starts at 8 o'clock on its first day: the invitation goes out then (or now, if that
    -- has passed), and the link's days and the reminder count from then
    v_from := greatest(v_now, (v_phase.start_date + time '08:00') at time zone v_timezone);
    perform app_private.retire_feedback_tokens(p_phase_id);

    v_days := (app.effective_setting('sample.feedback.tokenDays', v_lead.tenant_id, app.current_org_id(), null) #>> '{}')::integer;
    v_reminder_days := (
        app.effective_setting('sample.feedback.reminderDays', v_lead.tenant_id, app.current_org_id(), null) #>> '{}'
    )::integer;
    -- 32 random bytes, URL-safe base64 without padding: 43 characters
    v_raw := rtrim(translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/', '-_'), '=');
    insert into app_private.feedback_tokens (
        tenant_id, lead_id, phase_id, token_hash, created_by, created_at, expires_at, max_submissions
    )
    values (
        v_lead.tenant_id, v_lead.id, v_phase.id, extensions.digest(v_raw, 'sha256'), app.current_user_id(), v_now,
        -- whole days in the tenant's time zone, whatever the session's
        ((v_from at time zone v_timezone) + make_interval(days => v_days)) at time zone v_timezone,
        (app.effective_setting('sample.feedback.maxSubmissions', v_lead.tenant_id, app.current_org_id(), null) #>> '{}')::integer
    )
    returning * into v_token;

    select d.contact_email, d.contact_name into v_email, v_contact
    from app.lead_details as d where d.lead_id = v_lead.id;
    -- no mail to a pseudonymised address (its hash has no @)
    if v_email like '%@%' then
        v_payload := jsonb_build_object(
            'company_name', v_lead.company_name,
            'contact_name', v_contact,
            'recipient_name', coalesce(v_contact, ''),
            'stage', v_phase.stage,
            'link', app.feedback_link(v_raw),
            'expires_at', v_token.expires_at,
            'timezone', v_timezone,
            'sender_name', (select u.display_name from app.users as u where u.id = app.current_user_id()),
            'products', (
                select jsonb_agg(p.name order by p.name)
                from app.sample_box_items as i
                inner join app.products as p on i.tenant_id = p.tenant_id and i.sku = p.sku
                where i.box_id = v_phase.box_id
            )
        );
        insert into app.jobs (tenant_id, kind, to_address, template, payload, dedupe_key, next_attempt_at, lead_id)
        values (
            v_lead.tenant_id, 'mail.send', v_email, 'feedback_invitation', v_payload, 'feedback_invitation:' || v_token.id,
            v_from, v_lead.id
        );
        -- one reminder, if the link still works by then and nobody has answered yet; cancelled when
        -- feedback arrives
        if v_reminder_days < v_days
            and not exists (select from app.feedback_submissions as s where s.phase_id = v_phase.id) then
            insert into app.jobs (tenant_id, kind, to_address, template, payload, dedupe_key, next_attempt_at, lead_id)
            values (
                v_lead.tenant_id, 'mail.send', v_email, 'feedback_reminder', v_payload, 'feedback_reminder:' || v_token.id,
                ((v_from at time zone v_timezone) + make_interval(days => v_reminder_days)) at time zone v_timezone,
                v_lead.id
            );
        end if;
    end if;

    perform app_private.write_audit(
        v_lead.tenant_id, p_action, 'test_phase', v_phase.id, v_lead.id, null,
        jsonb_build_object(
            'token_id', v_token.id, 'expires_at', v_token.expires_at, 'max_submissions', v_token.max_submissions,
            -- whether the lead's contact is mailed, never the address: the audit outlives pseudonymisation
            'invitation_queued', coalesce(v_email like '%@%', false)
        ),
        null, false
    );
    return v_raw;
end
$$;
comment on function app_private.issue_feedback_token(uuid, text) is
'Issues a feedback link for a test phase the caller may change (revoking the previous one), queues the '
'invitation and reminder mails (which hold the link only while pending), audits; returns the raw token.';

grant execute on function app_private.issue_feedback_token(uuid, text) to sales_rep, sales_manager;

create or replace function app_private.revoke_feedback_token(p_phase_id uuid) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_phase app.test_phases := app_private.phase_for_sample_write(p_phase_id);
begin
    if app_private.retire_feedback_tokens(v_phase.id) = 0 then
        perform app.raise_error('FP909', 409, 'The test phase has no usable feedback link to revoke.', 'phase_id');
    end if;
    perform app_private.write_audit(
        v_phase.tenant_id, 'feedback_link.revoked', 'test_phase', v_phase.id, v_phase.lead_id, null, null, null, false
    );
end
$$;
comment on function app_private.revoke_feedback_token(uuid) is
'Revokes the usable feedback link of a test phase the caller may change and cancels its mails; FP909 if none.';

grant execute on function app_private.revoke_feedback_token(uuid) to sales_rep, sales_manager;

-- The api functions of samples and test phases (SPEC 6): the owner of a live lead or a manager
-- writes; every change is audited.

-- The lead of a sample object, locked, if the caller may change it: the owner while the lead is
-- ACTIVE or GRACE, or a manager (FP305, FP102, FP310 otherwise).
create or replace function app.lead_for_sample_write(p_lead_id uuid) returns app.leads
language plpgsql
volatile
as $$
declare
    v_lead app.leads;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_lead := app.lead_for_action(p_lead_id);
    perform app.require_owner_or_manager(v_lead);
    perform app.require_live(v_lead);
    return v_lead;
end
$$;
comment on function app.lead_for_sample_write(uuid) is
'Locks and returns a lead whose samples the caller may change (owner of a live lead, or a manager).';

grant execute on function app.lead_for_sample_write(uuid) to sales_rep, sales_manager, auditor, tenant_admin;

-- A test phase visible to the caller, or FP904.
create or replace function app.visible_phase(p_phase_id uuid) returns app.test_phases
language plpgsql
stable
as $$
declare
    v_phase app.test_phases;
begin
    select ph.* into v_phase from app.test_phases as ph where ph.id = p_phase_id;
    if v_phase.id is null then
        perform app.raise_error('FP904', 404, 'The test phase does not exist.', 'phase_id');
    end if;
    return v_phase;
end
$$;
comment on function app.visible_phase(uuid) is 'A test phase the caller may read, or FP904 (404).';

grant execute on function app.visible_phase(uuid) to sales_rep, sales_manager, auditor, tenant_admin;

-- The SKU is a product of the phase's box, or FP907 (422).
create or replace function app.require_box_product(p_phase app.test_phases, p_sku text) returns void
language plpgsql
stable
as $$
begin
    if p_sku is null or not exists (
        select from app.sample_box_items as i where i.box_id = p_phase.box_id and i.sku = p_sku
    ) then
        perform app.raise_error(
            'FP907', 422, format('%s is not a product of this test phase''s sample box.', coalesce(p_sku, 'null')),
            'sku'
        );
    end if;
end
$$;
comment on function app.require_box_product(app.test_phases, text) is
'Raises FP907 (422) unless the SKU is in the sample box of the phase.';

grant execute on function app.require_box_product(app.test_phases, text)
to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function app.phase_link(p_phase_id uuid, p_token text) returns app.test_phase_link
language sql
stable
as $$
    select
        ph.id, ph.lead_id, ph.box_id, ph.stage, ph.start_date, ph.end_date, ph.created_at,
        p_token, app.feedback_link(p_token), ph.feedback_link_expires_at, ph.feedback_max_submissions
    from api.test_phases as ph
    where ph.id = p_phase_id
$$;
comment on function app.phase_link(uuid, text) is 'The test phase row with a raw token and its link.';

grant execute on function app.phase_link(uuid, text) to sales_rep, sales_manager, auditor, tenant_admin;

-- ------------------------------------------------------------ sample boxes
create or replace function api.create_sample_box(lead_id uuid, items jsonb, notes text default null)
returns api.sample_boxes
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_lead app.leads := app.lead_for_sample_write(create_sample_box.lead_id);
    v_box_id uuid := gen_random_uuid();
    v_item record;
    v_field text;
begin
    if create_sample_box.items is null or jsonb_typeof(create_sample_box.items) <> 'array'
        or jsonb_array_length(create_sample_box.items) = 0 then
        perform app.raise_error(
            'FP901', 400, 'items must be a non-empty array of {"sku", "qty"} objects.', 'items'
        );
    end if;
    if jsonb_array_length(create_sample_box.items) > 50 then
        perform app.raise_error('FP901', 400, 'A sample box holds at most 50 products.', 'items');
    end if;
    if char_length(create_sample_box.notes) > 2000 then
        perform app.raise_error('FP301', 400, 'notes must have at most 2000 characters.', 'notes');
    end if;
    for v_item in
        select e.value, e.ordinality - 1 as i from jsonb_array_elements(create_sample_box.items) with ordinality as e
    loop
        v_field := format('items[%s]', v_item.i);
        if jsonb_typeof(v_item.value) <> 'object' or exists (
            select from jsonb_object_keys(v_item.value) as k where k not in ('sku', 'qty')
        ) then
            perform app.raise_error('FP901', 400, v_field || ' must be an object with sku and qty only.', v_field);
        end if;
        if jsonb_typeof(v_item.value -> 'sku') is distinct from 'string' then
            perform app.raise_error('FP901', 400, v_field || '.sku must be a text.', v_field || '.sku');
        end if;
        if jsonb_typeof(v_item.value -> 'qty') is distinct from 'number'
            or (v_item.value ->> 'qty')::numeric not between 1 and 1000
            or (v_item.value ->> 'qty')::numeric <> trunc((v_item.value ->> 'qty')::numeric) then
            perform app.raise_error(
                'FP901', 400, v_field || '.qty must be a whole number from 1 to 1000.', v_field || '.qty'
            );
        end if;
        if not exists (
            select from app.products as p
            where p.tenant_id = v_lead.tenant_id and p.sku = v_item.value ->> 'sku' and p.active
        ) then
            perform app.raise_error(
                'FP902', 400, format('%s is not an active product of your tenant.', v_item.value ->> 'sku'),
                v_field || '.sku', 'See api.products.'
            );
        end if;
        if exists (
            select from jsonb_array_elements(create_sample_box.items) with ordinality as o
            where o.value ->> 'sku' = v_item.value ->> 'sku' and o.ordinality - 1 < v_item.i
        ) then
            perform app.raise_error(
                'FP901', 400, format('%s is listed twice.', v_item.value ->> 'sku'), v_field || '.sku'
            );
        end if;
    end loop;

    insert into app.sample_boxes (id, tenant_id, lead_id, configured_by, notes)
    values (v_box_id, v_lead.tenant_id, v_lead.id, app.current_user_id(), nullif(btrim(create_sample_box.notes), ''));
    insert into app.sample_box_items (box_id, tenant_id, lead_id, sku, qty)
    select v_box_id, v_lead.tenant_id, v_lead.id, e.value ->> 'sku', (e.value ->> 'qty')::integer
    from jsonb_array_elements(create_sample_box.items) as e;
    perform app_private.audit(
        v_lead.tenant_id, 'sample_box.created', 'sample_box', v_box_id, v_lead.id, null,
        jsonb_build_object('items', create_sample_box.items, 'notes', create_sample_box.notes)
    );
    return (select b from api.sample_boxes as b where b.id = v_box_id);
end
$$;
comment on function api.create_sample_box(uuid, jsonb, text) is
'Puts together a sample box for a lead (owner of an ACTIVE/GRACE lead, or a manager). items: '
'[{"sku": "CF-1001", "qty": 2}, ...], 1 to 50 active products of the tenant, each once.';

grant execute on function api.create_sample_box(uuid, jsonb, text) to sales_rep, sales_manager, auditor, tenant_admin;

-- ------------------------------------------------------------ test phases and links
create or replace function api.start_test_phase(box_id uuid, stage text, start_date date, end_date date default null)
returns app.test_phase_link
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_box app.sample_boxes;
    v_lead app.leads;
    v_phase_id uuid := gen_random_uuid();
    v_token text;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    select b.* into v_box from app.sample_boxes as b where b.id = start_test_phase.box_id;
    if v_box.id is null then
        perform app.raise_error('FP903', 404, 'The sample box does not exist.', 'box_id');
    end if;
    v_lead := app.lead_for_sample_write(v_box.lead_id);
    if start_test_phase.stage is null
        or start_test_phase.stage not in ('SAMPLE', 'TRIAL', 'PRODUCTION_CANDIDATE') then
        perform app.raise_error('FP905', 400, 'stage must be SAMPLE, TRIAL or PRODUCTION_CANDIDATE.', 'stage');
    end if;
    if start_test_phase.start_date is null then
        perform app.raise_error('FP301', 400, 'start_date is required.', 'start_date');
    end if;
    if start_test_phase.end_date < start_test_phase.start_date then
        perform app.raise_error(
            'FP906', 400,
            format('end_date must not be before start_date (%s).', start_test_phase.start_date), 'end_date'
        );
    end if;

    insert into app.test_phases (id, tenant_id, lead_id, box_id, stage, start_date, end_date, created_by)
    values (
        v_phase_id, v_lead.tenant_id, v_lead.id, v_box.id, start_test_phase.stage, start_test_phase.start_date,
        start_test_phase.end_date, app.current_user_id()
    );
    perform app_private.audit(
        v_lead.tenant_id, 'test_phase.started', 'test_phase', v_phase_id, v_lead.id, null,
        jsonb_build_object(
            'box_id', v_box.id, 'stage', start_test_phase.stage, 'start_date', start_test_phase.start_date,
            'end_date', start_test_phase.end_date
        )
    );
    -- two statements: the second must see the link the first issued
    v_token := app_private.issue_feedback_token(v_phase_id, 'feedback_link.issued');
    return app.phase_link(v_phase_id, v_token);
end
$$;
comment on function api.start_test_phase(uuid, text, date, date) is
'Starts a test phase of a sample box (stage SAMPLE, TRIAL or PRODUCTION_CANDIDATE) and issues its feedback '
'link. The answer holds the raw token and link: they are shown this once. The invitation mail goes to the '
'lead''s contact e-mail, with one reminder after sample.feedback.reminderDays without feedback.';

grant execute on function api.start_test_phase(uuid, text, date, date)
to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.rotate_feedback_token(phase_id uuid) returns app.test_phase_link
language plpgsql
volatile
as $$
declare
    v_phase app.test_phases := app.visible_phase(rotate_feedback_token.phase_id);
    v_token text;
begin
    perform app.lead_for_sample_write(v_phase.lead_id);
    -- two statements: the second must see the link the first issued
    v_token := app_private.issue_feedback_token(v_phase.id, 'feedback_link.rotated');
    return app.phase_link(v_phase.id, v_token);
end
$$;
comment on function api.rotate_feedback_token(uuid) is
'Replaces the feedback link of a test phase: the old link stops working at once, the new one is shown once '
'and mailed to the contact again. At most sample.feedback.maxRotationsPerDay (3) times in 24 hours (FP915, 429).';

grant execute on function api.rotate_feedback_token(uuid) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.revoke_feedback_token(phase_id uuid) returns api.test_phases
language plpgsql
volatile
as $$
declare
    v_phase app.test_phases := app.visible_phase(revoke_feedback_token.phase_id);
begin
    perform app.lead_for_sample_write(v_phase.lead_id);
    perform app_private.revoke_feedback_token(v_phase.id);
    return (select ph from api.test_phases as ph where ph.id = v_phase.id);
end
$$;
comment on function api.revoke_feedback_token(uuid) is
'Revokes the feedback link of a test phase (FP909 when it has no usable link); pending mails are cancelled.';

grant execute on function api.revoke_feedback_token(uuid) to sales_rep, sales_manager, auditor, tenant_admin;

-- ------------------------------------------------------------ results and feedback by the rep
create or replace function api.record_test_result(
    phase_id uuid, sku text, outcome text, sell_through numeric default null, waste_delta numeric default null,
    notes text default null
) returns api.test_results
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_phase app.test_phases := app.visible_phase(record_test_result.phase_id);
    v_lead app.leads := app.lead_for_sample_write(v_phase.lead_id);
    v_before app.test_results;
    v_id uuid;
begin
    perform app.require_box_product(v_phase, record_test_result.sku);
    if record_test_result.outcome is null
        or record_test_result.outcome not in ('SUCCESS', 'MIXED', 'FAIL') then
        perform app.raise_error('FP908', 400, 'outcome must be SUCCESS, MIXED or FAIL.', 'outcome');
    end if;
    if record_test_result.sell_through not between 0 and 100 then
        perform app.raise_error('FP908', 400, 'sell_through must be a percentage from 0 to 100.', 'sell_through');
    end if;
    if record_test_result.waste_delta not between -100 and 100 then
        perform app.raise_error(
            'FP908', 400, 'waste_delta must be in percentage points from -100 to 100.', 'waste_delta'
        );
    end if;
    if char_length(record_test_result.notes) > 2000 then
        perform app.raise_error('FP301', 400, 'notes must have at most 2000 characters.', 'notes');
    end if;

    select r.* into v_before from app.test_results as r
    where r.phase_id = v_phase.id and r.sku = record_test_result.sku;
    if v_before.id is null then
        insert into app.test_results (
            tenant_id, lead_id, phase_id, sku, outcome, sell_through, waste_delta, notes, recorded_by
        )
        values (
            v_lead.tenant_id, v_lead.id, v_phase.id, record_test_result.sku, record_test_result.outcome,
            record_test_result.sell_through, record_test_result.waste_delta, record_test_result.notes,
            app.current_user_id()
        )
        returning id into v_id;
    else
        update app.test_results as r
        set
            outcome = record_test_result.outcome,
            sell_through = record_test_result.sell_through,
            waste_delta = record_test_result.waste_delta,
            notes = record_test_result.notes,
            recorded_by = app.current_user_id(),
            recorded_at = app.now()
        where r.id = v_before.id
        returning r.id into v_id;
    end if;
    perform app_private.audit(
        v_lead.tenant_id, 'test_result.recorded', 'test_result', v_id, v_lead.id,
        case when v_before.id is not null then to_jsonb(v_before) - 'tenant_id' end,
        jsonb_build_object(
            'phase_id', v_phase.id, 'sku', record_test_result.sku, 'outcome', record_test_result.outcome,
            'sell_through', record_test_result.sell_through, 'waste_delta', record_test_result.waste_delta,
            'notes', record_test_result.notes
        )
    );
    return (select r from api.test_results as r where r.id = v_id);
end
$$;
comment on function api.record_test_result(uuid, text, text, numeric, numeric, text) is
'Records the result of a test phase for one product of its box (recording again replaces it): outcome '
'SUCCESS, MIXED or FAIL, sell_through in percent, waste_delta in percentage points.';

grant execute on function api.record_test_result(uuid, text, text, numeric, numeric, text)
to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.log_feedback(
    phase_id uuid, sku text, rating integer, comment text default null, source text default null,
    would_reorder boolean default null, contact_name text default null, contact_role text default null,
    received_at timestamptz default null
) returns api.product_feedback
language plpgsql
volatile
as $$
#variable_conflict use_column
declare
    v_phase app.test_phases := app.visible_phase(log_feedback.phase_id);
    v_lead app.leads := app.lead_for_sample_write(v_phase.lead_id);
    v_at timestamptz := coalesce(log_feedback.received_at, app.now());
    v_id uuid;
begin
    perform app.require_box_product(v_phase, log_feedback.sku);
    if log_feedback.source is null or log_feedback.source not in ('EMAIL', 'PHONE', 'VISIT') then
        perform app.raise_error(
            'FP908', 400, 'source must be EMAIL, PHONE or VISIT (FORM is the feedback link''s).', 'source'
        );
    end if;
    if log_feedback.rating is null or log_feedback.rating not between 1 and 5 then
        perform app.raise_error('FP908', 400, 'rating must be a whole number from 1 to 5.', 'rating');
    end if;
    if char_length(log_feedback.comment) > 2000 then
        perform app.raise_error('FP301', 400, 'comment must have at most 2000 characters.', 'comment');
    end if;
    if log_feedback.contact_name is not null then
        perform app.check_text(log_feedback.contact_name, 'contact_name', 1, 200);
    end if;
    if log_feedback.contact_role not in ('CHEF', 'BUYER', 'GM', 'OTHER') then
        perform app.raise_error('FP908', 400, 'contact_role must be CHEF, BUYER, GM or OTHER.', 'contact_role');
    end if;
    if v_at < v_phase.created_at or v_at > app.now() + interval '5 minutes' then
        perform app.raise_error(
            'FP402', 422, 'received_at must lie between the start of the test phase and now.', 'received_at'
        );
    end if;

    insert into app.product_feedback (
        tenant_id, lead_id, phase_id, sku, rating, comment, would_reorder, contact_name, contact_role, source,
        received_at, recorded_by
    )
    values (
        v_lead.tenant_id, v_lead.id, v_phase.id, log_feedback.sku, log_feedback.rating, log_feedback.comment,
        log_feedback.would_reorder, btrim(log_feedback.contact_name), log_feedback.contact_role, log_feedback.source,
        v_at, app.current_user_id()
    )
    returning id into v_id;
    perform app_private.audit(
        v_lead.tenant_id, 'feedback.logged', 'product_feedback', v_id, v_lead.id, null,
        jsonb_build_object(
            'phase_id', v_phase.id, 'sku', log_feedback.sku, 'rating', log_feedback.rating,
            'source', log_feedback.source, 'would_reorder', log_feedback.would_reorder
        )
    );
    return (select f from api.product_feedback as f where f.id = v_id);
end
$$;
comment on function api.log_feedback(uuid, text, integer, text, text, boolean, text, text, timestamptz) is
'Records customer feedback on one product of a test phase that came by e-mail, phone or visit (source '
'EMAIL, PHONE or VISIT; the feedback link records FORM itself). rating: 1 to 5.';

grant execute on function api.log_feedback(uuid, text, integer, text, text, boolean, text, text, timestamptz)
to sales_rep, sales_manager, auditor, tenant_admin;

-- The two functions behind the public feedback link (SPEC 6), executed by svc_api only. They take
-- the SHA-256 of the token; an unknown, expired, revoked or exhausted token gives the same answer
-- (null / not accepted) from the same single query, so the caller cannot tell them apart.

-- What the page shows: the company, the products of the box and how many submissions remain.
create or replace function app_private.feedback_form(p_token_hash bytea) returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
    select jsonb_build_object(
        'company_name', l.company_name,
        'city', l.city,
        'stage', ph.stage,
        'start_date', ph.start_date,
        'end_date', ph.end_date,
        'expires_at', t.expires_at,
        'submissions_left', t.max_submissions - t.submissions,
        'products', (
            select coalesce(jsonb_agg(jsonb_build_object('sku', i.sku, 'name', p.name, 'unit', p.unit)
                order by p.name, i.sku), '[]')
            from app.sample_box_items as i
            inner join app.products as p on i.tenant_id = p.tenant_id and i.sku = p.sku
            where i.box_id = ph.box_id
        )
    )
    from app_private.feedback_tokens as t
    inner join app.test_phases as ph on t.phase_id = ph.id
    inner join app.leads as l on t.lead_id = l.id
    where
        t.token_hash = p_token_hash
        and app.feedback_link_state(t.expires_at, t.revoked_at, t.submissions, t.max_submissions, app.now()) = 'ACTIVE'
$$;
comment on function app_private.feedback_form(bytea) is
'The feedback page''s content for a usable token (by its SHA-256), or null for any unusable one.';

grant execute on function app_private.feedback_form(bytea) to svc_api;

-- The answer already given to a submission with this one-time key through this link, if any.
create or replace function app_private.repeated_submission(p_token_hash bytea, p_key uuid) returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
    select jsonb_build_object(
        'accepted', true, 'submission_id', s.id, 'submissions_left', t.max_submissions - t.submissions,
        'repeated', true
    )
    from app_private.feedback_tokens as t
    inner join app.feedback_submissions as s on t.id = s.token_id
    where t.token_hash = p_token_hash and s.submission_key = p_key
$$;
comment on function app_private.repeated_submission(bytea, uuid) is
'For a repeated form post: the first answer given to that submission key through that link, or null.';

-- One submission, in the caller's transaction: the token is counted atomically (the lead, then the
-- phase, then the token are locked, in the order every sample path uses), the product rows are
-- stored with source FORM, and the phase's first submission logs a SAMPLE_FEEDBACK activity (which
-- renews the protection of a live lead) and notifies the owner. Returns {"accepted": false} for an
-- unusable token. A SKU outside the box raises FP911 (422) naming the item; nothing is stored.
-- p_submission was validated by the service; the table constraints are the last line.
create or replace function app_private.submit_feedback(p_token_hash bytea, p_submission jsonb) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_now timestamptz := app.now();
    v_token app_private.feedback_tokens;
    v_lead app.leads;
    v_phase app.test_phases;
    v_first boolean;
    v_submission_id uuid := gen_random_uuid();
    v_item record;
    v_count integer;
    v_status text;
    v_contact text := btrim(p_submission #>> '{contact,name}');
    v_role text := p_submission #>> '{contact,role}';
    v_key uuid := (p_submission ->> 'submission_key')::uuid;
    v_repeat jsonb;
begin
    -- a form posted again (reload, double tap) gets the first answer, even if that used the link up
    v_repeat := app_private.repeated_submission(p_token_hash, v_key);
    if v_repeat is not null then
        return v_repeat;
    end if;
    -- unknown and unusable tokens cost the same single lookup (and take no locks)
    select t.* into v_token from app_private.feedback_tokens as t
    where
        t.token_hash = p_token_hash
        and app.feedback_link_state(t.expires_at, t.revoked_at, t.submissions, t.max_submissions, v_now) = 'ACTIVE';
    if v_token.id is not null then
        select l.* into v_lead from app.leads as l where l.id = v_token.lead_id for update;
        select ph.* into v_phase from app.test_phases as ph where ph.id = v_token.phase_id for update;
        -- the same form may have been stored while this one waited for the locks
        v_repeat := app_private.repeated_submission(p_token_hash, v_key);
        if v_repeat is not null then
            return v_repeat;
        end if;
        -- counted only while usable; a concurrent submission waits for the row and re-checks
        update app_private.feedback_tokens as t
        set submissions = t.submissions + 1
        where
            t.id = v_token.id and t.revoked_at is null and t.expires_at > v_now
            and t.submissions < t.max_submissions
        returning t.* into v_token;
    end if;
    if v_token.id is null then
        return jsonb_build_object('accepted', false);
    end if;

    -- the service validates first; the rules hold here too, whoever calls
    if jsonb_typeof(p_submission -> 'items') is distinct from 'array'
        or jsonb_array_length(p_submission -> 'items') not between 1 and 50 then
        perform app.raise_error(
            'FP911', 422, 'Bitte bewerten Sie mindestens ein und höchstens 50 Produkte.', 'items'
        );
    end if;
    for v_item in
        select e.value, e.ordinality - 1 as i from jsonb_array_elements(p_submission -> 'items') with ordinality as e
    loop
        if not exists (
            select from app.sample_box_items as b where b.box_id = v_phase.box_id and b.sku = v_item.value ->> 'sku'
        ) then
            perform app.raise_error(
                'FP911', 422, 'Dieses Produkt gehört nicht zur Probebox.', format('items[%s].sku', v_item.i)
            );
        end if;
        if exists (
            select from jsonb_array_elements(p_submission -> 'items') with ordinality as o
            where o.value ->> 'sku' = v_item.value ->> 'sku' and o.ordinality - 1 < v_item.i
        ) then
            perform app.raise_error(
                'FP911', 422, 'Dieses Produkt wurde zweimal bewertet.', format('items[%s].sku', v_item.i)
            );
        end if;
    end loop;

    v_first := not exists (select from app.feedback_submissions as s where s.phase_id = v_phase.id);
    insert into app.feedback_submissions (
        id, tenant_id, lead_id, phase_id, token_id, contact_name, contact_role, comment, submission_key
    )
    values (
        v_submission_id, v_lead.tenant_id, v_lead.id, v_phase.id, v_token.id, nullif(v_contact, ''), v_role,
        nullif(btrim(p_submission ->> 'comment'), ''), v_key
    );
    insert into app.product_feedback (
        tenant_id, lead_id, phase_id, submission_id, sku, rating, comment, would_reorder, contact_name,
        contact_role, source, received_at
    )
    select
        v_lead.tenant_id, v_lead.id, v_phase.id, v_submission_id, e.value ->> 'sku', (e.value ->> 'rating')::integer,
        nullif(btrim(e.value ->> 'comment'), ''), (e.value ->> 'would_reorder')::boolean, nullif(v_contact, ''),
        v_role, 'FORM', v_now
    from jsonb_array_elements(p_submission -> 'items') as e;
    get diagnostics v_count = row_count;

    if v_first then
        v_status := app.lead_status(
            v_lead, (select c from app.protection_configs as c where c.tenant_id = v_lead.tenant_id), v_now
        );
        if v_status in ('ACTIVE', 'GRACE') then
            -- a qualifying activity of the current protection cycle (a lead that already expired is
            -- not revived by it: its managers are told instead)
            insert into app.activities (tenant_id, lead_id, assignment_id, kind, occurred_at, note)
            values (
                v_lead.tenant_id, v_lead.id, v_lead.assignment_id, 'SAMPLE_FEEDBACK', v_now,
                -- the role only: the activity outlives pseudonymisation, the name must not
                format(
                    'Kundenfeedback über den Feedback-Link (%s): %s Produkt(e) bewertet%s.',
                    v_phase.stage, v_count,
                    case when v_role is not null then format(', von der Kontaktperson (%s)', v_role) else '' end
                )
            );
            perform app_private.notify(
                v_lead.tenant_id, v_lead.owner_id, 'FEEDBACK_RECEIVED', v_lead.id,
                format('Kundenfeedback zu %s', v_lead.company_name),
                format(
                    '%s hat über den Feedback-Link %s Produkt(e) der Probebox bewertet. Die Aktivität '
                    'SAMPLE_FEEDBACK wurde eingetragen und zählt als Fortschritt.',
                    v_lead.company_name, v_count
                ),
                'feedback:' || v_phase.id
            );
        else
            perform app_private.notify_roles(
                v_lead.tenant_id, array['sales_manager'], 'FEEDBACK_RECEIVED', v_lead.id,
                format('Kundenfeedback zu %s', v_lead.company_name),
                format(
                    '%s hat über den Feedback-Link %s Produkt(e) bewertet. Der Lead ist %s; es wurde keine '
                    'Aktivität eingetragen.',
                    v_lead.company_name, v_count, v_status
                ),
                'feedback:' || v_phase.id
            );
        end if;
    end if;
    -- feedback arrived through this link: its reminder is no longer wanted
    update app.jobs as j set state = 'CANCELLED', finished_at = pg_catalog.now()
    where j.dedupe_key = 'feedback_reminder:' || v_token.id and j.state = 'PENDING';

    perform app_private.write_audit(
        v_lead.tenant_id, 'feedback.submitted', 'feedback_submission', v_submission_id, v_lead.id, null,
        jsonb_build_object(
            'phase_id', v_phase.id, 'token_id', v_token.id, 'items', v_count, 'first', v_first,
            'submissions', v_token.submissions
        ),
        null, true
    );
    return jsonb_build_object(
        'accepted', true,
        'submission_id', v_submission_id,
        'submissions_left', v_token.max_submissions - v_token.submissions
    );
end
$$;
comment on function app_private.submit_feedback(bytea, jsonb) is
'Stores one feedback form submission for a usable token (by its SHA-256), counting it atomically; '
'{"accepted": false} for any unusable token.';

grant execute on function app_private.submit_feedback(bytea, jsonb) to svc_api;
