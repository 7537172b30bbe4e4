-- The api schema is the contract with the frontend: exactly these views and functions.
-- Adding one means adding it here and to the authorization matrix (test_90).
begin;
select plan(4);

select views_are(
    'api',
    array[
        'users', 'user_accounts', 'leads', 'lead_protection', 'lead_pool', 'activities', 'activity_kinds',
        'holds', 'collaborators', 'extension_requests', 'audit_log', 'notifications', 'products',
        'settings_effective', 'jobs', 'sample_boxes', 'test_phases', 'test_results', 'product_feedback',
        'ai_calls', 'ai_budget', 'integration_status', 'sales_orders',
        'credit_checks', 'inbound_mails', 'kpi_daily', 'alerts'
    ],
    'api exposes exactly the contracted views'
);

select functions_are(
    'api',
    array[
        'whoami', 'create_user', 'deactivate_user', 'register_lead', 'find_similar_leads', 'claim_lead',
        'log_activity', 'add_hold', 'end_hold', 'decide_hold', 'add_collaborator', 'remove_collaborator',
        'request_extension', 'decide_extension', 'override_protection', 'expire_now', 'transfer_lead',
        'backdate_registration', 'set_setting', 'mark_notification_read', 'set_activity_kind',
        'create_sample_box', 'start_test_phase', 'record_test_result', 'log_feedback', 'rotate_feedback_token',
        'revoke_feedback_token', 'requeue_job', 'request_sync', 'link_xentral_customer', 'create_sales_order',
        'cancel_sales_order', 'assign_inbound_mail',
        -- computed relationships (R__90_api_relationships.sql), named after the views they return
        'lead_protection', 'leads', 'activities', 'holds', 'collaborators', 'extension_requests', 'audit_log',
        'sample_boxes', 'test_phases', 'test_results', 'product_feedback', 'notifications', 'sales_orders'
    ],
    'api exposes exactly the contracted functions'
);

-- Resource embedding (SPEC 4.3): a lead with each of its children and each child back to its lead.
-- The pairs among the children (sample_boxes, test_phases, test_results, product_feedback) PostgREST
-- infers from the foreign keys; tests/test_postgrest_client.py drives all of them over HTTP.
select set_eq(
    $$ select p.oid::regprocedure::text from pg_proc as p
       where p.pronamespace = 'api'::regnamespace and p.pronargs = 1
         and p.proargtypes[0] in (select c.reltype from pg_class as c where c.relnamespace = 'api'::regnamespace) $$,
    array[
        'api.lead_protection(api.leads)', 'api.leads(api.lead_protection)',
        'api.activities(api.leads)', 'api.leads(api.activities)',
        'api.holds(api.leads)', 'api.leads(api.holds)',
        'api.collaborators(api.leads)', 'api.leads(api.collaborators)',
        'api.extension_requests(api.leads)', 'api.leads(api.extension_requests)',
        'api.audit_log(api.leads)', 'api.leads(api.audit_log)',
        'api.sample_boxes(api.leads)', 'api.leads(api.sample_boxes)',
        'api.test_phases(api.leads)', 'api.leads(api.test_phases)',
        'api.test_results(api.leads)', 'api.leads(api.test_results)',
        'api.product_feedback(api.leads)', 'api.leads(api.product_feedback)',
        'api.notifications(api.leads)', 'api.leads(api.notifications)',
        'api.sales_orders(api.leads)', 'api.leads(api.sales_orders)'
    ],
    'api declares exactly these computed relationships'
);

select is_empty(
    $$ select p.oid::regprocedure::text || ' returns ' || p.prorettype::regtype::text
              || case when p.prorows = 1 then ' (to-one)' else ' (to-many)' end
       from pg_proc as p
       where p.pronamespace = 'api'::regnamespace and p.pronargs = 1
         and p.proargtypes[0] in (select c.reltype from pg_class as c where c.relnamespace = 'api'::regnamespace)
         and not (
             p.proretset
             and p.prorettype in (select c.reltype from pg_class as c where c.relnamespace = 'api'::regnamespace)
             and p.proname = (select c.relname from pg_class as c where c.reltype = p.prorettype)
             -- to-one exactly where the function returns a lead or the one protection row of a lead
             and (p.prorows = 1) = (p.proname = 'leads' or p.proname = 'lead_protection')
         ) $$,
    'each computed relationship returns setof the api view it is named after, rows 1 for the to-one side'
);

select * from finish();
rollback;
