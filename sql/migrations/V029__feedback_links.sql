-- Feedback links of test phases: issuing (32 random bytes, only the SHA-256 stored), revoking,
-- and the invitation and reminder mails through the outbox (SPEC 6).
set local lock_timeout = '5s';
set local statement_timeout = '60s';

insert into app.settings_registry (key, allowed_scopes, default_value, json_schema, merge_strategy, description)
values (
    'sample.feedback.linkBase', '{global}', '"http://127.0.0.1:8000"',
    '{"type": "string", "minLength": 8, "maxLength": 200}', 'replace',
    'Public address of the feedback service; links are <linkBase>/feedback/<token>. Set by operators.'
);

-- The public link of a raw token.
create function app.feedback_link(p_token text) returns text
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

-- Mail that is no longer wanted (a revoked link's invitation, a reminder after feedback arrived).
alter table app.outbox drop constraint outbox_status_known;
alter table app.outbox add constraint outbox_status_known
check (status in ('PENDING', 'SENT', 'PARKED', 'CANCELLED'));
comment on column app.outbox.status is
'PENDING, SENT, PARKED (gave up; see last_error) or CANCELLED (no longer wanted).';
comment on column app.outbox.payload is
'Template values. A feedback link (key "link") is kept only while the message is PENDING.';
comment on column api.outbox.status is 'PENDING, SENT, PARKED or CANCELLED.';

-- The raw feedback link must not outlive the message that carries it.
create function app_private.tg_outbox__forget_link() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if new.status <> 'PENDING' and new.payload ? 'link' then
        new.payload := new.payload - 'link';
    end if;
    return new;
end
$$;
comment on function app_private.tg_outbox__forget_link() is
'Removes the feedback link from a message once it is sent, parked or cancelled.';
create trigger _100_forget_link
before update of status on app.outbox
for each row execute function app_private.tg_outbox__forget_link();

-- Payload columns of app.outbox are for the worker only: admins see the queue through api.outbox.
revoke select on app.outbox from tenant_admin;
grant select (
    id, tenant_id, user_id, to_address, template, dedupe_key, status, attempts, next_attempt_at, last_error,
    created_at, sent_at
) on app.outbox to tenant_admin;

-- ------------------------------------------------------------ internal helpers (granted to nobody)

-- The phase, locked, if the caller may change its samples: a manager of the tenant, or the rep who
-- owns the live lead. Definer functions bypass RLS, so this check is theirs.
create function app_private.phase_for_sample_write(p_phase_id uuid) returns app.test_phases
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
create function app_private.retire_feedback_tokens(p_phase_id uuid) returns integer
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
        update app.outbox as o
        set status = 'CANCELLED'
        from retired as r
        where
            o.dedupe_key in ('feedback_invitation:' || r.id, 'feedback_reminder:' || r.id)
            and o.status = 'PENDING'
    )
    select count(*) filter (where r.state = 'ACTIVE') into v_usable from retired as r;
    return v_usable;
end
$$;
comment on function app_private.retire_feedback_tokens(uuid) is
'Revokes the phase''s unrevoked feedback links and cancels their pending mails; returns how many were usable.';

-- ------------------------------------------------------------ definer entry points (vetted)

-- Issues a new link for the phase (revoking the previous one) and queues the invitation and the
-- reminder when the lead has a contact e-mail. Returns the raw token: the only time it exists.
create function app_private.issue_feedback_token(p_phase_id uuid, p_action text) returns text
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
begin
    if p_action not in ('feedback_link.issued', 'feedback_link.rotated') then
        raise exception 'unknown action %', p_action using errcode = 'invalid_parameter_value';
    end if;
    select l.* into v_lead from app.leads as l where l.id = v_phase.lead_id;
    select c.timezone into v_timezone from app.protection_configs as c where c.tenant_id = v_lead.tenant_id;
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
        insert into app.outbox (tenant_id, to_address, template, payload, dedupe_key, next_attempt_at)
        values (
            v_lead.tenant_id, v_email, 'feedback_invitation', v_payload, 'feedback_invitation:' || v_token.id, v_from
        );
        -- one reminder, if the link still works by then and nobody has answered yet; cancelled when
        -- feedback arrives
        if v_reminder_days < v_days
            and not exists (select from app.feedback_submissions as s where s.phase_id = v_phase.id) then
            insert into app.outbox (tenant_id, to_address, template, payload, dedupe_key, next_attempt_at)
            values (
                v_lead.tenant_id, v_email, 'feedback_reminder', v_payload, 'feedback_reminder:' || v_token.id,
                ((v_from at time zone v_timezone) + make_interval(days => v_reminder_days)) at time zone v_timezone
            );
        end if;
    end if;

    perform app_private.write_audit(
        v_lead.tenant_id, p_action, 'test_phase', v_phase.id, v_lead.id, null,
        jsonb_build_object(
            'token_id', v_token.id, 'expires_at', v_token.expires_at, 'max_submissions', v_token.max_submissions,
            'invitation_to', case when v_email like '%@%' then v_email end
        ),
        null, false
    );
    return v_raw;
end
$$;
comment on function app_private.issue_feedback_token(uuid, text) is
'Issues a feedback link for a test phase the caller may change (revoking the previous one), queues the '
'invitation and reminder mails (which hold the link only while pending), audits; returns the raw token.';

create function app_private.revoke_feedback_token(p_phase_id uuid) returns void
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

grant execute on function app_private.issue_feedback_token(uuid, text), app_private.revoke_feedback_token(uuid)
to sales_rep, sales_manager;
