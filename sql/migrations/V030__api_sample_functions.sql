-- The api functions of samples and test phases (SPEC 6): the owner of a live lead or a manager
-- writes; every change is audited.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- What start_test_phase and rotate_feedback_token return: the phase with the link, shown once.
create type app.test_phase_link as (
    id uuid,
    lead_id uuid,
    box_id uuid,
    stage text,
    start_date date,
    end_date date,
    created_at timestamptz,
    feedback_token text,
    feedback_link text,
    feedback_link_expires_at timestamptz,
    feedback_max_submissions integer
);
comment on type app.test_phase_link is
'A test phase with its new feedback token and link (the only time the raw token is shown).';
grant usage on type app.test_phase_link to sales_rep, sales_manager, auditor, tenant_admin;

-- The lead of a sample object, locked, if the caller may change it: the owner while the lead is
-- ACTIVE or GRACE, or a manager (FP305, FP102, FP310 otherwise).
create function app.lead_for_sample_write(p_lead_id uuid) returns app.leads
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

-- A test phase visible to the caller, or FP904.
create function app.visible_phase(p_phase_id uuid) returns app.test_phases
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

-- The SKU is a product of the phase's box, or FP907 (422).
create function app.require_box_product(p_phase app.test_phases, p_sku text) returns void
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

create function app.phase_link(p_phase_id uuid, p_token text) returns app.test_phase_link
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

grant execute on function
app.lead_for_sample_write(uuid), app.visible_phase(uuid), app.require_box_product(app.test_phases, text),
app.phase_link(uuid, text)
to sales_rep, sales_manager, auditor, tenant_admin;

-- ------------------------------------------------------------ sample boxes
create function api.create_sample_box(lead_id uuid, items jsonb, notes text default null)
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

-- ------------------------------------------------------------ test phases and links
create function api.start_test_phase(box_id uuid, stage text, start_date date, end_date date default null)
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

create function api.rotate_feedback_token(phase_id uuid) returns app.test_phase_link
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
'and mailed to the contact again.';

create function api.revoke_feedback_token(phase_id uuid) returns api.test_phases
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

-- ------------------------------------------------------------ results and feedback by the rep
create function api.record_test_result(
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

create function api.log_feedback(
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

grant execute on function
api.create_sample_box(uuid, jsonb, text),
api.start_test_phase(uuid, text, date, date),
api.rotate_feedback_token(uuid),
api.revoke_feedback_token(uuid),
api.record_test_result(uuid, text, text, numeric, numeric, text),
api.log_feedback(uuid, text, integer, text, text, boolean, text, text, timestamptz)
to sales_rep, sales_manager, auditor, tenant_admin;
