-- The authorization matrix (SPEC 10.2): every api view and function x every web role (and no
-- token) x the caller's relation to the target (own lead, collaborated lead, another rep's lead,
-- pool lead, another tenant's lead, ...), with the expected outcome. It is data, run by one loop,
-- and it fails when an api object has no rows here. Objects are named as in the catalog: views and
-- rpc functions by name, the computed relationships (functions taking an api view's row) by their
-- signature, since they share their names with the views they return (api.activities(api.leads)).
begin;

-- ------------------------------------------------------------ fixtures (tenant alpha, beta)
select tests.create_tenant('alpha');
select tests.create_tenant('beta');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');
select tests.create_user('auditor@alpha.test', 'auditor', 'alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('colleague@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('helper@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('spare@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('rep@beta.test', 'sales_rep', 'beta');
select tests.create_user('helper@beta.test', 'sales_rep', 'beta');

-- LEAST mode, so extension requests are possible.
insert into app.settings_values (key, scope, tenant_id, target_id, value)
select 'lead.protection.mode', 'tenant', t.id, t.id as target_id, '"LEAST"' from app.tenants as t where t.slug = 'alpha';

select tests.register_lead('rep@alpha.test', 'Adler Eigen', '2026-01-10 09:00+00') as own_lead \gset
select tests.register_lead('colleague@alpha.test', 'Baer Geteilt', '2026-01-10 09:00+00') as collab_lead \gset
select tests.register_lead('colleague@alpha.test', 'Chamaeleon Fremd', '2026-01-10 09:00+00') as other_lead \gset
select tests.register_lead('colleague@alpha.test', 'Dachs Pool', '2026-01-10 09:00+00') as pool_lead \gset
select tests.register_lead('rep@beta.test', 'Elch Nord', '2026-01-10 09:00+00') as beta_lead \gset

-- Every lead has an activity, a collaborator and a pending open hold from Jan 15; some have a
-- pending extension request. The pool lead is released by a manager afterwards.
insert into app.activities (tenant_id, lead_id, assignment_id, kind, occurred_at)
select tenant_id, id, assignment_id, 'MEETING', '2026-01-11 09:00+00' from app.leads;
insert into app.collaborators (lead_id, user_id, tenant_id, role)
select l.id, tests.user_id(case when l.tenant_id = t.id then 'helper@beta.test' else 'helper@alpha.test' end), l.tenant_id, 'ASSIST'
from app.leads as l, app.tenants as t where t.slug = 'beta';
insert into app.collaborators (lead_id, user_id, tenant_id, role)
select :'collab_lead', tests.user_id('rep@alpha.test'), tenant_id, 'VIEW' from app.leads where id = :'collab_lead';
insert into app.holds (tenant_id, lead_id, assignment_id, reason, start_at, state, requested_by)
select tenant_id, id, assignment_id, 'CUSTOMER_BLOCKED', '2026-01-15 09:00+00', 'PENDING', owner_id from app.leads;
insert into app.extension_requests (tenant_id, lead_id, assignment_id, days, reason, requested_by, due_at)
select tenant_id, id, assignment_id, 10, 'Fixture request', owner_id, '2026-01-22 09:00+00'
from app.leads where id in (:'collab_lead', :'other_lead', :'beta_lead');
select tests.freeze_time('2026-01-20 09:00+00');
select tests.authenticate_as('manager@alpha.test');
select count(*) from api.expire_now(:'pool_lead', 'Fixture: to the pool');
select tests.clear_authentication();
insert into app.notifications (tenant_id, user_id, kind, subject, body)
select tenant_id, id, 'TEST', 'Fixture', 'Fixture' from app.users;
-- Every user has a notification about every lead of their tenant (for the embedding of notifications).
insert into app.notifications (tenant_id, user_id, kind, lead_id, subject, body)
select l.tenant_id, u.id as user_id, 'LEAD_TEST', l.id as lead_id, 'Fixture', 'Fixture'
from app.leads as l inner join app.users as u on l.tenant_id = u.tenant_id;
insert into app.jobs (tenant_id, kind, user_id, to_address, template, payload, dedupe_key)
select tenant_id, 'mail.send', id, email, 'warning', '{}', 'fixture:' || id
from app.users where email in ('rep@alpha.test', 'rep@beta.test');
-- and one parked job per tenant, to re-queue
insert into app.jobs (tenant_id, kind, to_address, template, payload, dedupe_key, state, attempts, last_error, finished_at)
select id, 'mail.send', 'parked@' || slug || '.test', 'warning', '{}', 'parked:' || slug, 'PARKED', 8, 'Fixture', now()
from app.tenants;
insert into app.products (tenant_id, sku, name, unit, xentral_id, net_price, currency)
select id, upper(slug) || '-1', 'Produkt', 'Stück', '1', 2.5, 'EUR' from app.tenants;
-- Every lead is linked to a Xentral customer and has a sales order.
insert into app.lead_details (lead_id, tenant_id, xentral_customer_id)
select id, tenant_id, '17' from app.leads
on conflict (lead_id) do update set xentral_customer_id = excluded.xentral_customer_id;
insert into app.sales_orders (tenant_id, lead_id, xentral_customer_id, items)
select tenant_id, id, '17', '[{"sku": "X", "qty": 1}]' from app.leads;
-- an unmatched inbound mail in each tenant
insert into app.imap_mailboxes (mailbox, tenant_id) select 'box@' || slug, id from app.tenants;
insert into app.inbound_mails (tenant_id, mailbox, uidvalidity, uid, from_address, subject, size_bytes)
select id, 'box@' || slug, 1, 1, 'kunde@' || slug || '.test', 'Fixture', 10 from app.tenants;
-- and a credit check with a limit request
insert into app.credit_checks (tenant_id, lead_id, company_id, status, grade)
select tenant_id, id, '1001', 'GRADED', '4' from app.leads;
insert into app.credit_limit_requests (tenant_id, lead_id, check_id, company_id, amount_eur)
select tenant_id, lead_id, id, company_id, 5000 from app.credit_checks;
-- One AI call of every user and a budget month of every organisation.
insert into app.ai_calls (tenant_id, org_id, user_id, use_case, prompt_version, provider, model, tier, latency_ms, outcome)
select tenant_id, org_id, id, 'email_categorize', 'v1', 'openai', 'gpt-6-luna', 'small', 12, 'ok' from app.users;
insert into app.ai_budget_months (org_id, tenant_id, month, spent_eur)
select id, tenant_id, '2026-01-01', 1.5 from app.orgs;
-- Xentral is configured, and each tenant's connector state carries its own error.
update app.connectors set configured = true where connector = 'xentral';
insert into app.connector_states (tenant_id, connector, last_error_at, last_error)
select id, 'xentral', '2026-01-10 09:00+00', 'Fixture: ' || slug from app.tenants;
-- Every lead has a sample box with its tenant's product, a test phase with a usable link, a
-- result and a feedback row.
insert into app.sample_boxes (tenant_id, lead_id, configured_at)
select tenant_id, id, '2026-01-11 09:00+00' from app.leads;
insert into app.sample_box_items (box_id, tenant_id, lead_id, sku, qty)
select b.id, b.tenant_id, b.lead_id, upper(t.slug) || '-1', 1
from app.sample_boxes as b inner join app.tenants as t on b.tenant_id = t.id;
insert into app.test_phases (tenant_id, lead_id, box_id, stage, start_date, created_at)
select tenant_id, lead_id, id, 'SAMPLE', '2026-01-12', '2026-01-12 09:00+00' from app.sample_boxes;
insert into app.test_results (tenant_id, lead_id, phase_id, sku, outcome)
select p.tenant_id, p.lead_id, p.id, i.sku, 'SUCCESS'
from app.test_phases as p inner join app.sample_box_items as i on p.box_id = i.box_id;
insert into app.product_feedback (tenant_id, lead_id, phase_id, sku, rating, source, received_at)
select p.tenant_id, p.lead_id, p.id, i.sku, 4, 'PHONE', '2026-01-13 09:00+00'
from app.test_phases as p inner join app.sample_box_items as i on p.box_id = i.box_id;
insert into app_private.feedback_tokens (tenant_id, lead_id, phase_id, token_hash, created_at, expires_at, max_submissions)
select tenant_id, lead_id, id, extensions.digest(id::text, 'sha256'), '2026-01-12 09:00+00', '2026-02-11 09:00+00', 5
from app.test_phases;

-- Today's and yesterday's KPI rows of each tenant.
select app_private.snapshot_kpis();

-- One alert firing in each tenant (the matrix checks who reads them, test_93 how they fire).
insert into app.alert_states (tenant_id, alert, subject, severity, value, threshold, fired_at, evaluated_at)
select t.id, 'JobBacklogHigh', 'mail.send', 'warning', 150, 100, '2026-01-12 09:00+00', '2026-01-12 09:00+00'
from app.tenants as t where t.slug in ('alpha', 'beta');

-- The unmatched mail of the target lead's tenant (reps never see an unmatched one).
create function pg_temp.mail_of(p_lead uuid) returns uuid
language sql security definer as $$
    select m.id from app.inbound_mails as m inner join app.leads as l on m.tenant_id = l.tenant_id
    where l.id = p_lead limit 1
$$;

-- Who acts for each role (all in tenant alpha); anon acts without a token.
create temporary table actors (role text primary key, email text);
insert into actors values
('anon', null),
('sales_rep', 'rep@alpha.test'),
('sales_manager', 'manager@alpha.test'),
('auditor', 'auditor@alpha.test'),
('tenant_admin', 'admin@alpha.test');

-- Targets by relation, as text for the probes' %L.
create temporary table targets (relation text primary key, target text);
insert into targets values
('own', :'own_lead'),
('collab', :'collab_lead'),
('other', :'other_lead'),
('pool', :'pool_lead'),
('other_tenant', :'beta_lead'),
('self', 'self'),
('new', 'new'),
('tenant_user', tests.user_id('colleague@alpha.test')),
('other_tenant_user', tests.user_id('rep@beta.test')),
('tenant_org', (select o.id::text from app.orgs as o inner join app.tenants as t on o.tenant_id = t.id where t.slug = 'alpha')),
('other_tenant_org', (select o.id::text from app.orgs as o inner join app.tenants as t on o.tenant_id = t.id where t.slug = 'beta')),
('tenant_product', 'ALPHA-1'),
('other_tenant_product', 'BETA-1'),
('other_tenant_mail', 'rep@beta.test'),
('tenant_job', (select j.id::text from app.jobs as j where j.dedupe_key = 'parked:alpha')),
('other_tenant_job', (select j.id::text from app.jobs as j where j.dedupe_key = 'parked:beta')),
('tenant_connector', 'Fixture: alpha'),
('tenant_mail', 'kunde@alpha.test'),
('other_tenant_inbound', 'kunde@beta.test'),
('other_tenant_connector', 'Fixture: beta'),
('tenant_notification', (select n.id::text from app.notifications as n where n.user_id = tests.user_id('colleague@alpha.test') and n.kind = 'TEST'));

-- How each object is exercised: a statement returning one count; %L is the target.
-- Lead-scoped children are addressed through their lead.
create temporary table probes (object text, statement text, primary key (object));
insert into probes values
('api.users', 'select count(*) from api.users where id = %L'),
('api.user_accounts', 'select count(*) from api.user_accounts where id = %L'),
('api.whoami', 'select count(*) from api.whoami() where id is not null and %L is not null'),
('api.create_user', 'select count(*) from api.create_user(''probe@alpha.test'', ''Probe'', ''sales_rep'', %L)'),
('api.deactivate_user', 'select count(*) from api.deactivate_user(%L)'),
('api.leads', 'select count(*) from api.leads where id = %L'),
('api.lead_protection', 'select count(*) from api.lead_protection where lead_id = %L'),
('api.lead_pool', 'select count(*) from api.lead_pool where id = %L'),
('api.activities', 'select count(*) from api.activities where lead_id = %L'),
('api.activity_kinds', 'select count(*) from api.activity_kinds where %L is not null'),
('api.holds', 'select count(*) from api.holds where lead_id = %L'),
('api.collaborators', 'select count(*) from api.collaborators where lead_id = %L and user_id <> app.current_user_id()'),
('api.extension_requests', 'select count(*) from api.extension_requests where lead_id = %L'),
('api.audit_log', 'select least(count(*), 1) from api.audit_log where lead_id = %L'),
('api.notifications', 'select count(*) from api.notifications where kind = ''TEST'' and (%L = ''self'' or user_id::text = %1$L)'),
('api.products', 'select count(*) from api.products where sku = %L'),
('api.settings_effective', 'select count(*) from api.settings_effective where %L is not null and value is not null'),
('api.register_lead', 'select count(*) from api.register_lead(''Probe '' || %L, ''10115'', ''Berlin'')'),
('api.find_similar_leads', 'select count(*) from api.find_similar_leads(''Adler Eigen'', ''10115'') where %L is not null and similarity = 1'),
('api.claim_lead', 'select count(*) from api.claim_lead(%L)'),
('api.log_activity', 'select count(*) from api.log_activity(%L, ''MEETING'')'),
('api.add_hold', 'select count(*) from api.add_hold(%L, ''FFZ_SAMPLE_DELAY'', ''2026-01-12 09:00+00'', ''2026-01-13 09:00+00'')'),
('api.end_hold', 'select count(*) from api.end_hold(tests.hold_of(%L))'),
('api.decide_hold', 'select count(*) from api.decide_hold(tests.hold_of(%L), true)'),
('api.add_collaborator', 'select count(*) from api.add_collaborator(%L, tests.user_id(''spare@alpha.test''), ''VIEW'')'),
('api.remove_collaborator', 'select count(*) from api.remove_collaborator(%L, tests.user_id(''helper@alpha.test''))'),
('api.request_extension', 'select count(*) from api.request_extension(%L, 10, ''Customer decides next month'')'),
('api.decide_extension', 'select count(*) from api.decide_extension(tests.request_of(%L), true)'),
('api.override_protection', 'select count(*) from api.override_protection(%L, ''2026-06-01 09:00+00'', ''Strategic customer'')'),
('api.expire_now', 'select count(*) from api.expire_now(%L, ''Customer closed down'')'),
('api.transfer_lead', 'select count(*) from api.transfer_lead(%L, tests.user_id(''spare@alpha.test''), ''Region reorganised'')'),
('api.backdate_registration', 'select count(*) from api.backdate_registration(%L, ''2026-01-05 09:00+00'', ''Registered by phone'')'),
('api.set_setting', 'select count(*) from api.set_setting(''lead.protection.progressDays'', ''tenant'', ''30'') where %L is not null'),
('api.mark_notification_read', 'select count(*) from api.mark_notification_read(coalesce((select n.id from api.notifications as n where %L = ''self'' limit 1), nullif(%1$L, ''self'')::uuid))'),
('api.set_activity_kind', 'select count(*) from api.set_activity_kind(''NOTE'', true) where %L is not null'),
('api.jobs', 'select count(*) from api.jobs where template = ''warning'' and state = ''PENDING'' and (%L = ''self'' or to_address = %1$L)'),
('api.requeue_job', 'select count(*) from api.requeue_job(%L::bigint) where state = ''PENDING'''),
('api.integration_status', 'select count(*) from api.integration_status where connector = ''xentral'' and state = ''down'' and last_error = %L'),
('api.request_sync', 'select count(*) from api.request_sync(''xentral.products'') where state = ''PENDING'' and %L is not null'),
('api.ai_calls', 'select count(*) from api.ai_calls where (%L = ''self'' and user_id = app.current_user_id()) or user_id::text = %1$L'),
('api.ai_budget', 'select count(*) from api.ai_budget where org_id::text = %L and spent_eur = 1.5'),
('api.sample_boxes', 'select count(*) from api.sample_boxes where lead_id = %L'),
('api.test_phases', 'select count(*) from api.test_phases where lead_id = %L and feedback_link_state = ''ACTIVE'''),
('api.test_results', 'select count(*) from api.test_results where lead_id = %L'),
('api.product_feedback', 'select count(*) from api.product_feedback where lead_id = %L'),
('api.create_sample_box', 'select count(*) from api.create_sample_box(%L, ''[{"sku": "ALPHA-1", "qty": 2}]'')'),
('api.sales_orders', 'select count(*) from api.sales_orders where lead_id = %L'),
('api.inbound_mails', 'select count(*) from api.inbound_mails where lead_id is null and from_address = %L'),
('api.assign_inbound_mail', 'select count(*) from api.assign_inbound_mail(pg_temp.mail_of(%L::uuid), %1$L::uuid) where matched_by = ''manager'''),
('api.credit_checks', 'select count(*) from api.credit_checks where lead_id = %L and limit_amount_eur = 5000'),
('api.kpi_daily', 'select count(*) from api.kpi_daily where leads_active is not null or %L is null'),
('api.alerts', 'select count(*) from api.alerts where subject = ''mail.send'' or %L is null'),
('api.create_sales_order', 'select count(*) from api.create_sales_order(%L, ''[{"sku": "ALPHA-1", "qty": 2}]'') where state = ''PENDING'''),
('api.cancel_sales_order', 'select count(*) from api.cancel_sales_order((select o.id from app.sales_orders as o where o.lead_id = %L::uuid limit 1)) where state = ''CANCELLED'''),
('api.link_xentral_customer', 'select count(*) from api.link_xentral_customer(%L, ''4711'') where xentral_customer_id = ''4711'''),
('api.start_test_phase', 'select count(*) from api.start_test_phase(tests.box_of(%L), ''TRIAL'', ''2026-01-21'') where feedback_token is not null'),
('api.rotate_feedback_token', 'select count(*) from api.rotate_feedback_token(tests.phase_of(%L)) where feedback_token is not null'),
('api.revoke_feedback_token', 'select count(*) from api.revoke_feedback_token(tests.phase_of(%L)) where feedback_link_state = ''REVOKED'''),
('api.record_test_result', 'select count(*) from api.record_test_result(tests.phase_of(%L), ''ALPHA-1'', ''MIXED'')'),
('api.log_feedback', 'select count(*) from api.log_feedback(tests.phase_of(%L), ''ALPHA-1'', 5, null, ''VISIT'')'),
-- Computed relationships (embedding), called with a parent row made up from the target id alone, so
-- the answer cannot come from the parent's own visibility: they must return what the child view does.
('api.lead_protection(api.leads)', 'select count(*) from api.lead_protection(json_populate_record(null::api.leads, json_build_object(''id'', %L)))'),
('api.leads(api.lead_protection)', 'select count(*) from api.leads(json_populate_record(null::api.lead_protection, json_build_object(''lead_id'', %L)))'),
('api.activities(api.leads)', 'select count(*) from api.activities(json_populate_record(null::api.leads, json_build_object(''id'', %L)))'),
('api.holds(api.leads)', 'select count(*) from api.holds(json_populate_record(null::api.leads, json_build_object(''id'', %L)))'),
('api.collaborators(api.leads)', 'select count(*) from api.collaborators(json_populate_record(null::api.leads, json_build_object(''id'', %L))) where user_id <> app.current_user_id()'),
('api.extension_requests(api.leads)', 'select count(*) from api.extension_requests(json_populate_record(null::api.leads, json_build_object(''id'', %L)))'),
('api.audit_log(api.leads)', 'select least(count(*), 1) from api.audit_log(json_populate_record(null::api.leads, json_build_object(''id'', %L)))'),
('api.sample_boxes(api.leads)', 'select count(*) from api.sample_boxes(json_populate_record(null::api.leads, json_build_object(''id'', %L)))'),
('api.test_phases(api.leads)', 'select count(*) from api.test_phases(json_populate_record(null::api.leads, json_build_object(''id'', %L))) where feedback_link_state = ''ACTIVE'''),
('api.test_results(api.leads)', 'select count(*) from api.test_results(json_populate_record(null::api.leads, json_build_object(''id'', %L)))'),
('api.product_feedback(api.leads)', 'select count(*) from api.product_feedback(json_populate_record(null::api.leads, json_build_object(''id'', %L)))'),
('api.notifications(api.leads)', 'select count(*) from api.notifications(json_populate_record(null::api.leads, json_build_object(''id'', %L))) where kind = ''LEAD_TEST'''),
('api.leads(api.activities)', 'select count(*) from api.leads(json_populate_record(null::api.activities, json_build_object(''lead_id'', %L)))'),
('api.leads(api.holds)', 'select count(*) from api.leads(json_populate_record(null::api.holds, json_build_object(''lead_id'', %L)))'),
('api.leads(api.collaborators)', 'select count(*) from api.leads(json_populate_record(null::api.collaborators, json_build_object(''lead_id'', %L)))'),
('api.leads(api.extension_requests)', 'select count(*) from api.leads(json_populate_record(null::api.extension_requests, json_build_object(''lead_id'', %L)))'),
('api.leads(api.audit_log)', 'select count(*) from api.leads(json_populate_record(null::api.audit_log, json_build_object(''lead_id'', %L)))'),
('api.leads(api.sample_boxes)', 'select count(*) from api.leads(json_populate_record(null::api.sample_boxes, json_build_object(''lead_id'', %L)))'),
('api.leads(api.test_phases)', 'select count(*) from api.leads(json_populate_record(null::api.test_phases, json_build_object(''lead_id'', %L)))'),
('api.leads(api.test_results)', 'select count(*) from api.leads(json_populate_record(null::api.test_results, json_build_object(''lead_id'', %L)))'),
('api.leads(api.product_feedback)', 'select count(*) from api.leads(json_populate_record(null::api.product_feedback, json_build_object(''lead_id'', %L)))'),
('api.leads(api.notifications)', 'select count(*) from api.leads(json_populate_record(null::api.notifications, json_build_object(''lead_id'', %L)))'),
('api.sales_orders(api.leads)', 'select count(*) from api.sales_orders(json_populate_record(null::api.leads, json_build_object(''id'', %L)))'),
('api.leads(api.sales_orders)', 'select count(*) from api.leads(json_populate_record(null::api.sales_orders, json_build_object(''lead_id'', %L)))');

-- The expectations: object, relation, then one column per role.
create temporary table matrix (
    object text, relation text,
    anon text, sales_rep text, sales_manager text, auditor text, tenant_admin text,
    primary key (object, relation)
);
insert into matrix values
-- identity
('api.users', 'tenant_user', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.users', 'other_tenant_user', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.user_accounts', 'tenant_user', 'sqlstate 42501', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1'),
('api.user_accounts', 'other_tenant_user', 'sqlstate 42501', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0'),
('api.whoami', 'self', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.create_user', 'tenant_org', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'rows 1'),
('api.create_user', 'other_tenant_org', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'FP114 400'),
('api.deactivate_user', 'tenant_user', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'rows 1'),
('api.deactivate_user', 'other_tenant_user', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'FP116 404'),
-- lead views: a rep sees own, collaborated and pool leads; children of live own/collaborated only
('api.leads', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.leads', 'collab', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.leads', 'other', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.leads', 'pool', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.leads', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.lead_protection', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.lead_protection', 'collab', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.lead_protection', 'other', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.lead_protection', 'pool', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.lead_protection', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.lead_pool', 'own', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.lead_pool', 'pool', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.lead_pool', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.activities', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.activities', 'collab', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.activities', 'other', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.activities', 'pool', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.activities', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.activity_kinds', 'self', 'sqlstate 42501', 'rows 15', 'rows 15', 'rows 15', 'rows 15'),
('api.holds', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.holds', 'collab', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.holds', 'other', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.holds', 'pool', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.holds', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.collaborators', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.collaborators', 'collab', 'sqlstate 42501', 'rows 1', 'rows 2', 'rows 2', 'rows 2'),
('api.collaborators', 'other', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.collaborators', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.extension_requests', 'collab', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.extension_requests', 'other', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.extension_requests', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.audit_log', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.audit_log', 'other', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.audit_log', 'pool', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.audit_log', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.notifications', 'self', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.notifications', 'tenant_user', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.products', 'tenant_product', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.products', 'other_tenant_product', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.settings_effective', 'self', 'sqlstate 42501', 'rows 35', 'rows 35', 'rows 35', 'rows 35'),
-- registration and claims
('api.register_lead', 'new', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.find_similar_leads', 'new', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.claim_lead', 'own', 'sqlstate 42501', 'FP304 409', 'FP102 403', 'FP102 403', 'FP102 403'),
('api.claim_lead', 'other', 'sqlstate 42501', 'FP306 409', 'FP102 403', 'FP102 403', 'FP102 403'),
('api.claim_lead', 'pool', 'sqlstate 42501', 'rows 1', 'FP102 403', 'FP102 403', 'FP102 403'),
('api.claim_lead', 'other_tenant', 'sqlstate 42501', 'FP305 404', 'FP102 403', 'FP102 403', 'FP102 403'),
-- work on a lead: owner (and ASSIST/NEGOTIATE for activities) or a manager
('api.log_activity', 'own', 'sqlstate 42501', 'rows 1', 'FP102 403', 'FP102 403', 'FP102 403'),
('api.log_activity', 'collab', 'sqlstate 42501', 'FP403 403', 'FP102 403', 'FP102 403', 'FP102 403'),
('api.log_activity', 'other', 'sqlstate 42501', 'FP305 404', 'FP102 403', 'FP102 403', 'FP102 403'),
('api.log_activity', 'pool', 'sqlstate 42501', 'FP305 404', 'FP102 403', 'FP102 403', 'FP102 403'),
('api.log_activity', 'other_tenant', 'sqlstate 42501', 'FP305 404', 'FP102 403', 'FP102 403', 'FP102 403'),
('api.add_hold', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.add_hold', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.add_hold', 'other', 'sqlstate 42501', 'FP305 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.add_hold', 'pool', 'sqlstate 42501', 'FP102 403', 'FP310 409', 'FP102 403', 'FP102 403'),
('api.add_hold', 'other_tenant', 'sqlstate 42501', 'FP305 404', 'FP305 404', 'FP102 403', 'FP102 403'),
('api.end_hold', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.end_hold', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.end_hold', 'other', 'sqlstate 42501', 'FP516 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.end_hold', 'pool', 'sqlstate 42501', 'FP516 404', 'FP310 409', 'FP102 403', 'FP102 403'),
('api.end_hold', 'other_tenant', 'sqlstate 42501', 'FP516 404', 'FP516 404', 'FP102 403', 'FP102 403'),
('api.decide_hold', 'own', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.decide_hold', 'other', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.decide_hold', 'pool', 'sqlstate 42501', 'FP102 403', 'FP518 409', 'FP102 403', 'FP102 403'),
('api.decide_hold', 'other_tenant', 'sqlstate 42501', 'FP102 403', 'FP516 404', 'FP102 403', 'FP102 403'),
('api.add_collaborator', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.add_collaborator', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.add_collaborator', 'other', 'sqlstate 42501', 'FP305 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.add_collaborator', 'pool', 'sqlstate 42501', 'FP102 403', 'FP310 409', 'FP102 403', 'FP102 403'),
('api.add_collaborator', 'other_tenant', 'sqlstate 42501', 'FP305 404', 'FP305 404', 'FP102 403', 'FP102 403'),
('api.remove_collaborator', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.remove_collaborator', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.remove_collaborator', 'other', 'sqlstate 42501', 'FP305 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.remove_collaborator', 'other_tenant', 'sqlstate 42501', 'FP305 404', 'FP305 404', 'FP102 403', 'FP102 403'),
('api.request_extension', 'own', 'sqlstate 42501', 'rows 1', 'FP102 403', 'FP102 403', 'FP102 403'),
('api.request_extension', 'collab', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'FP102 403'),
('api.request_extension', 'other', 'sqlstate 42501', 'FP305 404', 'FP102 403', 'FP102 403', 'FP102 403'),
('api.request_extension', 'other_tenant', 'sqlstate 42501', 'FP305 404', 'FP102 403', 'FP102 403', 'FP102 403'),
('api.decide_extension', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.decide_extension', 'other', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.decide_extension', 'other_tenant', 'sqlstate 42501', 'FP102 403', 'FP604 404', 'FP102 403', 'FP102 403'),
-- manager actions
('api.override_protection', 'own', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.override_protection', 'pool', 'sqlstate 42501', 'FP102 403', 'FP310 409', 'FP102 403', 'FP102 403'),
('api.override_protection', 'other_tenant', 'sqlstate 42501', 'FP102 403', 'FP305 404', 'FP102 403', 'FP102 403'),
('api.expire_now', 'own', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.expire_now', 'pool', 'sqlstate 42501', 'FP102 403', 'FP310 409', 'FP102 403', 'FP102 403'),
('api.expire_now', 'other_tenant', 'sqlstate 42501', 'FP102 403', 'FP305 404', 'FP102 403', 'FP102 403'),
('api.transfer_lead', 'own', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.transfer_lead', 'pool', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'rows 1'),
('api.transfer_lead', 'other_tenant', 'sqlstate 42501', 'FP102 403', 'FP305 404', 'FP102 403', 'FP305 404'),
('api.backdate_registration', 'own', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.backdate_registration', 'pool', 'sqlstate 42501', 'FP102 403', 'FP310 409', 'FP102 403', 'FP102 403'),
('api.backdate_registration', 'other_tenant', 'sqlstate 42501', 'FP102 403', 'FP305 404', 'FP102 403', 'FP102 403'),
-- settings and notifications
('api.set_setting', 'self', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'rows 1'),
('api.set_activity_kind', 'self', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'rows 1'),
('api.mark_notification_read', 'self', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.mark_notification_read', 'tenant_notification', 'sqlstate 42501', 'FP806 404', 'FP806 404', 'FP806 404', 'FP806 404'),
('api.jobs', 'self', 'sqlstate 42501', 'sqlstate 42501', 'sqlstate 42501', 'sqlstate 42501', 'rows 1'),
('api.jobs', 'other_tenant_mail', 'sqlstate 42501', 'sqlstate 42501', 'sqlstate 42501', 'sqlstate 42501', 'rows 0'),
('api.requeue_job', 'tenant_job', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'rows 1'),
('api.requeue_job', 'other_tenant_job', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'FP807 404'),
('api.integration_status', 'tenant_connector', 'sqlstate 42501', 'sqlstate 42501', 'sqlstate 42501', 'sqlstate 42501', 'rows 1'),
('api.integration_status', 'other_tenant_connector', 'sqlstate 42501', 'sqlstate 42501', 'sqlstate 42501', 'sqlstate 42501', 'rows 0'),
('api.request_sync', 'self', 'sqlstate 42501', 'FP102 403', 'FP102 403', 'FP102 403', 'rows 1'),
-- the AI call log: reps their own calls, the others the tenant's; budgets of the tenant's organisations
('api.ai_calls', 'self', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.ai_calls', 'tenant_user', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.ai_calls', 'other_tenant_user', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.ai_budget', 'tenant_org', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.ai_budget', 'other_tenant_org', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
-- samples and feedback links: the owner of a live lead or a manager writes; readers of the lead read
('api.sample_boxes', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.sample_boxes', 'collab', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.sample_boxes', 'other', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.sample_boxes', 'pool', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.sample_boxes', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.test_phases', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.test_phases', 'collab', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.test_phases', 'other', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.test_phases', 'pool', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.test_phases', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.test_results', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.test_results', 'collab', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.test_results', 'other', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.test_results', 'pool', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.test_results', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.product_feedback', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.product_feedback', 'collab', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.product_feedback', 'other', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.product_feedback', 'pool', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.product_feedback', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.create_sample_box', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.create_sample_box', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.create_sample_box', 'other', 'sqlstate 42501', 'FP305 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.create_sample_box', 'pool', 'sqlstate 42501', 'FP102 403', 'FP310 409', 'FP102 403', 'FP102 403'),
('api.create_sample_box', 'other_tenant', 'sqlstate 42501', 'FP305 404', 'FP305 404', 'FP102 403', 'FP102 403'),
-- Xentral: orders are read like samples and placed by the owner of a live lead or a manager; the
-- customer link is the owner's or a manager's, whatever the lead's status
('api.sales_orders', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.sales_orders', 'collab', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.sales_orders', 'other', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.sales_orders', 'pool', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.sales_orders', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
('api.create_sales_order', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.inbound_mails', 'tenant_mail', 'sqlstate 42501', 'rows 0', 'rows 1', 'sqlstate 42501', 'sqlstate 42501'),
('api.inbound_mails', 'other_tenant_inbound', 'sqlstate 42501', 'rows 0', 'rows 0', 'sqlstate 42501', 'sqlstate 42501'),
('api.assign_inbound_mail', 'own', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.assign_inbound_mail', 'pool', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.assign_inbound_mail', 'other_tenant', 'sqlstate 42501', 'FP102 403', 'FP305 404', 'FP102 403', 'FP102 403'),
('api.credit_checks', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.credit_checks', 'collab', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.credit_checks', 'other', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.credit_checks', 'pool', 'sqlstate 42501', 'rows 0', 'rows 1', 'rows 1', 'rows 1'),
('api.credit_checks', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0'),
-- today's row has lead counts, yesterday's (never snapshotted) none: one row, only the own tenant's
('api.kpi_daily', 'self', 'sqlstate 42501', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1'),
-- the own tenant's alert only
('api.alerts', 'self', 'sqlstate 42501', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1'),
('api.create_sales_order', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.create_sales_order', 'other', 'sqlstate 42501', 'FP305 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.create_sales_order', 'pool', 'sqlstate 42501', 'FP102 403', 'FP310 409', 'FP102 403', 'FP102 403'),
('api.create_sales_order', 'other_tenant', 'sqlstate 42501', 'FP305 404', 'FP305 404', 'FP102 403', 'FP102 403'),
('api.cancel_sales_order', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.cancel_sales_order', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.cancel_sales_order', 'other', 'sqlstate 42501', 'FP827 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.cancel_sales_order', 'pool', 'sqlstate 42501', 'FP827 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.cancel_sales_order', 'other_tenant', 'sqlstate 42501', 'FP827 404', 'FP827 404', 'FP102 403', 'FP102 403'),
('api.link_xentral_customer', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.link_xentral_customer', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.link_xentral_customer', 'other', 'sqlstate 42501', 'FP305 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.link_xentral_customer', 'pool', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.link_xentral_customer', 'other_tenant', 'sqlstate 42501', 'FP305 404', 'FP305 404', 'FP102 403', 'FP102 403'),
('api.start_test_phase', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.start_test_phase', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.start_test_phase', 'other', 'sqlstate 42501', 'FP903 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.start_test_phase', 'pool', 'sqlstate 42501', 'FP903 404', 'FP310 409', 'FP102 403', 'FP102 403'),
('api.start_test_phase', 'other_tenant', 'sqlstate 42501', 'FP903 404', 'FP903 404', 'FP102 403', 'FP102 403'),
('api.rotate_feedback_token', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.rotate_feedback_token', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.rotate_feedback_token', 'other', 'sqlstate 42501', 'FP904 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.rotate_feedback_token', 'pool', 'sqlstate 42501', 'FP904 404', 'FP310 409', 'FP102 403', 'FP102 403'),
('api.rotate_feedback_token', 'other_tenant', 'sqlstate 42501', 'FP904 404', 'FP904 404', 'FP904 404', 'FP904 404'),
('api.revoke_feedback_token', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.revoke_feedback_token', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.revoke_feedback_token', 'other', 'sqlstate 42501', 'FP904 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.revoke_feedback_token', 'pool', 'sqlstate 42501', 'FP904 404', 'FP310 409', 'FP102 403', 'FP102 403'),
('api.revoke_feedback_token', 'other_tenant', 'sqlstate 42501', 'FP904 404', 'FP904 404', 'FP904 404', 'FP904 404'),
('api.record_test_result', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.record_test_result', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.record_test_result', 'other', 'sqlstate 42501', 'FP904 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.record_test_result', 'pool', 'sqlstate 42501', 'FP904 404', 'FP310 409', 'FP102 403', 'FP102 403'),
('api.record_test_result', 'other_tenant', 'sqlstate 42501', 'FP904 404', 'FP904 404', 'FP904 404', 'FP904 404'),
('api.log_feedback', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'FP102 403', 'FP102 403'),
('api.log_feedback', 'collab', 'sqlstate 42501', 'FP102 403', 'rows 1', 'FP102 403', 'FP102 403'),
('api.log_feedback', 'other', 'sqlstate 42501', 'FP904 404', 'rows 1', 'FP102 403', 'FP102 403'),
('api.log_feedback', 'pool', 'sqlstate 42501', 'FP904 404', 'FP310 409', 'FP102 403', 'FP102 403'),
('api.log_feedback', 'other_tenant', 'sqlstate 42501', 'FP904 404', 'FP904 404', 'FP904 404', 'FP904 404');

-- A computed relationship returns exactly what the view it returns shows the caller, so its
-- expectations are that view's rows (the probes above filter as the view's probes do).
create temporary table relationships (object text primary key, returns_view text);
insert into relationships values
('api.lead_protection(api.leads)', 'api.lead_protection'),
('api.leads(api.lead_protection)', 'api.leads'),
('api.activities(api.leads)', 'api.activities'),
('api.holds(api.leads)', 'api.holds'),
('api.collaborators(api.leads)', 'api.collaborators'),
('api.extension_requests(api.leads)', 'api.extension_requests'),
('api.audit_log(api.leads)', 'api.audit_log'),
('api.sample_boxes(api.leads)', 'api.sample_boxes'),
('api.test_phases(api.leads)', 'api.test_phases'),
('api.test_results(api.leads)', 'api.test_results'),
('api.product_feedback(api.leads)', 'api.product_feedback'),
('api.leads(api.activities)', 'api.leads'),
('api.leads(api.holds)', 'api.leads'),
('api.leads(api.collaborators)', 'api.leads'),
('api.leads(api.extension_requests)', 'api.leads'),
('api.leads(api.audit_log)', 'api.leads'),
('api.leads(api.sample_boxes)', 'api.leads'),
('api.leads(api.test_phases)', 'api.leads'),
('api.leads(api.test_results)', 'api.leads'),
('api.leads(api.product_feedback)', 'api.leads'),
('api.leads(api.notifications)', 'api.leads'),
('api.sales_orders(api.leads)', 'api.sales_orders'),
('api.leads(api.sales_orders)', 'api.leads');
insert into matrix
select r.object, m.relation, m.anon, m.sales_rep, m.sales_manager, m.auditor, m.tenant_admin
from relationships as r inner join matrix as m on r.returns_view = m.object;
-- api.notifications is the caller's own, whatever the lead (its view rows above are per user, not
-- per lead): one fixture notification per lead of the tenant.
insert into matrix values
('api.notifications(api.leads)', 'own', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.notifications(api.leads)', 'collab', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.notifications(api.leads)', 'other', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.notifications(api.leads)', 'pool', 'sqlstate 42501', 'rows 1', 'rows 1', 'rows 1', 'rows 1'),
('api.notifications(api.leads)', 'other_tenant', 'sqlstate 42501', 'rows 0', 'rows 0', 'rows 0', 'rows 0');

create temporary table expectations as
select m.object, m.relation, e.role, e.expected
from matrix as m
cross join lateral (
    values ('anon', m.anon), ('sales_rep', m.sales_rep), ('sales_manager', m.sales_manager),
    ('auditor', m.auditor), ('tenant_admin', m.tenant_admin)
) as e (role, expected);

create temporary table results (object text, relation text, role text, outcome text);

-- The one loop: become each role, run each probe (undone afterwards), record what happened.
-- (a function, not a DO block: the audit writers refuse calls from anonymous code blocks)
create function pg_temp.run_probes() returns void
language plpgsql as $$
declare
    v_case record;
    v_outcome text;
begin
    for v_case in
        select x.object, x.relation, x.role, a.email, format(p.statement, t.target) as statement
        from expectations as x
        inner join actors as a on a.role = x.role
        inner join probes as p on p.object = x.object
        inner join targets as t on t.relation = x.relation
        order by 1, 2, 3
    loop
        if v_case.email is null then
            perform tests.authenticate_anon();
        else
            perform tests.authenticate_as(v_case.email);
        end if;
        v_outcome := tests.probe(v_case.statement);
        perform tests.clear_authentication();
        insert into results values (v_case.object, v_case.relation, v_case.role, v_outcome);
    end loop;
end
$$;
select pg_temp.run_probes();

select plan((select count(*)::int from expectations) + 4);

select is_empty(
    $$ select 'api.' || c.relname from pg_class as c
       where c.relnamespace = 'api'::regnamespace and c.relkind in ('v', 'r', 'm', 'f')
       union
       select case
               when p.pronargs = 1 and p.proargtypes[0] in (
                   select c.reltype from pg_class as c where c.relnamespace = 'api'::regnamespace
               ) then p.oid::regprocedure::text
               else 'api.' || p.proname
           end
       from pg_proc as p where p.pronamespace = 'api'::regnamespace
       except
       select object from matrix $$,
    'every api view and function is in the authorization matrix'
);

select is_empty(
    $$ select r.object from relationships as r
       inner join pg_proc as p on p.oid = r.object::regprocedure
       where p.prorettype <> (select c.reltype from pg_class as c where c.oid = r.returns_view::regclass) $$,
    'every computed relationship borrows the expectations of the view it really returns'
);

select is_empty(
    $$ select object from matrix except select object from probes $$,
    'every object in the matrix has a probe'
);

select is_empty(
    $$ select relation from matrix except select relation from targets $$,
    'every relation in the matrix has a target'
);

select is(
    r.outcome, x.expected,
    format('%s (%s) as %s', x.object, x.relation, x.role)
)
from expectations as x
left join results as r on x.object = r.object and x.relation = r.relation and x.role = r.role
order by x.object, x.relation, x.role;

select * from finish();
rollback;
