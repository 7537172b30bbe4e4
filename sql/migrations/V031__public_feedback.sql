-- The two functions behind the public feedback link (SPEC 6), executed by svc_api only. They take
-- the SHA-256 of the token; an unknown, expired, revoked or exhausted token gives the same answer
-- (null / not accepted) from the same single query, so the caller cannot tell them apart.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- What the page shows: the company, the products of the box and how many submissions remain.
create function app_private.feedback_form(p_token_hash bytea) returns jsonb
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

-- The answer already given to a submission with this one-time key through this link, if any.
create function app_private.repeated_submission(p_token_hash bytea, p_key uuid) returns jsonb
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
create function app_private.submit_feedback(p_token_hash bytea, p_submission jsonb) returns jsonb
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
                format(
                    'Kundenfeedback über den Feedback-Link (%s): %s Produkt(e) bewertet%s.',
                    v_phase.stage, v_count,
                    case when v_contact <> '' then format(', von %s (%s)', v_contact, coalesce(v_role, 'OTHER')) else '' end
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
    update app.outbox as o set status = 'CANCELLED'
    where o.dedupe_key = 'feedback_reminder:' || v_token.id and o.status = 'PENDING';

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

grant execute on function app_private.feedback_form(bytea), app_private.submit_feedback(bytea, jsonb) to svc_api;
