-- Samples and feedback links (SPEC 6): sample boxes, test phases, the feedback token (only its
-- SHA-256 stored, the raw token only in the pending invitation), rotation and revocation, the
-- public submission (counted, first one is a qualifying activity unless the lead expired), the
-- feedback form, visibility, test results and feedback logged by the rep.
begin;
select plan(175);
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

-- ------------------------------------------------------------ links and ownership changes
-- A lead released by the sweep, one expired now by a manager and one transferred: the former
-- owner's links must not reach into the next cycle (security review, issue 10).
select tests.register_lead('rep@alpha.test', 'Gasthof Abgelaufen', '2026-04-01 08:00+00') as rel \gset
select tests.register_lead('rep@alpha.test', 'Gasthof Sofort', '2026-04-01 08:00+00') as now_lead \gset
select tests.register_lead('rep@alpha.test', 'Gasthof Wechsel', '2026-04-01 08:00+00') as moved \gset
select tests.register_lead('rep@alpha.test', 'Hotel Dreh', '2026-04-01 08:00+00') as spin \gset
update app.lead_details set contact_email = 'kueche@example.test' where lead_id in (:'rel', :'now_lead', :'moved', :'spin');

-- A box and a started phase of a lead by its owner at a time; returns the raw token.
create function pg_temp.link_for(p_lead uuid, p_at timestamptz) returns text
language plpgsql as $$
declare
    v_box text;
begin
    v_box := pg_temp.val('rep@alpha.test', p_at, format(
        'select id from api.create_sample_box(%L, %L)', p_lead, '[{"sku": "CF-1001", "qty": 1}]'
    ));
    return pg_temp.val('rep@alpha.test', p_at, format(
        'select feedback_token from api.start_test_phase(%L, %L, %L)', v_box, 'SAMPLE', p_at::date
    ));
end
$$;
-- The id of a raw token's row.
create function pg_temp.token_id(p_token text) returns uuid
language sql as $$
    select t.id from app_private.feedback_tokens as t where t.token_hash = extensions.digest(p_token, 'sha256')
$$;
-- The message of the domain error a statement raises as a user at a time (null if none).
create function pg_temp.message_of(p_email text, p_at timestamptz, p_sql text) returns text
language plpgsql as $$
begin
    perform tests.freeze_time(p_at);
    perform tests.authenticate_as(p_email);
    execute p_sql;
    perform tests.clear_authentication();
    return null;
exception when sqlstate 'PGRST' then
    return sqlerrm::jsonb ->> 'message';
end
$$;

select pg_temp.link_for(:'now_lead', '2026-04-02 09:00+00') as tok_now \gset
select pg_temp.link_for(:'moved', '2026-04-02 09:00+00') as tok_moved \gset
select pg_temp.link_for(:'spin', '2026-04-02 09:00+00') as tok_spin \gset

select is(
    tests.act('manager@alpha.test', '2026-04-03 09:00+00',
        format('select api.expire_now(%L, %L)', :'now_lead', 'The customer closed the kitchen')),
    'ok', 'a manager expires a lead with a live link now'
);
select is(
    (select revoked_at from app_private.feedback_tokens where id = pg_temp.token_id(:'tok_now')),
    '2026-04-03 09:00+00'::timestamptz, 'expire_now revokes the lead''s link'
);
select tests.freeze_time('2026-04-03 09:00+00');
select is(app_private.feedback_form(extensions.digest(:'tok_now', 'sha256')), null, '... which gives no form any more');
select is(
    pg_temp.mails(pg_temp.token_id(:'tok_now')), array['feedback_invitation:CANCELLED', 'feedback_reminder:CANCELLED'],
    '... and its pending mails are cancelled'
);
select is(
    (select array[actor_id::text, after ->> 'cause'] from app.audit_log
     where lead_id = :'now_lead' and action = 'feedback_link.revoked'),
    array[tests.user_id('manager@alpha.test')::text, 'lead.expired_now'],
    'the revocation is audited, by the manager, naming the cause'
);

select is(
    tests.act('manager@alpha.test', '2026-04-03 09:00+00',
        format('select api.transfer_lead(%L, %L, %L)', :'moved', tests.user_id('helper@alpha.test'), 'Rep moves to another region')),
    'ok', 'a manager transfers a lead with a live link'
);
select is(
    (select revoked_at from app_private.feedback_tokens where id = pg_temp.token_id(:'tok_moved')),
    '2026-04-03 09:00+00'::timestamptz, 'the transfer revokes the lead''s link'
);
select tests.freeze_time('2026-04-03 09:00+00');
select is(
    app_private.submit_feedback(extensions.digest(:'tok_moved', 'sha256'), '{"items": [{"sku": "CF-1001", "rating": 4}]}'),
    '{"accepted": false}'::jsonb, 'the former owner''s link no longer takes feedback'
);
select is(
    (select array[actor_id::text, after ->> 'cause'] from app.audit_log
     where lead_id = :'moved' and action = 'feedback_link.revoked'),
    array[tests.user_id('manager@alpha.test')::text, 'lead.transferred'], 'audited as a revocation caused by the transfer'
);
select is(
    pg_temp.val('helper@alpha.test', '2026-04-03 10:00+00',
        format('select feedback_link_state from api.test_phases where lead_id = %L', :'moved')),
    'REVOKED', 'the new owner sees the link REVOKED'
);
select is(
    tests.act('helper@alpha.test', '2026-04-03 10:00+00',
        format('select api.rotate_feedback_token(%L)', tests.phase_of(:'moved'))),
    'ok', 'and issues a new one of their own by rotating'
);

-- ------------------------------------------------------------ rotation throttle
-- At most sample.feedback.maxRotationsPerDay (3) rotations of a phase in 24 hours: each one mails
-- the contact.
select tests.phase_of(:'spin') as spin_phase \gset
select is(
    tests.act('rep@alpha.test', '2026-04-02 09:30+00',
        format('select app_private.issue_feedback_token(%L, %L)', :'spin_phase', 'feedback_link.issued')),
    'FP916 409', 'a phase''s first link cannot be issued again (direct SQL): further links are rotations'
);
select tests.act('rep@alpha.test', '2026-04-02 10:00+00', format('select api.rotate_feedback_token(%L)', :'spin_phase')) as rot_a \gset
select tests.act('rep@alpha.test', '2026-04-02 11:00+00', format('select api.rotate_feedback_token(%L)', :'spin_phase')) as rot_b \gset
select tests.act('rep@alpha.test', '2026-04-02 12:00+00', format('select api.rotate_feedback_token(%L)', :'spin_phase')) as rot_c \gset
select is(
    array[:'rot_a', :'rot_b', :'rot_c'], array['ok', 'ok', 'ok'], 'three rotations in a day'
);
select id as spin_current from app_private.feedback_tokens
where phase_id = :'spin_phase' and revoked_at is null \gset
select is(
    tests.act('rep@alpha.test', '2026-04-02 13:00+00', format('select api.rotate_feedback_token(%L)', :'spin_phase')),
    'FP915 429', 'the fourth within 24 hours is refused'
);
select is(
    pg_temp.message_of('rep@alpha.test', '2026-04-02 13:00+00', format('select api.rotate_feedback_token(%L)', :'spin_phase')),
    'The feedback link of this test phase was already replaced 3 times in 24 hours; you can replace it again from '
    '2026-04-03 12:00.',
    'naming when it is possible again (tenant time)'
);
select is(
    (select array[count(*)::text, max(id::text) filter (where revoked_at is null)]
     from app_private.feedback_tokens where phase_id = :'spin_phase'),
    array['4', :'spin_current'], 'the refused rotation issued nothing and left the current link alone'
);
select is(
    pg_temp.mails(:'spin_current'), array['feedback_invitation:PENDING', 'feedback_reminder:PENDING'],
    '... and its mails'
);
select is(
    tests.act('manager@alpha.test', '2026-04-03 09:59:59+00', format('select api.rotate_feedback_token(%L)', :'spin_phase')),
    'FP915 429', 'a second before the first rotation is 24 hours old: refused (for a manager too)'
);
select is(
    tests.act('rep@alpha.test', '2026-04-03 10:00+00', format('select api.rotate_feedback_token(%L)', :'spin_phase')),
    'ok', 'the next day, 24 hours after the first rotation: allowed again'
);
select is(
    tests.act('admin@alpha.test', '2026-04-03 10:00+00',
        $$ select api.set_setting('sample.feedback.maxRotationsPerDay', 'tenant', '1') $$),
    'ok', 'the tenant allows one rotation a day'
);
select is(
    pg_temp.message_of('rep@alpha.test', '2026-04-04 09:00+00', format('select api.rotate_feedback_token(%L)', :'spin_phase')),
    'The feedback link of this test phase was already replaced once in 24 hours; you can replace it again from '
    '2026-04-04 12:00.',
    'then a second rotation within 24 hours is refused'
);
select is(
    tests.act('admin@alpha.test', '2026-04-04 09:00+00',
        $$ select api.set_setting('sample.feedback.maxRotationsPerDay', 'tenant', '0') $$),
    'FP203 400', 'at least one rotation a day stays allowed'
);
delete from app.settings_values where key = 'sample.feedback.maxRotationsPerDay';

-- ------------------------------------------------------------ GDPR: nothing of the contact stays
-- The contact's name, e-mail and phone go into the lead, the mails and the form; after release
-- and pseudonymisation no audit row, activity, mail job or any other row may keep them.
select pg_temp.val('rep@alpha.test', '2026-04-01 08:00+00', $$
    select id from api.register_lead(
        'Hotel Privatsache', '10115', 'Berlin', contact_name => 'Erika Muster',
        contact_email => 'Erika.Muster@Privat.test', contact_phone => '+49 30 5550123'
    )
$$) as priv \gset
select encode(sha256('erika.muster@privat.test'), 'hex') as priv_hash \gset

-- Where the lead's audit rows, activities and mail jobs that are no longer pending still hold the
-- contact's name, e-mail or phone (any case): 'audit <action>', 'activity <kind>', 'job <template> <state>'.
create function pg_temp.personal_data(p_lead uuid) returns text[]
language sql as $$
    with places as (
        select 'audit ' || a.action as place, a.id::text as k, lower(a::text) as body
        from app.audit_log as a where a.lead_id = p_lead
        union all
        select 'activity ' || x.kind, x.id::text, lower(x::text) from app.activities as x where x.lead_id = p_lead
        union all
        select 'job ' || j.template || ' ' || j.state, j.id::text, lower(j::text)
        from app.jobs as j
        where
            j.state <> 'PENDING'
            and (to_jsonb(j) ->> 'lead_id' = p_lead::text or j.payload ->> 'lead_id' = p_lead::text
                 or j.dedupe_key in (
                     select k.p || t.id from app_private.feedback_tokens as t
                     cross join (values ('feedback_invitation:'), ('feedback_reminder:')) as k (p)
                     where t.lead_id = p_lead
                 ))
    )
    select coalesce(array_agg(p.place order by p.place, p.k), '{}')
    from places as p
    where p.body ~ '(erika muster|erika\.muster@privat\.test|5550123)'
$$;

select pg_temp.link_for(:'priv', '2026-04-02 09:00+00') as tok_priv \gset
select pg_temp.token_id(:'tok_priv') as t_priv \gset
select is(pg_temp.personal_data(:'priv'), '{}'::text[], 'issuing the link audits no address');
select is(
    (select after -> 'invitation_queued' from app.audit_log where lead_id = :'priv' and action = 'feedback_link.issued'),
    'true'::jsonb, '(the audit says an invitation was queued)'
);
select app_private.finish_job(id) from app.jobs where dedupe_key = 'feedback_invitation:' || :'t_priv';
select tests.freeze_time('2026-04-03 09:00+00');
set local role svc_api;
select app_private.submit_feedback(
    extensions.digest(:'tok_priv', 'sha256'),
    '{"contact": {"name": "Erika Muster", "role": "CHEF"}, "items": [{"sku": "CF-1001", "rating": 5}]}'
) ->> 'accepted' as priv_accepted \gset
reset role;
select is(:'priv_accepted'::text, 'true', 'the contact gives feedback under her name');
select is(
    (select note from app.activities where lead_id = :'priv' and kind = 'SAMPLE_FEEDBACK'),
    'Kundenfeedback über den Feedback-Link (SAMPLE): 1 Produkt(e) bewertet, von der Kontaktperson (CHEF).',
    'the activity names the contact''s role, not her name'
);
select is(
    pg_temp.personal_data(:'priv'), array['job feedback_invitation DONE', 'job feedback_reminder CANCELLED'],
    'only the sent invitation and the cancelled reminder hold her data (until GDPR)'
);
select is(
    pg_temp.val('rep@alpha.test', '2026-04-04 09:00+00',
        format('select feedback_token is not null from api.rotate_feedback_token(%L)', tests.phase_of(:'priv'))),
    'true', 'the link is rotated'
);
select id as priv_job from app.jobs where lead_id = :'priv' and state = 'PENDING' and template = 'feedback_invitation' \gset
select is(
    app_private.fail_job(:priv_job, '550 5.1.1 <Erika.Muster@Privat.test>: Recipient address rejected', true),
    'PARKED', 'its invitation bounces and is parked with the server''s answer'
);
select is(
    tests.act('admin@alpha.test', '2026-04-04 10:00+00', format('select api.requeue_job(%s)', :priv_job)),
    'FP809 409', 'it cannot be re-queued: its link is gone once it parks (rotate the link instead)'
);
select is(
    (select count(*)::int from app.audit_log where action = 'job.requeued' and strpos(lower(audit_log::text), 'erika') > 0),
    0, 'the audit of the re-queue does not copy the error naming the address'
);
select is(
    pg_temp.val('admin@alpha.test', '2026-04-04 10:00+00',
        format('select count(*) from api.jobs where lead_id = %L and template like %L', :'priv', 'feedback%')),
    '3', 'admins see which lead a mail is about'
);

-- a link handed out in grace, still valid when the lead is released
select pg_temp.link_for(:'rel', '2026-06-05 09:00+00') as tok_rel \gset
-- released by the sweep (protection ended on 12 June; the other leads above go as well)
select tests.freeze_time('2026-06-13 09:00+00');
select ok((app_private.run_job('sweep') ->> 'released')::int >= 3, 'the sweep releases the expired leads');
select is(
    (select array_agg(t.revoked_at order by t.lead_id) from app_private.feedback_tokens as t
     where t.lead_id in (:'rel', :'priv') and t.created_at = (
        select max(u.created_at) from app_private.feedback_tokens as u where u.lead_id = t.lead_id)),
    array['2026-06-13 09:00+00'::timestamptz, '2026-06-13 09:00+00'::timestamptz],
    'the release revokes their links'
);
select is(app_private.feedback_form(extensions.digest(:'tok_rel', 'sha256')), null, 'a released lead''s link gives no form');
select is(
    (select array[coalesce(actor_id::text, 'system'), after ->> 'cause'] from app.audit_log
     where lead_id = :'rel' and action = 'feedback_link.revoked'),
    array['system', 'lead.released'], 'audited as revoked by the system on release'
);
select is(
    (select count(*)::int from app.jobs where lead_id = :'priv' and template = 'expired'), 2,
    'the EXPIRED mails (owner and manager) name the lead'
);
select app_private.finish_job(id) from app.jobs
where lead_id = :'priv' and template = 'expired' and user_id = tests.user_id('rep@alpha.test');

select tests.freeze_time('2026-08-12 08:59:59+00');
select app_private.run_job('gdpr') as gdpr1 \gset
select is(
    (select pseudonymized_at from app.leads where id = :'priv'), null, 'a second before 60 days after release: kept'
);
select tests.freeze_time('2026-08-12 09:00+00');
select app_private.run_job('gdpr') as gdpr2 \gset
select is(
    (select pseudonymized_at from app.leads where id = :'priv'), '2026-08-12 09:00+00'::timestamptz,
    'at 60 days: pseudonymised'
);
select is(pg_temp.personal_data(:'priv'), '{}'::text[], 'no audit row, activity or finished mail job keeps her data');
select is(
    pg_temp.holders('Erika Muster') || pg_temp.holders('Erika.Muster@Privat.test')
    || pg_temp.holders('erika.muster@privat.test') || pg_temp.holders('5550123'),
    '{}'::text[], 'nor does any other row of the database'
);
select is(
    (select array_agg(template || ' ' || state || ' ' || (to_address = :'priv_hash') || ' ' || payload::text order by id)
     from app.jobs where lead_id = :'priv' and template like 'feedback%'),
    array[
        'feedback_invitation DONE true {}', 'feedback_reminder CANCELLED true {}',
        'feedback_invitation CANCELLED true {}'
    ],
    'her mails keep the hash of the address and no values; the parked one is cancelled'
);
select is(
    (select array_agg(state || ' ' || (to_address like '%@%') || ' ' || (payload = '{}') order by state)
     from app.jobs where lead_id = :'priv' and template = 'expired'),
    array['DONE false true', 'PENDING true false'], 'a sent EXPIRED mail is blanked too, a pending one is left to send'
);
select is(
    tests.act('admin@alpha.test', '2026-08-12 09:00+00', format('select api.requeue_job(%s)', :priv_job)),
    'FP808 409', 'the blanked mail cannot be re-queued'
);
select is(app_private.run_job('gdpr') ->> 'pseudonymized', '0', 'a second run changes nothing');

select * from finish();
rollback;
