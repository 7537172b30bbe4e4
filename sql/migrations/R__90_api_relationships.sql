-- Resource embedding through the api views (SPEC 4.3): computed relationships for every pair
-- PostgREST 12 cannot infer itself.
--
-- PostgREST follows a view's columns down to the foreign keys of its base tables, but only through
-- views in the exposed schema (db-schemas, db-extra-search-path). api.leads and api.lead_protection
-- read app.lead_overview, a view in app, so their id leads nowhere and no relationship to or from a
-- lead is found (PGRST200). The children among themselves are simple views over their tables, and
-- PostgREST infers those pairs from the foreign keys (sql/tests and tests/test_postgrest_client.py
-- hold them to it): sample_boxes <-> test_phases, test_phases <-> test_results,
-- test_phases <-> product_feedback.
--
-- A computed relationship is a function in api that takes the parent view's row and returns
-- `setof` the child view: to-many by default, to-one with `rows 1`. PostgREST names the embedding
-- after the function, so the function has the name of the view it returns: GET
-- /leads?select=*,activities(*) calls api.activities(api.leads), GET /activities?select=*,leads(*)
-- calls api.leads(api.activities). Each is one plain SELECT on the child view: language sql,
-- stable, security invoker, no SET clause, so the planner inlines it into PostgREST's query and the
-- child view's security_invoker and the RLS of its tables apply to the caller unchanged (an
-- embedding returns exactly the rows a separate GET of the child view returns). Their single
-- parameter is unnamed, so PostgREST does not offer them as /rpc/ functions.
--
-- Repeatable (Flyway re-applies it when its text changes, after the V files): create or replace
-- only. A function taken out of this file must be dropped by a statement here.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- ------------------------------------------------------------ a lead and its protection (one to one)
create or replace function api.lead_protection(api.leads)
returns setof api.lead_protection
rows 1
language sql
stable
security invoker
as $$
    select p.* from api.lead_protection as p where p.lead_id = $1.id
$$;
comment on function api.lead_protection(api.leads) is
'The protection of a lead, as api.lead_protection shows it to the caller: GET /leads?select=*,lead_protection(*).';

create or replace function api.leads(api.lead_protection)
returns setof api.leads
rows 1
language sql
stable
security invoker
as $$
    select l.* from api.leads as l where l.id = $1.lead_id
$$;
comment on function api.leads(api.lead_protection) is
'The lead of a protection row, as api.leads shows it to the caller: GET /lead_protection?select=*,leads(*).';

-- ------------------------------------------------------------ a lead's children (one to many)
create or replace function api.activities(api.leads)
returns setof api.activities
language sql
stable
security invoker
as $$
    select c.* from api.activities as c where c.lead_id = $1.id
$$;
comment on function api.activities(api.leads) is
'The activities of a lead, as api.activities shows them to the caller: GET /leads?select=*,activities(*).';

create or replace function api.holds(api.leads)
returns setof api.holds
language sql
stable
security invoker
as $$
    select c.* from api.holds as c where c.lead_id = $1.id
$$;
comment on function api.holds(api.leads) is
'The stop-the-clock holds of a lead, as api.holds shows them to the caller: GET /leads?select=*,holds(*).';

create or replace function api.collaborators(api.leads)
returns setof api.collaborators
language sql
stable
security invoker
as $$
    select c.* from api.collaborators as c where c.lead_id = $1.id
$$;
comment on function api.collaborators(api.leads) is
'The collaborators of a lead, as api.collaborators shows them to the caller: GET /leads?select=*,collaborators(*).';

create or replace function api.extension_requests(api.leads)
returns setof api.extension_requests
language sql
stable
security invoker
as $$
    select c.* from api.extension_requests as c where c.lead_id = $1.id
$$;
comment on function api.extension_requests(api.leads) is
'The extension requests of a lead, as api.extension_requests shows them to the caller: '
'GET /leads?select=*,extension_requests(*).';

create or replace function api.audit_log(api.leads)
returns setof api.audit_log
language sql
stable
security invoker
as $$
    select c.* from api.audit_log as c where c.lead_id = $1.id
$$;
comment on function api.audit_log(api.leads) is
'The audit entries about a lead (itself and everything done on it, by audit_log.lead_id), '
'as api.audit_log shows them to the caller: '
'GET /leads?select=*,audit_log(*).';

create or replace function api.sample_boxes(api.leads)
returns setof api.sample_boxes
language sql
stable
security invoker
as $$
    select c.* from api.sample_boxes as c where c.lead_id = $1.id
$$;
comment on function api.sample_boxes(api.leads) is
'The sample boxes of a lead, as api.sample_boxes shows them to the caller: GET /leads?select=*,sample_boxes(*).';

create or replace function api.test_phases(api.leads)
returns setof api.test_phases
language sql
stable
security invoker
as $$
    select c.* from api.test_phases as c where c.lead_id = $1.id
$$;
comment on function api.test_phases(api.leads) is
'The test phases of a lead, as api.test_phases shows them to the caller: GET /leads?select=*,test_phases(*).';

create or replace function api.test_results(api.leads)
returns setof api.test_results
language sql
stable
security invoker
as $$
    select c.* from api.test_results as c where c.lead_id = $1.id
$$;
comment on function api.test_results(api.leads) is
'The test results of a lead, as api.test_results shows them to the caller: GET /leads?select=*,test_results(*).';

create or replace function api.product_feedback(api.leads)
returns setof api.product_feedback
language sql
stable
security invoker
as $$
    select c.* from api.product_feedback as c where c.lead_id = $1.id
$$;
comment on function api.product_feedback(api.leads) is
'The customer feedback on the products of a lead, as api.product_feedback shows them to the caller: '
'GET /leads?select=*,product_feedback(*).';

create or replace function api.notifications(api.leads)
returns setof api.notifications
language sql
stable
security invoker
as $$
    select c.* from api.notifications as c where c.lead_id = $1.id
$$;
comment on function api.notifications(api.leads) is
'The caller''s own notifications about a lead, as api.notifications shows them to the caller: '
'GET /leads?select=*,notifications(*).';

create or replace function api.sales_orders(api.leads)
returns setof api.sales_orders
language sql
stable
security invoker
as $$
    select c.* from api.sales_orders as c where c.lead_id = $1.id
$$;
comment on function api.sales_orders(api.leads) is
'The sales orders of a lead, as api.sales_orders shows them to the caller: GET /leads?select=*,sales_orders(*).';

-- ------------------------------------------------------------ back to the lead (many to one)
create or replace function api.leads(api.activities)
returns setof api.leads
rows 1
language sql
stable
security invoker
as $$
    select l.* from api.leads as l where l.id = $1.lead_id
$$;
comment on function api.leads(api.activities) is
'The lead of an activity, as api.leads shows it to the caller: GET /activities?select=*,leads(company_name).';

create or replace function api.leads(api.holds)
returns setof api.leads
rows 1
language sql
stable
security invoker
as $$
    select l.* from api.leads as l where l.id = $1.lead_id
$$;
comment on function api.leads(api.holds) is
'The lead of a hold, as api.leads shows it to the caller: GET /holds?select=*,leads(company_name).';

create or replace function api.leads(api.collaborators)
returns setof api.leads
rows 1
language sql
stable
security invoker
as $$
    select l.* from api.leads as l where l.id = $1.lead_id
$$;
comment on function api.leads(api.collaborators) is
'The lead a collaborator works on, as api.leads shows it to the caller: '
'GET /collaborators?select=*,leads(company_name).';

create or replace function api.leads(api.extension_requests)
returns setof api.leads
rows 1
language sql
stable
security invoker
as $$
    select l.* from api.leads as l where l.id = $1.lead_id
$$;
comment on function api.leads(api.extension_requests) is
'The lead of an extension request, as api.leads shows it to the caller: '
'GET /extension_requests?select=*,leads(company_name).';

create or replace function api.leads(api.audit_log)
returns setof api.leads
rows 1
language sql
stable
security invoker
as $$
    select l.* from api.leads as l where l.id = $1.lead_id
$$;
comment on function api.leads(api.audit_log) is
'The lead an audit entry is about (null for entries about no lead, such as settings), '
'as api.leads shows it to the caller: '
'GET /audit_log?select=*,leads(company_name).';

create or replace function api.leads(api.sample_boxes)
returns setof api.leads
rows 1
language sql
stable
security invoker
as $$
    select l.* from api.leads as l where l.id = $1.lead_id
$$;
comment on function api.leads(api.sample_boxes) is
'The lead of a sample box, as api.leads shows it to the caller: GET /sample_boxes?select=*,leads(company_name).';

create or replace function api.leads(api.test_phases)
returns setof api.leads
rows 1
language sql
stable
security invoker
as $$
    select l.* from api.leads as l where l.id = $1.lead_id
$$;
comment on function api.leads(api.test_phases) is
'The lead of a test phase, as api.leads shows it to the caller: GET /test_phases?select=*,leads(company_name).';

create or replace function api.leads(api.test_results)
returns setof api.leads
rows 1
language sql
stable
security invoker
as $$
    select l.* from api.leads as l where l.id = $1.lead_id
$$;
comment on function api.leads(api.test_results) is
'The lead of a test result, as api.leads shows it to the caller: GET /test_results?select=*,leads(company_name).';

create or replace function api.leads(api.product_feedback)
returns setof api.leads
rows 1
language sql
stable
security invoker
as $$
    select l.* from api.leads as l where l.id = $1.lead_id
$$;
comment on function api.leads(api.product_feedback) is
'The lead of a feedback row, as api.leads shows it to the caller: GET /product_feedback?select=*,leads(company_name).';

create or replace function api.leads(api.notifications)
returns setof api.leads
rows 1
language sql
stable
security invoker
as $$
    select l.* from api.leads as l where l.id = $1.lead_id
$$;
comment on function api.leads(api.notifications) is
'The lead a notification is about (null for none), as api.leads shows it to the caller: '
'GET /notifications?select=*,leads(company_name).';

create or replace function api.leads(api.sales_orders)
returns setof api.leads
rows 1
language sql
stable
security invoker
as $$
    select l.* from api.leads as l where l.id = $1.lead_id
$$;
comment on function api.leads(api.sales_orders) is
'The lead of a sales order, as api.leads shows it to the caller: GET /sales_orders?select=*,leads(company_name).';

-- ------------------------------------------------------------ privileges
-- Every view these functions read is granted to the four web roles (V018, V028), so they are too;
-- web_anon, PUBLIC and the service roles get nothing.
revoke execute on function
api.lead_protection(api.leads),
api.leads(api.lead_protection),
api.activities(api.leads),
api.holds(api.leads),
api.collaborators(api.leads),
api.extension_requests(api.leads),
api.audit_log(api.leads),
api.sample_boxes(api.leads),
api.test_phases(api.leads),
api.test_results(api.leads),
api.product_feedback(api.leads),
api.notifications(api.leads),
api.sales_orders(api.leads),
api.leads(api.activities),
api.leads(api.holds),
api.leads(api.collaborators),
api.leads(api.extension_requests),
api.leads(api.audit_log),
api.leads(api.sample_boxes),
api.leads(api.test_phases),
api.leads(api.test_results),
api.leads(api.product_feedback),
api.leads(api.notifications),
api.leads(api.sales_orders)
from public;
grant execute on function
api.lead_protection(api.leads),
api.leads(api.lead_protection),
api.activities(api.leads),
api.holds(api.leads),
api.collaborators(api.leads),
api.extension_requests(api.leads),
api.audit_log(api.leads),
api.sample_boxes(api.leads),
api.test_phases(api.leads),
api.test_results(api.leads),
api.product_feedback(api.leads),
api.notifications(api.leads),
api.sales_orders(api.leads),
api.leads(api.activities),
api.leads(api.holds),
api.leads(api.collaborators),
api.leads(api.extension_requests),
api.leads(api.audit_log),
api.leads(api.sample_boxes),
api.leads(api.test_phases),
api.leads(api.test_results),
api.leads(api.product_feedback),
api.leads(api.notifications),
api.leads(api.sales_orders)
to sales_rep, sales_manager, auditor, tenant_admin;
