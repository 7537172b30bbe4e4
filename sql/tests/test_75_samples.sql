-- Samples and feedback links (SPEC 6): sample boxes, test phases, the feedback token (only its
-- SHA-256 stored, the raw token only in the pending invitation), rotation and revocation, the
-- public submission (counted, first one is a qualifying activity unless the lead expired), the
-- feedback form, visibility, test results and feedback logged by the rep.
begin;
select plan(130);
-- Timestamps below are compared as text in UTC.
set local timezone = 'UTC';

select tests.create_tenant('alpha');
select tests.create_tenant('beta');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('helper@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('other@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');
select tests.create_user('auditor@alpha.test', 'auditor', 'alpha');
select tests.create_user('rep@beta.test', 'sales_rep', 'beta');

insert into app.products (tenant_id, sku, name, unit, active)
select t.id, p.sku, p.name, p.unit, p.active
from app.tenants as t
cross join (
    values
    ('CF-1001', 'Rinderbrühe', 'Eimer 5 kg', true),
    ('CF-1002', 'Kartoffelsuppe', 'Karton 6 x 1 kg', true),
    ('CF-1003', 'Gulaschsuppe', 'Karton 6 x 1 kg', true),
    ('CF-9999', 'Alte Soße', 'Flasche 1 l', false)
) as p (sku, name, unit, active)
where t.slug = 'alpha';
insert into app.products (tenant_id, sku, name, unit)
select t.id, 'BULK-' || lpad(g::text, 2, '0'), 'Artikel ' || g, 'Stück'
from app.tenants as t cross join generate_series(1, 51) as g
where t.slug = 'alpha';
insert into app.products (tenant_id, sku, name, unit)
select t.id, 'BE-1', 'Elchsuppe', 'Dose' from app.tenants as t where t.slug = 'beta';
-- The tenant's links accept two submissions.
insert into app.settings_values (key, scope, tenant_id, target_id, value)
select 'sample.feedback.maxSubmissions', 'tenant', t.id, t.id as target_id, '2' from app.tenants as t where t.slug = 'alpha';

-- Registered 2026-01-10 10:00 CET: progress due 2026-03-11 09:00 UTC, grace until 2026-03-21 09:00 UTC.
select tests.register_lead('rep@alpha.test', 'Gasthof Adler', '2026-01-10 09:00+00') as lead \gset
select tests.register_lead('rep@alpha.test', 'Hotel Krone', '2026-01-10 09:00+00') as plain \gset
select tests.register_lead('rep@alpha.test', 'Cafe Aufschub', '2026-01-10 09:00+00') as grace \gset
select tests.register_lead('rep@alpha.test', 'Cafe Ende', '2026-01-10 09:00+00') as expired \gset
select tests.register_lead('rep@beta.test', 'Elch Nord', '2026-01-10 09:00+00') as beta_lead \gset
select id as alpha from app.tenants where slug = 'alpha' \gset
update app.lead_details set contact_email = 'kueche@adler.test', contact_name = 'Anna Koch' where lead_id = :'lead';
insert into app.collaborators (lead_id, user_id, tenant_id, role)
values (:'lead', tests.user_id('helper@alpha.test'), :'alpha', 'VIEW');

-- One value of a query run as a user at a time (as text; the caller casts).
create function pg_temp.val(p_email text, p_at timestamptz, p_sql text) returns text
language plpgsql as $$
declare
    v_result text;
begin
    perform tests.freeze_time(p_at);
    perform tests.authenticate_as(p_email);
    execute p_sql into v_result;
    perform tests.clear_authentication();
    return v_result;
end
$$;

-- The outcome of api.create_sample_box as a user on 2026-01-12.
create function pg_temp.box_outcome(p_email text, p_lead uuid, p_items text, p_notes text default null) returns text
language sql as $$
    select tests.act(
        p_email, '2026-01-12 09:00+00', format('select api.create_sample_box(%L, %L, %L)', p_lead, p_items, p_notes)
    )
$$;

-- Every table (any schema) with a row whose text contains the needle.
create function pg_temp.holders(p_needle text) returns text[]
language plpgsql as $$
declare
    v_table regclass;
    v_found boolean;
    v_result text[] := '{}';
begin
    for v_table in
        select c.oid::regclass
        from pg_catalog.pg_class as c
        inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
        where
            c.relkind in ('r', 'p', 'm')
            and n.nspname not in ('pg_catalog', 'information_schema')
            and n.nspname !~ '^pg_(toast|temp)'
        order by c.oid
    loop
        execute format('select exists (select from %s as x where strpos(x::text, $1) > 0)', v_table)
        into v_found using p_needle;
        if v_found then
            v_result := v_result || v_table::text;
        end if;
    end loop;
    return v_result;
end
$$;

-- The mails of a token: 'template:STATUS' in template order.
create function pg_temp.mails(p_token_id uuid) returns text[]
language sql as $$
    select coalesce(array_agg(o.template || ':' || o.state order by o.template), '{}')
    from app.jobs as o
    where o.dedupe_key in ('feedback_invitation:' || p_token_id, 'feedback_reminder:' || p_token_id)
$$;

-- ------------------------------------------------------------ create_sample_box
select pg_temp.val('rep@alpha.test', '2026-01-12 09:00+00', format(
    'select to_jsonb(b) from api.create_sample_box(%L, %L, %L) as b', :'lead',
    '[{"sku": "CF-1002", "qty": 2}, {"sku": "CF-1001", "qty": 1}]', 'Bitte vormittags liefern'
)) as box \gset
select (:'box'::jsonb) ->> 'id' as box_id \gset

select is(
    (:'box'::jsonb) -> 'items',
    '[{"sku": "CF-1001", "name": "Rinderbrühe", "unit": "Eimer 5 kg", "qty": 1},
      {"sku": "CF-1002", "name": "Kartoffelsuppe", "unit": "Karton 6 x 1 kg", "qty": 2}]'::jsonb,
    'the owner creates a box: its items have name, unit and quantity, by SKU'
);
select is(
    array[(:'box'::jsonb) ->> 'lead_id', (:'box'::jsonb) ->> 'configured_by', (:'box'::jsonb) ->> 'notes'],
    array[:'lead', tests.user_id('rep@alpha.test')::text, 'Bitte vormittags liefern'],
    'for the lead, configured by the owner, with the notes'
);
select is(
    (select count(*)::int from app.audit_log
     where action = 'sample_box.created' and entity_id = :'box_id' and lead_id = :'lead'
     and actor_id = tests.user_id('rep@alpha.test')),
    1, 'audited as sample_box.created by the owner'
);
select is(pg_temp.box_outcome('rep@alpha.test', :'lead', '[]'), 'FP901 400', 'no items: refused');
select is(pg_temp.box_outcome('rep@alpha.test', :'lead', '{"sku": "CF-1001", "qty": 1}'), 'FP901 400', 'items not an array: refused');
select is(
    pg_temp.box_outcome('rep@alpha.test', :'lead',
        (select jsonb_agg(jsonb_build_object('sku', sku, 'qty', 1))::text from app.products where sku like 'BULK-%')),
    'FP901 400', '51 products: refused'
);
select is(pg_temp.box_outcome('rep@alpha.test', :'lead', '["CF-1001"]'), 'FP901 400', 'an item that is not an object: refused');
select is(
    pg_temp.box_outcome('rep@alpha.test', :'lead', '[{"sku": "CF-1001", "qty": 1, "price": 3}]'), 'FP901 400',
    'an unknown key: refused'
);
select is(pg_temp.box_outcome('rep@alpha.test', :'lead', '[{"sku": "CF-1001", "qty": 0}]'), 'FP901 400', 'qty 0: refused');
select is(pg_temp.box_outcome('rep@alpha.test', :'lead', '[{"sku": "CF-1001", "qty": 1.5}]'), 'FP901 400', 'qty 1.5: refused');
select is(pg_temp.box_outcome('rep@alpha.test', :'lead', '[{"sku": "CF-1001", "qty": 1001}]'), 'FP901 400', 'qty 1001: refused');
select is(pg_temp.box_outcome('rep@alpha.test', :'lead', '[{"sku": "CF-1001", "qty": "2"}]'), 'FP901 400', 'qty as text: refused');
select is(pg_temp.box_outcome('rep@alpha.test', :'lead', '[{"sku": "CF-0000", "qty": 1}]'), 'FP902 400', 'a SKU that is no product: refused');
select is(pg_temp.box_outcome('rep@alpha.test', :'lead', '[{"sku": "CF-9999", "qty": 1}]'), 'FP902 400', 'an inactive product: refused');
select is(
    pg_temp.box_outcome('rep@alpha.test', :'lead', '[{"sku": "BE-1", "qty": 1}]'), 'FP902 400',
    'a product of another tenant: refused'
);
select is(
    pg_temp.box_outcome('rep@alpha.test', :'lead', '[{"sku": "CF-1001", "qty": 1}, {"sku": "CF-1001", "qty": 2}]'),
    'FP901 400', 'a SKU listed twice: refused'
);
select is(
    pg_temp.box_outcome('rep@alpha.test', :'lead', '[{"sku": "CF-1001", "qty": 1}]', repeat('x', 2001)), 'FP301 400',
    'notes over 2000 characters: refused'
);
select is(
    pg_temp.box_outcome('helper@alpha.test', :'lead', '[{"sku": "CF-1001", "qty": 1}]'), 'FP102 403',
    'a collaborator cannot create a box'
);
select is(
    pg_temp.box_outcome('other@alpha.test', :'lead', '[{"sku": "CF-1001", "qty": 1}]'), 'FP305 404',
    'another rep does not find the lead'
);
select is(
    pg_temp.box_outcome('rep@beta.test', :'lead', '[{"sku": "CF-1001", "qty": 1}]'), 'FP305 404',
    'nor does a rep of another tenant'
);
select is(
    pg_temp.box_outcome('auditor@alpha.test', :'lead', '[{"sku": "CF-1001", "qty": 1}]'), 'FP102 403',
    'an auditor cannot create a box'
);
select is(
    array[(select count(*)::int from app.sample_boxes), (select count(*)::int from app.sample_box_items)],
    array[1, 2], 'nothing was stored by the refused calls'
);
select pg_temp.val('manager@alpha.test', '2026-01-12 09:00+00', format(
    'select to_jsonb(b) from api.create_sample_box(%L, %L) as b', :'plain',
    (select jsonb_agg(jsonb_build_object('sku', sku, 'qty', 1000))::text from app.products where sku between 'BULK-01' and 'BULK-50')
)) as box_plain \gset
select is(
    jsonb_array_length((:'box_plain'::jsonb) -> 'items'), 50, 'a manager creates a box of 50 products (qty 1000)'
);

-- ------------------------------------------------------------ start_test_phase
select pg_temp.val('rep@alpha.test', '2026-01-12 09:00+00', format(
    'select to_jsonb(p) from api.start_test_phase(%L, %L, %L, %L) as p', :'box_id', 'SAMPLE', '2026-01-12', '2026-01-26'
)) as ph \gset
select
    (:'ph'::jsonb) ->> 'id' as phase,
    (:'ph'::jsonb) ->> 'feedback_token' as tok1,
    (:'ph'::jsonb) ->> 'feedback_link' as link1
\gset
select id as t1 from app_private.feedback_tokens where phase_id = :'phase' \gset

select matches(:'tok1'::text, '^[A-Za-z0-9_-]{43}$', 'the token is 43 characters of URL-safe base64');
select is(:'link1'::text, 'http://127.0.0.1:8000/feedback/' || :'tok1', 'the link is <default linkBase>/feedback/<token>');
select is(
    array[(:'ph'::jsonb) ->> 'box_id', (:'ph'::jsonb) ->> 'stage', (:'ph'::jsonb) ->> 'end_date'],
    array[:'box_id', 'SAMPLE', '2026-01-26'], 'the answer is the phase of the box'
);
select is(
    (select token_hash from app_private.feedback_tokens where id = :'t1'), extensions.digest(:'tok1', 'sha256'),
    'the stored hash is the SHA-256 of the token'
);
select is(pg_temp.holders(:'tok1'), array['app.jobs'], 'the raw token is stored nowhere but in the pending mail job');
select is(
    (select count(*)::int from app.jobs where payload ->> 'link' = :'link1' and state = 'PENDING'
     and dedupe_key = 'feedback_invitation:' || :'t1'),
    1, '... namely as the link of the pending invitation'
);
select is(
    (select array[expires_at::text, max_submissions::text] from app_private.feedback_tokens where id = :'t1'),
    array['2026-02-11 09:00:00+00', '2'],
    'valid for tokenDays (default 30) days, accepting maxSubmissions (tenant: 2)'
);
select is(
    format('%s %s', ((:'ph'::jsonb) ->> 'feedback_link_expires_at')::timestamptz, (:'ph'::jsonb) ->> 'feedback_max_submissions'),
    '2026-02-11 09:00:00+00 2', 'the answer tells when the new link expires and how many submissions it accepts'
);
select is(
    (select array[to_address, template, payload ->> 'company_name', payload ->> 'contact_name']
     from app.jobs where dedupe_key = 'feedback_invitation:' || :'t1'),
    array['kueche@adler.test', 'feedback_invitation', 'Gasthof Adler', 'Anna Koch'],
    'the invitation goes to the lead''s contact e-mail'
);
select ok(
    (select next_attempt_at = app.now() + interval '5 days'
     from app.jobs where dedupe_key = 'feedback_reminder:' || :'t1' and template = 'feedback_reminder'
     and to_address = 'kueche@adler.test' and state = 'PENDING'),
    'the reminder is due reminderDays (5) later'
);
select is(
    (select array_agg(action order by id) from app.audit_log where entity_id = :'phase'),
    array['test_phase.started', 'feedback_link.issued'], 'the start and the link are audited'
);
select is(
    (select after ->> 'token_id' from app.audit_log where entity_id = :'phase' and action = 'feedback_link.issued'),
    :'t1', 'the audit names the token id, not the token'
);

select pg_temp.val('rep@alpha.test', '2026-01-12 09:00+00', format(
    'select feedback_token from api.start_test_phase(%L, %L, %L) as p', (:'box_plain'::jsonb) ->> 'id', 'TRIAL', '2026-01-12'
)) as tok_plain \gset
select id as t_plain from app_private.feedback_tokens where token_hash = extensions.digest(:'tok_plain', 'sha256') \gset
select is(pg_temp.mails(:'t_plain'), '{}'::text[], 'no contact e-mail: no invitation and no reminder');

select is(
    tests.act('rep@alpha.test', '2026-01-12 09:00+00',
        format('select api.start_test_phase(%L, %L, %L)', :'box_id', 'PILOT', '2026-01-12')),
    'FP905 400', 'an unknown stage is refused'
);
select is(
    tests.act('rep@alpha.test', '2026-01-12 09:00+00',
        format('select api.start_test_phase(%L, %L, %L, %L)', :'box_id', 'TRIAL', '2026-01-12', '2026-01-11')),
    'FP906 400', 'an end before the start is refused'
);
select is(
    tests.act('rep@alpha.test', '2026-01-12 09:00+00',
        format('select api.start_test_phase(%L, %L, %L)', gen_random_uuid(), 'TRIAL', '2026-01-12')),
    'FP903 404', 'an unknown box'
);
select is(
    tests.act('other@alpha.test', '2026-01-12 09:00+00',
        format('select api.start_test_phase(%L, %L, %L)', :'box_id', 'TRIAL', '2026-01-12')),
    'FP903 404', 'another rep does not see the box'
);
select is(
    tests.act('helper@alpha.test', '2026-01-12 09:00+00',
        format('select api.start_test_phase(%L, %L, %L)', :'box_id', 'TRIAL', '2026-01-12')),
    'FP102 403', 'a collaborator cannot start a phase'
);
select is(
    (select count(*)::int from app.test_phases), 2, 'the refused calls stored no phase'
);

-- ------------------------------------------------------------ rotate and revoke
insert into app.settings_values (key, scope, tenant_id, target_id, value)
values ('sample.feedback.tokenDays', 'tenant', :'alpha', :'alpha', '10');
select pg_temp.val('rep@alpha.test', '2026-01-13 09:00+00', format(
    'select to_jsonb(p) from api.rotate_feedback_token(%L) as p', :'phase'
)) as rot2 \gset
select (:'rot2'::jsonb) ->> 'feedback_token' as tok2 \gset
select id as t2 from app_private.feedback_tokens where token_hash = extensions.digest(:'tok2', 'sha256') \gset

select isnt(:'tok2'::text, :'tok1', 'rotation gives a new token');
select is(
    (select revoked_at from app_private.feedback_tokens where id = :'t1'), '2026-01-13 09:00+00'::timestamptz,
    'the old token is revoked at once'
);
select is(
    pg_temp.mails(:'t1'), array['feedback_invitation:CANCELLED', 'feedback_reminder:CANCELLED'],
    'the old token''s pending mails are cancelled'
);
select is(
    (select count(*)::int from app.jobs
     where dedupe_key in ('feedback_invitation:' || :'t1', 'feedback_reminder:' || :'t1') and payload ? 'link'),
    0, '... and forget the link'
);
select is(pg_temp.holders(:'tok1'), '{}'::text[], 'the old raw token is stored nowhere any more');
select is(
    (select expires_at from app_private.feedback_tokens where id = :'t2'), '2026-01-23 09:00+00'::timestamptz,
    'the new link is valid for the tenant''s tokenDays (10)'
);
select is(
    format('%s %s', ((:'rot2'::jsonb) ->> 'feedback_link_expires_at')::timestamptz, (:'rot2'::jsonb) ->> 'feedback_max_submissions'),
    '2026-01-23 09:00:00+00 2', 'the rotation''s answer tells when the new link expires'
);
select is(
    pg_temp.mails(:'t2'), array['feedback_invitation:PENDING', 'feedback_reminder:PENDING'],
    'a new invitation and reminder are queued'
);
select is(
    (select payload ->> 'link' from app.jobs where dedupe_key = 'feedback_invitation:' || :'t2'),
    'http://127.0.0.1:8000/feedback/' || :'tok2', 'carrying the new link'
);
select is(
    pg_temp.val('helper@alpha.test', '2026-01-13 09:00+00',
        format('select feedback_link_state || '' '' || feedback_link_expires_at from api.test_phases where id = %L', :'phase')),
    'ACTIVE 2026-01-23 09:00:00+00', 'the collaborator sees the current link ACTIVE until then'
);

update app.settings_values set value = '5' where key = 'sample.feedback.tokenDays' and tenant_id = :'alpha';
select pg_temp.val('rep@alpha.test', '2026-01-13 10:00+00', format(
    'select feedback_token from api.rotate_feedback_token(%L)', :'phase'
)) as tok3 \gset
select id as t3 from app_private.feedback_tokens where token_hash = extensions.digest(:'tok3', 'sha256') \gset
select is(
    pg_temp.mails(:'t3'), array['feedback_invitation:PENDING'], 'no reminder when reminderDays (5) >= tokenDays (5)'
);

select is(
    pg_temp.val('rep@alpha.test', '2026-01-13 11:00+00',
        format('select feedback_link_state from api.revoke_feedback_token(%L)', :'phase')),
    'REVOKED', 'revoking returns the phase with its link REVOKED'
);
select is(
    (select revoked_at from app_private.feedback_tokens where id = :'t3'), '2026-01-13 11:00+00'::timestamptz,
    'the token is revoked'
);
select is(pg_temp.mails(:'t3'), array['feedback_invitation:CANCELLED'], 'and its pending invitation cancelled');
select is(
    tests.act('rep@alpha.test', '2026-01-13 11:00+00', format('select api.revoke_feedback_token(%L)', :'phase')),
    'FP909 409', 'a second revoke finds no usable link'
);
select is(
    tests.act('helper@alpha.test', '2026-01-13 11:00+00', format('select api.rotate_feedback_token(%L)', :'phase')),
    'FP102 403', 'a collaborator cannot rotate'
);
select is(
    tests.act('other@alpha.test', '2026-01-13 11:00+00', format('select api.revoke_feedback_token(%L)', :'phase')),
    'FP904 404', 'another rep does not find the phase'
);

delete from app.settings_values where key = 'sample.feedback.tokenDays' and tenant_id = :'alpha';
insert into app.settings_values (key, scope, value)
values ('sample.feedback.linkBase', 'global', '"https://feedback.example.com/"');
select pg_temp.val('rep@alpha.test', '2026-01-14 09:00+00', format(
    'select to_jsonb(p) from api.rotate_feedback_token(%L) as p', :'phase'
)) as rot \gset
select
    (:'rot'::jsonb) ->> 'feedback_token' as tok5,
    (:'rot'::jsonb) ->> 'feedback_link' as link5
\gset
select id as t5 from app_private.feedback_tokens where token_hash = extensions.digest(:'tok5', 'sha256') \gset
select encode(extensions.digest(:'tok5', 'sha256'), 'hex') as h5 \gset

select is(
    :'link5'::text, 'https://feedback.example.com/feedback/' || :'tok5',
    'the link uses the configured linkBase without its trailing slash'
);
select is(
    pg_temp.val('rep@alpha.test', '2026-01-14 09:00+00',
        format('select feedback_link_state from api.test_phases where id = %L', :'phase')),
    'ACTIVE', 'rotating after a revoke issues a usable link again'
);
select is(
    (select array_agg(action order by id) from app.audit_log where entity_id = :'phase' and action like 'feedback_link.%'),
    array[
        'feedback_link.issued', 'feedback_link.rotated', 'feedback_link.rotated', 'feedback_link.revoked',
        'feedback_link.rotated'
    ],
    'every issue, rotation and revocation is audited'
);
select is(
    (select count(*)::int from app.audit_log as a
     where strpos(a::text, :'tok1') > 0 or strpos(a::text, :'tok2') > 0 or strpos(a::text, :'tok3') > 0
     or strpos(a::text, :'tok5') > 0 or strpos(a::text, :'tok_plain') > 0),
    0, 'no audit row contains a raw token'
);
select is(
    pg_temp.holders(:'tok2') || pg_temp.holders(:'tok3') || pg_temp.holders(:'tok_plain'), '{}'::text[],
    'retired tokens and a token without mail are stored nowhere'
);

-- ------------------------------------------------------------ feedback_form
select tests.freeze_time('2026-01-14 10:00+00');
select is(
    app_private.feedback_form(decode(:'h5', 'hex')) ->> 'company_name', 'Gasthof Adler',
    'the form shows the company of a usable link'
);
select is(
    app_private.feedback_form(decode(:'h5', 'hex')) -> 'products',
    '[{"sku": "CF-1002", "name": "Kartoffelsuppe", "unit": "Karton 6 x 1 kg"},
      {"sku": "CF-1001", "name": "Rinderbrühe", "unit": "Eimer 5 kg"}]'::jsonb,
    'and the products of the box, by name'
);
select is(app_private.feedback_form(decode(:'h5', 'hex')) ->> 'submissions_left', '2', 'and the submissions left');
select is(app_private.feedback_form(extensions.digest(:'tok1', 'sha256')), null, 'a rotated token gives no form');
select is(app_private.feedback_form(extensions.digest(:'tok3', 'sha256')), null, 'a revoked token gives no form');
select is(app_private.feedback_form(extensions.digest('no such token', 'sha256')), null, 'an unknown token gives no form');
set local role svc_api;
select app_private.feedback_form(decode(:'h5', 'hex')) ->> 'stage' as form_stage \gset
reset role;
select is(:'form_stage'::text, 'SAMPLE', 'svc_api reads the form');

-- ------------------------------------------------------------ submit_feedback
select tests.freeze_time('2026-01-15 09:00+00');
set local role svc_api;
select app_private.submit_feedback(
    decode(:'h5', 'hex'),
    '{"contact": {"name": " Anna Koch ", "role": "CHEF"}, "comment": "Sehr gut angekommen",
      "items": [{"sku": "CF-1001", "rating": 5, "comment": "Kräftig", "would_reorder": true}, {"sku": "CF-1002", "rating": 3}]}'
) as r1 \gset
reset role;
select (:'r1'::jsonb) ->> 'submission_id' as sub1 \gset

select is(
    (:'r1'::jsonb) - 'submission_id', '{"accepted": true, "submissions_left": 1}'::jsonb,
    'svc_api submits through a usable link: accepted, one left'
);
select is(
    (select array[contact_name, contact_role, comment, token_id::text, phase_id::text]
     from app.feedback_submissions where id = :'sub1'),
    array['Anna Koch', 'CHEF', 'Sehr gut angekommen', :'t5', :'phase'], 'the submission is stored'
);
select is(
    (select array_agg(sku || ':' || rating || ':' || source || ':' || coalesce(would_reorder::text, '-') order by sku)
     from app.product_feedback where submission_id = :'sub1' and recorded_by is null),
    array['CF-1001:5:FORM:true', 'CF-1002:3:FORM:-'], 'with one FORM row per product'
);
select is(
    (select count(*)::int from app.activities
     where lead_id = :'lead' and kind = 'SAMPLE_FEEDBACK' and created_by is null and occurred_at = '2026-01-15 09:00+00'),
    1, 'the first submission logs one SAMPLE_FEEDBACK activity by the system'
);
select is(
    (select array_agg(u.email) from app.notifications as n inner join app.users as u on n.user_id = u.id
     where n.lead_id = :'lead' and n.kind = 'FEEDBACK_RECEIVED'),
    array['rep@alpha.test'], 'and notifies the owner'
);
select is(
    pg_temp.mails(:'t5'), array['feedback_invitation:PENDING', 'feedback_reminder:CANCELLED'],
    'the pending reminder is cancelled'
);
select is(
    (select count(*)::int from app.audit_log
     where action = 'feedback.submitted' and entity_id = :'sub1' and actor_id is null and actor_role is null),
    1, 'audited as feedback.submitted by nobody'
);
select tests.raises(
    format('select app_private.submit_feedback(decode(%L, ''hex''), %L)', :'h5',
        '{"items": [{"sku": "CF-1001", "rating": 4}, {"sku": "CF-1003", "rating": 2}]}'),
    'FP911 422', 'a product outside the box is refused'
);
select tests.raises(
    format('select app_private.submit_feedback(decode(%L, ''hex''), %L)', :'h5',
        '{"items": [{"sku": "CF-1001", "rating": 4}, {"sku": "CF-1001", "rating": 2}]}'),
    'FP911 422', 'a product rated twice is refused'
);
select tests.raises(
    format('select app_private.submit_feedback(decode(%L, ''hex''), %L)', :'h5', '{"items": []}'),
    'FP911 422', 'a submission without products is refused'
);
select is(
    (select array[t.submissions, (select count(*)::int from app.feedback_submissions as s where s.phase_id = :'phase')]
     from app_private.feedback_tokens as t where t.id = :'t5'),
    array[1, 1], 'refused submissions are neither counted nor stored'
);
select tests.freeze_time('2026-01-15 10:00+00');
select is(
    app_private.submit_feedback(decode(:'h5', 'hex'), '{"items": [{"sku": "CF-1002", "rating": 4}]}') - 'submission_id',
    '{"accepted": true, "submissions_left": 0}'::jsonb, 'a second submission is accepted'
);
select is(
    (select count(*)::int from app.activities where lead_id = :'lead' and kind = 'SAMPLE_FEEDBACK'),
    1, 'and logs no further activity'
);
select is(
    (select count(*)::int from app.notifications where lead_id = :'lead' and kind = 'FEEDBACK_RECEIVED'),
    1, 'nor a further notification'
);
select is(
    app_private.submit_feedback(decode(:'h5', 'hex'), '{"items": [{"sku": "CF-1002", "rating": 1}]}'),
    '{"accepted": false}'::jsonb, 'past maxSubmissions: not accepted'
);
select is(
    (select array[t.submissions, (select count(*)::int from app.feedback_submissions as s where s.phase_id = :'phase')]
     from app_private.feedback_tokens as t where t.id = :'t5'),
    array[2, 2], 'the count stays at the maximum'
);
select is(app_private.feedback_form(decode(:'h5', 'hex')), null, 'an exhausted token gives no form');
select is(
    pg_temp.val('rep@alpha.test', '2026-01-15 10:00+00',
        format('select feedback_link_state || '' '' || feedback_submissions from api.test_phases where id = %L', :'phase')),
    'EXHAUSTED 2', 'the phase shows the link EXHAUSTED'
);
select tests.freeze_time('2026-01-15 10:00+00');
select is(
    app_private.submit_feedback(extensions.digest(:'tok3', 'sha256'), '{"items": [{"sku": "CF-1002", "rating": 1}]}'),
    '{"accepted": false}'::jsonb, 'a revoked token: not accepted'
);
select is(
    app_private.submit_feedback(extensions.digest(:'tok1', 'sha256'), '{"items": [{"sku": "CF-1002", "rating": 1}]}'),
    '{"accepted": false}'::jsonb, 'a rotated token: not accepted'
);
select is(
    app_private.submit_feedback(extensions.digest('no such token', 'sha256'), '{"items": []}'),
    '{"accepted": false}'::jsonb, 'an unknown token: not accepted'
);
-- The plain lead's link was issued 2026-01-12 09:00 for 30 days.
select tests.freeze_time('2026-02-11 08:59:59+00');
select isnt(app_private.feedback_form(extensions.digest(:'tok_plain', 'sha256')), null, 'usable one second before it expires');
select tests.freeze_time('2026-02-11 09:00+00');
select is(app_private.feedback_form(extensions.digest(:'tok_plain', 'sha256')), null, 'an expired token gives no form');
select is(
    app_private.submit_feedback(extensions.digest(:'tok_plain', 'sha256'), '{"items": [{"sku": "BULK-01", "rating": 4}]}'),
    '{"accepted": false}'::jsonb, 'an expired token: not accepted'
);
select is(
    (select submissions from app_private.feedback_tokens where id = :'t_plain'), 0, 'and not counted'
);

-- ------------------------------------------------------------ GRACE and EXPIRED leads
select pg_temp.val('rep@alpha.test', '2026-03-12 09:00+00', format(
    'select id from api.create_sample_box(%L, %L)', :'grace', '[{"sku": "CF-1003", "qty": 3}]'
)) as box_grace \gset
select pg_temp.val('rep@alpha.test', '2026-03-12 09:00+00', format(
    'select feedback_token from api.start_test_phase(%L, %L, %L)', :'box_grace', 'TRIAL', '2026-03-12'
)) as tok_grace \gset
select pg_temp.val('rep@alpha.test', '2026-03-12 09:00+00', format(
    'select id from api.create_sample_box(%L, %L)', :'expired', '[{"sku": "CF-1003", "qty": 3}]'
)) as box_expired \gset
select pg_temp.val('rep@alpha.test', '2026-03-12 09:00+00', format(
    'select feedback_token from api.start_test_phase(%L, %L, %L)', :'box_expired', 'TRIAL', '2026-03-12'
)) as tok_expired \gset

select is(
    (tests.protection('rep@alpha.test', :'grace', '2026-03-15 09:00+00')).status, 'GRACE',
    'in grace (box and phase set up during grace)'
);
select tests.freeze_time('2026-03-15 09:00+00');
select is(
    app_private.submit_feedback(extensions.digest(:'tok_grace', 'sha256'), '{"items": [{"sku": "CF-1003", "rating": 5}]}')
    ->> 'accepted',
    'true', 'feedback arrives for a lead in grace'
);
select is(
    (tests.protection('rep@alpha.test', :'grace', '2026-03-15 09:00+00')).status, 'ACTIVE',
    'the SAMPLE_FEEDBACK activity makes the lead ACTIVE again'
);
select is(
    (tests.protection('rep@alpha.test', :'grace', '2026-03-15 09:00+00')).last_progress_at,
    '2026-03-15 09:00+00'::timestamptz, 'with the submission as its last progress'
);

select is(
    (tests.protection('manager@alpha.test', :'expired', '2026-03-25 09:00+00')).status, 'EXPIRED',
    'a lead past its grace is EXPIRED'
);
select tests.freeze_time('2026-03-25 09:00+00');
select is(
    app_private.submit_feedback(extensions.digest(:'tok_expired', 'sha256'), '{"items": [{"sku": "CF-1003", "rating": 2}]}')
    ->> 'accepted',
    'true', 'its still valid link accepts feedback'
);
select is(
    (select count(*)::int from app.activities where lead_id = :'expired' and kind = 'SAMPLE_FEEDBACK'),
    0, 'but no activity revives the expired lead'
);
select is(
    (select array_agg(u.email order by u.email) from app.notifications as n inner join app.users as u on n.user_id = u.id
     where n.lead_id = :'expired' and n.kind = 'FEEDBACK_RECEIVED'),
    array['manager@alpha.test'], 'the managers are told instead of the owner'
);
select is(
    (tests.protection('manager@alpha.test', :'expired', '2026-03-25 09:00+00')).status, 'EXPIRED', 'it stays EXPIRED'
);
select is(
    tests.act('manager@alpha.test', '2026-03-25 09:00+00',
        format('select api.create_sample_box(%L, %L)', :'expired', '[{"sku": "CF-1001", "qty": 1}]')),
    'FP310 409', 'no new box for an expired lead, even by a manager'
);

-- ------------------------------------------------------------ results and feedback by the rep
select pg_temp.val('rep@alpha.test', '2026-01-16 09:00+00', format(
    'select outcome from api.record_test_result(%L, %L, %L, %s, %s, %L)', :'phase', 'CF-1001', 'SUCCESS', 80, -12.5, 'Gut verkauft'
)) as outcome1 \gset
select is(:'outcome1'::text, 'SUCCESS', 'the owner records a result');
select is(
    pg_temp.val('rep@alpha.test', '2026-01-16 10:00+00', format(
        'select outcome || ''/'' || sell_through || ''/'' || coalesce(waste_delta::text, ''-'') from api.record_test_result(%L, %L, %L, %s)',
        :'phase', 'CF-1001', 'MIXED', 60
    )),
    'MIXED/60.00/-', 'recording again replaces the result'
);
select is(
    (select count(*)::int from app.test_results where phase_id = :'phase' and sku = 'CF-1001'), 1, 'one row per product'
);
select is(
    (select array_agg(coalesce(before ->> 'outcome', '-') || '>' || (after ->> 'outcome') order by id)
     from app.audit_log where action = 'test_result.recorded' and lead_id = :'lead'),
    array['->SUCCESS', 'SUCCESS>MIXED'], 'both are audited, the second with the result before'
);
select is(
    tests.act('rep@alpha.test', '2026-01-16 10:00+00',
        format('select api.record_test_result(%L, %L, %L)', :'phase', 'CF-1003', 'SUCCESS')),
    'FP907 422', 'a product outside the box'
);
select is(
    tests.act('rep@alpha.test', '2026-01-16 10:00+00',
        format('select api.record_test_result(%L, %L, %L)', :'phase', 'CF-1001', 'GOOD')),
    'FP908 400', 'an unknown outcome'
);
select is(
    tests.act('rep@alpha.test', '2026-01-16 10:00+00',
        format('select api.record_test_result(%L, %L, %L, %s)', :'phase', 'CF-1001', 'FAIL', 101)),
    'FP908 400', 'sell_through 101'
);
select is(
    tests.act('rep@alpha.test', '2026-01-16 10:00+00',
        format('select api.record_test_result(%L, %L, %L, null, %s)', :'phase', 'CF-1001', 'FAIL', -101)),
    'FP908 400', 'waste_delta -101'
);
select is(
    tests.act('helper@alpha.test', '2026-01-16 10:00+00',
        format('select api.record_test_result(%L, %L, %L)', :'phase', 'CF-1001', 'FAIL')),
    'FP102 403', 'a collaborator cannot record results'
);
select is(
    tests.act('rep@alpha.test', '2026-01-16 10:00+00',
        format('select api.log_feedback(%L, %L, 4, null, %L)', :'phase', 'CF-1002', 'FORM')),
    'FP908 400', 'the rep cannot log FORM feedback'
);
select is(
    tests.act('rep@alpha.test', '2026-01-16 10:00+00',
        format('select api.log_feedback(%L, %L, 6, null, %L)', :'phase', 'CF-1002', 'PHONE')),
    'FP908 400', 'rating 6'
);
select is(
    tests.act('rep@alpha.test', '2026-01-16 10:00+00',
        format('select api.log_feedback(%L, %L, 4, null, %L, received_at => %L)', :'phase', 'CF-1002', 'PHONE', '2026-01-17 10:00+00')),
    'FP402 422', 'received in the future'
);
select is(
    pg_temp.val('rep@alpha.test', '2026-01-16 10:00+00', format(
        'select concat_ws(''/'', source, rating, contact_role, recorded_by, submission_id) '
        'from api.log_feedback(%L, %L, 4, %L, %L, true, %L, %L)',
        :'phase', 'CF-1002', 'Am Telefon gelobt', 'PHONE', 'Anna Koch', 'CHEF'
    )),
    'PHONE/4/CHEF/' || tests.user_id('rep@alpha.test'), 'PHONE feedback is logged by the rep'
);

-- ------------------------------------------------------------ visibility
select is(
    pg_temp.val('helper@alpha.test', '2026-01-16 11:00+00', format(
        'select concat_ws(''/'', (select count(*) from api.sample_boxes where lead_id = %1$L), '
        '(select count(*) from api.test_phases where lead_id = %1$L), (select count(*) from api.test_results where lead_id = %1$L), '
        '(select count(*) from api.product_feedback where lead_id = %1$L))',
        :'lead'
    )),
    '1/1/1/4', 'a VIEW collaborator reads the box, phase, result and feedback'
);
select is(
    pg_temp.val('other@alpha.test', '2026-01-16 11:00+00', format(
        'select concat_ws(''/'', (select count(*) from api.sample_boxes where lead_id = %1$L), '
        '(select count(*) from api.test_phases where lead_id = %1$L), (select count(*) from api.test_results where lead_id = %1$L), '
        '(select count(*) from api.product_feedback where lead_id = %1$L))',
        :'lead'
    )),
    '0/0/0/0', 'another rep of the tenant reads none of it'
);
select is(
    pg_temp.val('rep@beta.test', '2026-01-16 11:00+00',
        'select concat_ws(''/'', (select count(*) from api.sample_boxes), (select count(*) from api.test_phases), '
        '(select count(*) from api.test_results), (select count(*) from api.product_feedback))'),
    '0/0/0/0', 'a rep of another tenant reads none of it'
);
select is(
    pg_temp.val('rep@alpha.test', '2026-01-16 11:00+00',
        format('select count(*) from app_private.feedback_tokens where phase_id = %L and revoked_at is not null', :'phase')),
    '3', 'the owner reads the state of the phase''s tokens'
);
select is(
    tests.act('rep@alpha.test', '2026-01-16 11:00+00', 'select token_hash from app_private.feedback_tokens'),
    'sqlstate 42501', 'but not their hashes'
);
select is(
    tests.act('manager@alpha.test', '2026-01-16 11:00+00', 'select token_hash from app_private.feedback_tokens'),
    'sqlstate 42501', 'nor does a manager'
);
select is(
    tests.act('rep@alpha.test', '2026-01-16 11:00+00', 'update app_private.feedback_tokens set submissions = 0'),
    'sqlstate 42501', 'a rep cannot reset a token''s count'
);
select is(
    tests.act('rep@alpha.test', '2026-01-16 11:00+00',
        format('select app_private.submit_feedback(decode(%L, ''hex''), %L)', :'h5', '{"items": []}')),
    'sqlstate 42501', 'a rep cannot submit feedback'
);
select is(
    tests.act('manager@alpha.test', '2026-01-16 11:00+00', format('select app_private.feedback_form(decode(%L, ''hex''))', :'h5')),
    'sqlstate 42501', 'a manager cannot read the form'
);
select is(
    tests.act('helper@alpha.test', '2026-01-16 11:00+00', format(
        'insert into app.sample_boxes (tenant_id, lead_id, configured_by) values (%L, %L, %L)',
        :'alpha', :'lead', tests.user_id('helper@alpha.test')
    )),
    'sqlstate 42501', 'a collaborator cannot insert a box directly'
);
select is(
    tests.act('other@alpha.test', '2026-01-16 11:00+00', format(
        'insert into app.sample_boxes (tenant_id, lead_id, configured_by) values (%L, %L, %L)',
        :'alpha', :'lead', tests.user_id('other@alpha.test')
    )),
    'sqlstate 42501', 'nor can another rep'
);

select * from finish();
rollback;
